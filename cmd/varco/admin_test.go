package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// OWASP API1 (object level) and API5 (function level) over the real stack, with two Comuni
// (H501 from the seed, F205 added here with its own TOP) and the "Done when" scenario.

type adminEnv struct {
	t   *testing.T
	s   *stack
	url string
	az  *rbac.Authorizer
}

func (e *adminEnv) do(method, path, token string, body any) answer {
	e.t.Helper()
	return call(e.t, method, e.url+"/api/v1"+path, token, body)
}

// expect fails unless the answer has the status (and, for problems, the code).
func (e *adminEnv) expect(a answer, status int, what string) answer {
	e.t.Helper()
	if a.status != status {
		e.t.Fatalf("%s: got %d %s, want %d", what, a.status, a.raw, status)
	}
	return a
}

func loginWith(t *testing.T, url, user, pw string) string {
	t.Helper()
	a := call(t, "POST", url+"/api/v1/auth/token", "", map[string]string{"username": user, "password": pw})
	tok, _ := a.body["access_token"].(string)
	if a.status != 200 || tok == "" {
		t.Fatalf("login %s: %d %s", user, a.status, a.raw)
	}
	return tok
}

func idOf(t *testing.T, a answer, path ...string) int64 {
	t.Helper()
	var v any = a.body
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("no id at %v in %s", path, a.raw)
	}
	return int64(f)
}

// addComuneB creates F205 with its TOP ("top-f205", password "demo") and a second Ente with a
// convenzione there, through the store and the Authorizer the API uses.
func (e *adminEnv) addComuneB() (topB int64, enteB int64) {
	ctx := context.Background()
	db := e.s.db
	must := func(err error) {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	must(store.CreateComune(ctx, db, &store.Comune{Code: "F205", IstatCode: "015146", Name: "Milano",
		Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser,
		// Milano holds a PDND purpose for C020 only: its convenzioni may offer C020 and no more.
		PurposeIDs: map[string]string{"C020": "8f7b6c1e-0000-4000-8000-00000000f205"}}))
	ente := &store.Ente{Name: "Polizia Locale Milano"}
	must(store.CreateEnte(ctx, db, ente))
	must(store.CreateConvenzione(ctx, db, &store.Convenzione{ComuneCode: "F205", EnteID: ente.ID,
		Services: []string{"C020"}, ValidFrom: time.Now()}))
	hash, err := auth.HashPassword("demo")
	must(err)
	u := &store.User{Username: "top-f205", DisplayName: "TOP Milano", PasswordHash: hash, Active: true}
	must(store.CreateUser(ctx, db, u))
	must(e.az.AddGrant(ctx, &store.Grant{UserID: u.ID, ComuneCode: "F205", Role: store.RoleTop}))
	return u.ID, ente.ID
}

// dbState is a digest of everything administration may change, to prove refusals change
// nothing.
func (e *adminEnv) dbState() string {
	e.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, q := range []string{
		"SELECT id, username, display_name, password_hash, active FROM users ORDER BY id",
		"SELECT id, user_id, comune_code, COALESCE(ente_id, 0), role, services, daily_quota FROM grants ORDER BY id",
		"SELECT id, comune_code, ente_id, services, valid_to, daily_quota FROM convenzioni ORDER BY id",
		"SELECT id, name, codice_ipa FROM enti ORDER BY id",
		"SELECT ptype, v0, v1, v2 FROM casbin_rules ORDER BY id",
	} {
		rows, err := e.s.db.QueryContext(ctx, q)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

func (e *adminEnv) events(where string, args ...any) int {
	e.t.Helper()
	n, err := e.s.db.NewSelect().Model((*store.AdminEvent)(nil)).Where(where, args...).Count(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

func queryAs(t *testing.T, url, token, service string) answer {
	t.Helper()
	return call(t, "POST", url+"/api/v1/anpr/"+service, token, query("AF41450AS"))
}

func TestAdminAPI(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	e := &adminEnv{t: t, s: s, url: url, az: s.api.Authz}
	topBID, enteB := e.addComuneB()
	topA, topB := login(t, url, "demo-top"), login(t, url, "top-f205")
	demoAdmin, demoOp := login(t, url, "demo-admin"), login(t, url, "demo-operatore")
	today := time.Now().In(store.Rome()).Format(time.DateOnly)

	// --- Done when: via the API alone, the TOP of A builds an Ente, a convenzione, an ADMIN…
	ente := idOf(t, e.expect(e.do("POST", "/admin/enti", topA, map[string]any{"comune": "H501", "name": "Ufficio Tributi"}), 201, "create ente"), "id")
	conv := idOf(t, e.expect(e.do("POST", "/admin/comuni/H501/convenzioni", topA, map[string]any{
		"enteId": ente, "services": []string{"C020", "C021", "C030"}, "validFrom": today, "dailyQuota": 100}), 201, "create convenzione"), "id")
	a := e.expect(e.do("POST", "/admin/comuni/H501/users", topA, map[string]any{
		"username": "adm-tributi", "displayName": "ADMIN Tributi", "role": "ADMIN", "enteId": ente}), 201, "create ADMIN")
	admID := idOf(t, a, "user", "id")
	adm := loginWith(t, url, "adm-tributi@H501", a.body["initialPassword"].(string)) // login names carry the Comune
	// … the ADMIN makes two AUTORIZZATI with different profiles …
	mk := func(name string, services ...string) (int64, string) {
		a := e.expect(e.do("POST", "/admin/comuni/H501/users", adm, map[string]any{
			"username": name, "role": "AUTORIZZATO", "services": services}), 201, "create "+name)
		return idOf(t, a, "user", "id"), loginWith(t, url, name+"@H501", a.body["initialPassword"].(string))
	}
	op1ID, op1 := mk("op-uno", "C020")
	op2ID, op2 := mk("op-due", "C021")
	// … each queries exactly what the profile allows.
	for _, c := range []struct {
		who, token, service string
		status              int
	}{{"op1", op1, "C020", 200}, {"op1", op1, "C021", 403}, {"op2", op2, "C021", 200}, {"op2", op2, "C020", 403}} {
		if a := queryAs(t, url, c.token, c.service); a.status != c.status {
			t.Fatalf("%s %s: %d %s, want %d", c.who, c.service, a.status, a.raw, c.status)
		}
	}

	// --- The TOP of B sees and changes none of it (API1): 404 everywhere, nothing changes.
	before := e.dbState()
	deniedBefore := e.events("outcome = ?", store.AdminDenied)
	h := "/admin/comuni/H501"
	cross := []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", h + "/users", nil, 404},
		{"GET", fmt.Sprintf("%s/users/%d", h, op1ID), nil, 404},
		{"PATCH", fmt.Sprintf("%s/users/%d", h, op1ID), map[string]any{"services": []string{"C020", "C021"}}, 404},
		{"POST", fmt.Sprintf("%s/users/%d/suspend", h, op1ID), nil, 404},
		{"POST", fmt.Sprintf("%s/users/%d/reset-credentials", h, admID), nil, 404},
		{"DELETE", fmt.Sprintf("%s/users/%d", h, op2ID), nil, 404},
		{"GET", h + "/convenzioni", nil, 404},
		{"PATCH", fmt.Sprintf("%s/convenzioni/%d", h, conv), map[string]any{"dailyQuota": 1}, 404},
		{"POST", h + "/users", map[string]any{"username": "intruso", "role": "TOP"}, 404},
		{"POST", h + "/grants", map[string]any{"role": "TOP", "userId": topBID}, 404},
		{"POST", h + "/convenzioni", map[string]any{"enteId": enteB, "services": []string{"C020"}, "validFrom": today}, 404},
		{"GET", fmt.Sprintf("/admin/enti/%d", ente), nil, 404},
		// Through its own Comune: objects of A do not exist in F205.
		{"POST", fmt.Sprintf("/admin/comuni/F205/users/%d/suspend", op1ID), nil, 404},
		{"PATCH", fmt.Sprintf("/admin/comuni/F205/convenzioni/%d", conv), map[string]any{"dailyQuota": 1}, 404},
		{"POST", "/admin/comuni/F205/grants", map[string]any{"role": "ADMIN", "userId": admID, "enteId": enteB}, 404},
		{"POST", "/admin/comuni/F205/convenzioni", map[string]any{"enteId": ente, "services": []string{"C020"}, "validFrom": today}, 404},
		{"POST", "/admin/enti", map[string]any{"comune": "H501", "name": "x"}, 404},
	}
	for _, c := range cross {
		if a := e.do(c.method, c.path, topB, c.body); a.status != c.status {
			t.Errorf("TOP of F205 %s %s: %d %s, want %d", c.method, c.path, a.status, a.raw, c.status)
		}
	}
	enti := e.expect(e.do("GET", "/admin/enti", topB, nil), 200, "TOP B lists Enti")
	if strings.Contains(string(enti.raw), "Ufficio Tributi") || !strings.Contains(string(enti.raw), "Polizia Locale Milano") {
		t.Errorf("TOP of F205 sees %s", enti.raw)
	}
	evB := e.expect(e.do("GET", "/admin/events?limit=500", topB, nil), 200, "TOP B events")
	if strings.Contains(string(evB.raw), `"comune":"H501"`) {
		t.Errorf("TOP of F205 reads H501 events: %s", evB.raw)
	}

	// --- Function level (API5) and self-promotion inside H501.
	demoOpID := e.userID("demo-operatore")
	topAID := e.userID("demo-top")
	same := []struct {
		who, token, method, path string
		body                     any
		status                   int
	}{
		{"AUTORIZZATO", demoOp, "GET", h + "/users", nil, 403},
		{"AUTORIZZATO", demoOp, "POST", h + "/users", map[string]any{"username": "x", "role": "AUTORIZZATO", "enteId": ente}, 403},
		{"AUTORIZZATO", demoOp, "GET", h + "/convenzioni", nil, 403},
		{"AUTORIZZATO", demoOp, "GET", "/admin/events", nil, 403},
		{"AUTORIZZATO", demoOp, "POST", "/admin/enti", map[string]any{"comune": "H501", "name": "x"}, 403},
		{"AUTORIZZATO", demoOp, "PATCH", fmt.Sprintf("%s/users/%d", h, demoOpID), map[string]any{"services": []string{"C015"}}, 403},
		{"ADMIN", adm, "POST", h + "/users", map[string]any{"username": "x", "role": "ADMIN", "enteId": ente}, 403},
		{"ADMIN", adm, "POST", h + "/users", map[string]any{"username": "x", "role": "TOP"}, 403},
		{"ADMIN", adm, "POST", h + "/users", map[string]any{"username": "x", "role": "AUTORIZZATO", "services": []string{"C015"}}, 403},
		{"ADMIN", adm, "POST", h + "/users", map[string]any{"username": "x", "role": "AUTORIZZATO", "enteId": e.demoEnte()}, 403},
		{"ADMIN", adm, "PATCH", fmt.Sprintf("%s/users/%d", h, op1ID), map[string]any{"services": []string{"C015"}}, 403},
		{"ADMIN", adm, "GET", fmt.Sprintf("%s/users/%d", h, demoOpID), nil, 404},
		{"ADMIN", adm, "POST", fmt.Sprintf("%s/users/%d/suspend", h, demoOpID), nil, 404},
		{"ADMIN", adm, "POST", fmt.Sprintf("%s/users/%d/suspend", h, topAID), nil, 404},
		{"ADMIN", adm, "PATCH", fmt.Sprintf("%s/convenzioni/%d", h, conv), map[string]any{"services": []string{"C015"}}, 403},
		{"ADMIN", adm, "POST", h + "/convenzioni", map[string]any{"enteId": ente, "services": []string{"C015"}, "validFrom": today}, 403},
		{"ADMIN", adm, "POST", h + "/grants", map[string]any{"role": "ADMIN", "userId": op1ID, "enteId": ente}, 403},
		{"ADMIN", adm, "POST", h + "/grants", map[string]any{"role": "TOP", "userId": admID}, 403},
		{"ADMIN self", adm, "PATCH", fmt.Sprintf("%s/users/%d", h, admID), map[string]any{"displayName": "capo"}, 403},
		{"ADMIN self", adm, "POST", fmt.Sprintf("%s/users/%d/reactivate", h, admID), nil, 403},
		{"other ADMIN", demoAdmin, "PATCH", fmt.Sprintf("%s/users/%d", h, op1ID), map[string]any{"services": []string{"C020", "C021"}}, 404},
		{"other ADMIN", demoAdmin, "DELETE", fmt.Sprintf("%s/users/%d", h, op1ID), nil, 404},
		{"other ADMIN", demoAdmin, "POST", h + "/grants", map[string]any{"role": "AUTORIZZATO", "userId": op1ID, "enteId": e.demoEnte()}, 404},
		{"TOP self", topA, "POST", fmt.Sprintf("%s/users/%d/suspend", h, topAID), nil, 403},
		{"TOP self", topA, "DELETE", fmt.Sprintf("%s/users/%d", h, topAID), nil, 403},
		{"TOP self", topA, "POST", h + "/grants", map[string]any{"role": "ADMIN", "userId": topAID, "enteId": ente}, 403},
		{"TOP on profiles", topA, "PATCH", fmt.Sprintf("%s/users/%d", h, op1ID), map[string]any{"services": []string{"C020", "C021"}}, 403},
		{"TOP", topA, "POST", h + "/users", map[string]any{"username": "x", "role": "AUTORIZZATO", "enteId": ente, "services": []string{"C020"}}, 403},
	}
	for _, c := range same {
		if a := e.do(c.method, c.path, c.token, c.body); a.status != c.status {
			t.Errorf("%s %s %s: %d %s, want %d", c.who, c.method, c.path, a.status, a.raw, c.status)
		}
	}
	if after := e.dbState(); after != before {
		t.Fatalf("refused requests changed the database:\nbefore %s\nafter %s", before, after)
	}
	if n := e.events("outcome = ?", store.AdminDenied) - deniedBefore; n < len(cross)+len(same)-2 {
		t.Errorf("%d denied events for %d refused requests", n, len(cross)+len(same))
	}

	// --- Every allowed action of the scenario is in admin_events, visible to the right people.
	for _, c := range []struct {
		action string
		n      int
	}{{"ente.create", 1}, {"convenzione.create", 1}, {"user.create", 3}} {
		if n := e.events("comune = 'H501' AND outcome = 'ok' AND action = ?", c.action); n != c.n {
			t.Errorf("%d ok %s events, want %d", n, c.action, c.n)
		}
	}
	evA := e.expect(e.do("GET", "/admin/events?outcome=ok&limit=500", topA, nil), 200, "TOP A events")
	for _, want := range []string{"ente.create", "convenzione.create", "user.create"} {
		if !strings.Contains(string(evA.raw), want) {
			t.Errorf("TOP of H501 does not see %s", want)
		}
	}
	if strings.Contains(string(evA.raw), "password") || strings.Contains(string(evA.raw), "argon2") {
		t.Error("admin events carry password material")
	}
	evAdm := e.expect(e.do("GET", "/admin/events?action=user.create&outcome=ok", adm, nil), 200, "ADMIN events")
	if items, _ := evAdm.body["items"].([]any); len(items) != 3 { // its ADMIN grant and two AUTORIZZATI
		t.Errorf("ADMIN sees %d user.create events of its Ente: %s", len(items), evAdm.raw)
	}

	// --- The only TOP of F205 also works as ADMIN in H501 (the installation operator gave the
	// grant): suspension is person-wide and H501's TOP does not administer the F205 grant, so it
	// is refused; H501 stops them in H501 by removing the H501 grant.
	if err := e.az.AddGrant(context.Background(), &store.Grant{UserID: topBID, ComuneCode: "H501", EnteID: ente, Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("POST", fmt.Sprintf("%s/users/%d/suspend", h, topBID), topA, nil), 403, "suspend F205's TOP from H501")
	e.expect(e.do("DELETE", fmt.Sprintf("%s/users/%d", h, topBID), topA, nil), 204, "remove only the H501 grant")
	e.expect(e.do("GET", "/admin/comuni/F205/users", topB, nil), 200, "F205's TOP still active")

	// --- Suspension is immediate; reactivation restores; the ADMIN resets a password.
	e.expect(e.do("POST", fmt.Sprintf("%s/users/%d/suspend", h, op1ID), adm, nil), 200, "suspend op1")
	if a := queryAs(t, url, op1, "C020"); a.status != 401 && a.status != 403 {
		t.Fatalf("suspended op1 queried: %d %s", a.status, a.raw)
	}
	e.expect(e.do("POST", fmt.Sprintf("%s/users/%d/reactivate", h, op1ID), adm, nil), 200, "reactivate op1")
	r := e.expect(e.do("POST", fmt.Sprintf("%s/users/%d/reset-credentials", h, op1ID), adm, nil), 200, "reset op1")
	op1 = loginWith(t, url, "op-uno@H501", r.body["initialPassword"].(string))
	e.expect(queryAs(t, url, op1, "C020"), 200, "op1 after reset")

	// --- Parallel queries while the ADMIN revokes: none sent after the revocation is
	// confirmed is allowed.
	e.revokeUnderLoad(op1, op1ID, adm)
}

// revokeUnderLoad runs queries of the user while the ADMIN deletes them; every query sent
// after the DELETE answered must be refused.
func (e *adminEnv) revokeUnderLoad(token string, userID int64, adm string) {
	t := e.t
	var mu sync.Mutex
	var confirmed time.Time
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sent := time.Now()
				a := call(t, "POST", e.url+"/api/v1/anpr/C020", token, query("AF41450AS"))
				mu.Lock()
				after := !confirmed.IsZero() && sent.After(confirmed)
				mu.Unlock()
				if after && a.status == 200 {
					t.Errorf("query sent after the revocation was confirmed was allowed")
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	a := e.do("DELETE", fmt.Sprintf("/admin/comuni/H501/users/%d", userID), adm, nil)
	mu.Lock()
	confirmed = time.Now()
	mu.Unlock()
	if a.status != 204 {
		t.Fatalf("delete under load: %d %s", a.status, a.raw)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	u, err := store.GetUser(context.Background(), e.s.db, userID)
	if err != nil || u.Active {
		t.Fatalf("a user without grants must be deactivated, not deleted: %+v %v", u, err)
	}
}

func (e *adminEnv) userID(name string) int64 {
	u, err := store.GetUserByUsername(context.Background(), e.s.db, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func (e *adminEnv) demoEnte() int64 {
	var id int64
	if err := e.s.db.NewSelect().Model((*store.Ente)(nil)).Column("id").Where("name = ?", "Polizia Locale Demo").Scan(context.Background(), &id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// TestEnteAcrossComuni: one Ente works with many Comuni. The TOP of H501 registers an Ente
// with its codice IPA; the TOP of F205, who cannot see it, links it by that public code when
// making its own convenzione, and from then on sees it.
func TestEnteAcrossComuni(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	e := &adminEnv{t: t, s: s, url: url, az: s.api.Authz}
	e.addComuneB()
	topA, topB := login(t, url, "demo-top"), login(t, url, "top-f205")
	today := time.Now().In(store.Rome()).Format(time.DateOnly)

	created := e.expect(e.do("POST", "/admin/enti", topA, map[string]any{"comune": "H501", "name": "Agenzia Demo", "codiceIpa": "age_demo"}), 201, "register ente")
	enteID := idOf(t, created, "id")
	e.expect(e.do("GET", fmt.Sprintf("/admin/enti/%d", enteID), topB, nil), 404, "another Comune's Ente before linking")
	e.expect(e.do("POST", "/admin/comuni/F205/convenzioni", topB, map[string]any{"codiceIpa": "nessuno", "services": []string{"C020"}, "validFrom": today}), 404, "unknown codice IPA")
	e.expect(e.do("POST", "/admin/comuni/F205/convenzioni", topB, map[string]any{"codiceIpa": "age_demo", "services": []string{"C020", "C021"}, "validFrom": today}), 400, "a service Milano holds no PDND purpose for")
	conv := e.expect(e.do("POST", "/admin/comuni/F205/convenzioni", topB, map[string]any{"codiceIpa": "age_demo", "services": []string{"C020"}, "validFrom": today}), 201, "link by codice IPA")
	if idOf(t, conv, "enteId") != enteID {
		t.Fatalf("convenzione linked to %s, want Ente %d", conv.raw, enteID)
	}
	e.expect(e.do("GET", fmt.Sprintf("/admin/enti/%d", enteID), topB, nil), 200, "the linked Ente")
	if n := e.events("action = ? AND comune = ? AND outcome = ?", "convenzione.create", "F205", "ok"); n != 1 {
		t.Fatalf("%d convenzione.create events for F205, want 1", n)
	}

	// The Ente's ADMIN in H501 is H501's person: F205 may not grant them a role (that would
	// make F205 one of their administrators); it gives the Ente an ADMIN account of its own.
	e.expect(e.do("POST", "/admin/comuni/H501/convenzioni", topA, map[string]any{"enteId": enteID, "services": []string{"C020"}, "validFrom": today}), 201, "convenzione in H501")
	admin := e.expect(e.do("POST", "/admin/comuni/H501/users", topA, map[string]any{"username": "admin-agenzia", "role": "ADMIN", "enteId": enteID}), 201, "ADMIN in H501")
	userID := idOf(t, admin, "user", "id")
	e.expect(e.do("POST", "/admin/comuni/F205/grants", topB, map[string]any{"role": "ADMIN", "userId": userID, "enteId": enteID}), 404, "H501's ADMIN granted in F205")
	if roles := e.az.Roles(userID, "F205"); len(roles) != 0 {
		t.Fatalf("roles in F205: %v", roles)
	}
	own := e.expect(e.do("POST", "/admin/comuni/F205/users", topB, map[string]any{"username": "admin-agenzia", "role": "ADMIN", "enteId": enteID}), 201, "the Ente's ADMIN account of F205")
	if name := own.body["user"].(map[string]any)["username"]; name != "admin-agenzia@F205" {
		t.Fatalf("login name %v, want admin-agenzia@F205", name)
	}
	if roles := e.az.Roles(idOf(t, own, "user", "id"), "F205"); len(roles) != 1 || roles[0] != "ADMIN" {
		t.Fatalf("roles in F205: %v", roles)
	}
}
