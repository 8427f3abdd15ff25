package api

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// adminEnv is the admin API on a real SQLite store with the real rbac.Authorizer and a
// settable clock: H501 with a TOP, an Ente with a convenzione, its ADMIN and an AUTORIZZATO;
// F205 with its own TOP.
type adminEnv struct {
	*authEnv
	az     *rbac.Authorizer
	tokens map[string]string
	ids    map[string]int64
	ente   int64
	conv   int64
}

func newAdminEnv(t *testing.T) *adminEnv {
	t.Helper()
	ctx := context.Background()
	e := &adminEnv{authEnv: newAuthEnv(t), tokens: map[string]string{}, ids: map[string]int64{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []store.Comune{{Code: "H501", IstatCode: "058091", Name: "Roma"}, {Code: "F205", IstatCode: "015146", Name: "Milano"}} {
		c.Environment, c.OperatorMode = store.EnvSimulator, store.OperatorEndUser
		must(store.CreateComune(ctx, e.db, &c))
	}
	ente := &store.Ente{Name: "Polizia Locale Roma", CreatedByComune: "H501"}
	must(store.CreateEnte(ctx, e.db, ente))
	conv := &store.Convenzione{ComuneCode: "H501", EnteID: ente.ID, Services: []string{"C020"},
		ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	must(store.CreateConvenzione(ctx, e.db, conv))
	e.ente, e.conv = ente.ID, conv.ID
	az, err := rbac.New(ctx, e.db)
	must(err)
	e.az = az
	for _, u := range []struct {
		name string
		g    store.Grant
	}{
		{"top.h501", store.Grant{ComuneCode: "H501", Role: store.RoleTop}},
		{"adm.h501", store.Grant{ComuneCode: "H501", Role: store.RoleAdmin, EnteID: ente.ID}},
		{"op.h501", store.Grant{ComuneCode: "H501", Role: store.RoleAutorizzato, EnteID: ente.ID, Services: []string{"C020"}}},
		{"top.f205", store.Grant{ComuneCode: "F205", Role: store.RoleTop}},
	} {
		e.ids[u.name] = e.user(u.name)
		u.g.UserID = e.ids[u.name]
		must(az.AddGrant(ctx, &u.g))
	}
	tokens, err := auth.NewTokens(bytes.Repeat([]byte{9}, 32), 15*time.Minute, e.clock.Now)
	must(err)
	e.s = New(Deps{DB: e.db, Tokens: tokens, Logger: discard(), RequestTimeout: time.Second, Now: e.clock.Now, Authz: az})
	for name := range e.ids {
		e.tokens[name], _ = e.login(name, testPassword).tokens(t)
	}
	return e
}

func (e *adminEnv) as(user, method, path string, body any) reply {
	e.t.Helper()
	return e.do(e.s, method, "/api/v1"+path, e.tokens[user], body)
}

// count runs a COUNT(*) query.
func (e *adminEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// state digests what administration may change: users, grants, Enti, convenzioni, events.
func (e *adminEnv) state() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT COUNT(*) FROM users", "SELECT COUNT(*) FROM grants", "SELECT COUNT(*) FROM enti",
		"SELECT COUNT(*) FROM convenzioni", "SELECT COUNT(*) FROM admin_events",
		"SELECT COALESCE(SUM(LENGTH(display_name) + LENGTH(password_hash) + active), 0) FROM users",
	} {
		fmt.Fprintln(&b, q, e.count(q))
	}
	return b.String()
}

// scopeCheck is what an admin route checks, and how two callers outside that scope are
// answered: the TOP of another Comune (F205) and an AUTORIZZATO of the Comune itself (H501).
type scopeCheck struct {
	scope       string
	body        any
	outsider    int
	autorizzato int
}

// adminRouteScopes is the table every admin route must have an entry in
// (TestAdminRouteScopes). :comune is H501 and :id an object of H501 when the test runs.
func adminRouteScopes(e *adminEnv) map[string]scopeCheck {
	op := e.ids["op.h501"]
	return map[string]scopeCheck{
		"POST /api/v1/admin/enti": {"TOP of the body's comune (admin:enti write)",
			map[string]any{"comune": "H501", "name": "Ente nuovo"}, 404, 403},
		"GET /api/v1/admin/enti": {"the caller's grants: Enti of its TOP Comuni, an ADMIN's own Ente",
			nil, 200, 403},
		"GET /api/v1/admin/enti/:id": {"as GET /admin/enti; anything else is 404", nil, 404, 404},
		"GET /api/v1/admin/events": {"the caller's grants: a TOP's Comune, an ADMIN's Ente (admin:events:*)",
			nil, 200, 403},
		"POST /api/v1/admin/comuni/:comune/convenzioni": {"TOP of {comune} (admin:convenzioni write)",
			map[string]any{"enteId": e.ente, "services": []string{"C020"}, "validFrom": "2026-12-01"}, 404, 403},
		"GET /api/v1/admin/comuni/:comune/convenzioni": {"TOP of {comune}, ADMIN for its Ente (admin:convenzioni read)",
			nil, 404, 403},
		"GET /api/v1/admin/comuni/:comune/anpr": {"the whole Comune's audit scope, i.e. TOP of {comune} (as audit verify)",
			nil, 404, 403},
		"PATCH /api/v1/admin/comuni/:comune/convenzioni/:id": {"TOP of {comune} (admin:convenzioni write)",
			map[string]any{"dailyQuota": 1}, 404, 403},
		"POST /api/v1/admin/comuni/:comune/users": {"TOP (TOP, ADMIN) or ADMIN of the Ente (AUTORIZZATO) in {comune}",
			map[string]any{"username": "nuovo", "role": "ADMIN", "enteId": e.ente}, 404, 403},
		"GET /api/v1/admin/comuni/:comune/users": {"admin:users read in {comune}; only readable grants",
			nil, 404, 403},
		"GET /api/v1/admin/comuni/:comune/users/:id": {"read on one of the user's grants in {comune}",
			nil, 404, 403},
		"PATCH /api/v1/admin/comuni/:comune/users/:id": {"write on every grant in {comune}; displayName: on every grant of the person",
			map[string]any{"displayName": "Rinominato"}, 404, 403},
		"DELETE /api/v1/admin/comuni/:comune/users/:id": {"revoke on every grant of the user in {comune}",
			nil, 404, 403},
		"POST /api/v1/admin/comuni/:comune/users/:id/suspend": {"person-wide: suspend on every grant of the person, in every Comune",
			nil, 404, 403},
		"POST /api/v1/admin/comuni/:comune/users/:id/reactivate": {"person-wide: suspend on every grant of the person, in every Comune",
			nil, 404, 403},
		"POST /api/v1/admin/comuni/:comune/users/:id/reset-credentials": {"person-wide: credentials on every grant of the person, in every Comune",
			nil, 404, 403},
		"POST /api/v1/admin/comuni/:comune/grants": {"write on the new grant in {comune}; the user must already hold a readable grant in {comune}",
			map[string]any{"role": "ADMIN", "userId": op, "enteId": e.ente}, 404, 403},
		"DELETE /api/v1/admin/comuni/:comune/grants/:id": {"revoke on the grant in {comune}",
			nil, 404, 403},
		"DELETE /api/v1/admin/comuni/:comune/anpr/pauses": {"TOP of {comune} (admin:convenzioni write); TEST environment only",
			nil, 404, 403},
	}
}

// TestAdminRouteScopes: every admin route registered in the Fiber app has an entry in
// adminRouteScopes, and each entry holds against the real app: the TOP of another Comune and
// an AUTORIZZATO get the stated refusal, and the refusal changes nothing but the events.
// A new admin route without an entry fails here.
func TestAdminRouteScopes(t *testing.T) {
	e := newAdminEnv(t)
	table := adminRouteScopes(e)
	ids := map[string]string{ // the :id of each kind of route, an object of H501
		"/enti/": fmt.Sprint(e.ente), "/convenzioni/": fmt.Sprint(e.conv),
		"/users/": fmt.Sprint(e.ids["adm.h501"]), "/grants/": fmt.Sprint(e.grantOf("adm.h501")),
	}
	seen := map[string]bool{}
	for _, r := range e.s.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/admin") || r.Method == fiber.MethodHead {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		check, ok := table[key]
		if !ok {
			t.Errorf("admin route %s has no entry in adminRouteScopes: state the scope it checks", key)
			continue
		}
		path := strings.TrimPrefix(strings.ReplaceAll(r.Path, ":comune", "H501"), "/api/v1")
		for kind, id := range ids {
			if strings.Contains(path, kind+":id") {
				path = strings.Replace(path, kind+":id", kind+id, 1)
			}
		}
		t.Run(key, func(t *testing.T) {
			for _, c := range []struct {
				who    string
				status int
			}{{"top.f205", check.outsider}, {"op.h501", check.autorizzato}} {
				before := e.withoutEvents()
				a := e.as(c.who, r.Method, path, check.body)
				if a.status != c.status {
					t.Errorf("%s (scope %q): %d %s, want %d", c.who, check.scope, a.status, a.raw, c.status)
				}
				if after := e.withoutEvents(); after != before {
					t.Errorf("%s: a refused or read-only request changed the database", c.who)
				}
			}
		})
	}
	for key := range table {
		if !seen[key] {
			t.Errorf("adminRouteScopes has %s, which is not a registered route", key)
		}
	}
}

// withoutEvents is state() minus the events (refusals are recorded, nothing else changes).
func (e *adminEnv) withoutEvents() string {
	s := e.state()
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.Contains(l, "admin_events") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func (e *adminEnv) grantOf(user string) int64 {
	e.t.Helper()
	gs, err := store.GrantsOfUser(context.Background(), e.db, e.ids[user])
	if err != nil || len(gs) == 0 {
		e.t.Fatalf("grants of %s: %v %v", user, gs, err)
	}
	return gs[0].ID
}

// TestAdminMalformedInput: every malformed identifier, filter or cursor is a 400
// problem+json before anything is read or written — no admin event, no row.
func TestAdminMalformedInput(t *testing.T) {
	e := newAdminEnv(t)
	long := strings.Repeat("H", 60_000)
	cases := []struct {
		name, user, method, path string
		body                     any
	}{
		{"forged audit cursor", "top.h501", "GET", "/audit?cursor=Zm9yZ2Vk", nil},
		{"audit cursor not base64", "top.h501", "GET", "/audit?cursor=%25%25", nil},
		{"forged events cursor", "top.h501", "GET", "/admin/events?cursor=Zm9yZ2Vk", nil},
		{"audit comune filter", "top.h501", "GET", "/audit?comune=roma", nil},
		{"events comune filter", "top.h501", "GET", "/admin/events?comune=H5011", nil},
		{"oversized body comune", "top.h501", "POST", "/admin/enti", map[string]any{"comune": long, "name": "x"}},
		{"lower-case body comune", "top.h501", "POST", "/admin/enti", map[string]any{"comune": "h501", "name": "x"}},
		{"missing body comune", "top.h501", "POST", "/admin/enti", map[string]any{"name": "x"}},
		{"outsider, oversized comune", "top.f205", "POST", "/admin/enti", map[string]any{"comune": long, "name": "x"}},
		{"path comune", "top.h501", "GET", "/admin/comuni/ROMA/users", nil},
		{"path comune escaped", "top.h501", "GET", "/admin/comuni/H%35%30%31/users", nil},
		{"path id letters", "top.h501", "GET", "/admin/comuni/H501/users/abc", nil},
		{"path id zero", "top.h501", "POST", "/admin/comuni/H501/users/0/suspend", nil},
		{"path id negative", "top.h501", "DELETE", "/admin/comuni/H501/grants/-3", nil},
		{"path id overflow", "top.h501", "PATCH", "/admin/comuni/H501/convenzioni/99999999999999999999", map[string]any{"dailyQuota": 1}},
		{"ente id letters", "top.h501", "GET", "/admin/enti/x", nil},
		{"grant without userId", "top.h501", "POST", "/admin/comuni/H501/grants", map[string]any{"role": "TOP"}},
		{"grant negative userId", "top.h501", "POST", "/admin/comuni/H501/grants", map[string]any{"role": "TOP", "userId": -2}},
		{"grant negative enteId", "top.h501", "POST", "/admin/comuni/H501/grants", map[string]any{"role": "ADMIN", "userId": 2, "enteId": -1}},
		{"user negative enteId", "top.h501", "POST", "/admin/comuni/H501/users", map[string]any{"username": "x", "role": "ADMIN", "enteId": -1}},
		{"username in another Comune's namespace", "top.h501", "POST", "/admin/comuni/H501/users", map[string]any{"username": "top.f205@F205", "role": "TOP"}},
		{"username too long", "top.h501", "POST", "/admin/comuni/H501/users", map[string]any{"username": strings.Repeat("a", 65), "role": "TOP"}},
		{"username blank", "top.h501", "POST", "/admin/comuni/H501/users", map[string]any{"username": " ", "role": "TOP"}},
		{"convenzione negative enteId", "top.h501", "POST", "/admin/comuni/H501/convenzioni", map[string]any{"enteId": -1, "services": []string{"C020"}, "validFrom": "2026-12-01"}},
		{"convenzione oversized codiceIpa", "top.h501", "POST", "/admin/comuni/H501/convenzioni", map[string]any{"codiceIpa": long, "services": []string{"C020"}, "validFrom": "2026-12-01"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.state()
			a := e.as(c.user, c.method, c.path, c.body)
			if a.status != 400 || a.body["code"] != errcode.InvalidRequest.String() || a.header.Get(fiber.HeaderContentType) != problemJSON {
				t.Fatalf("got %d %s %q, want 400 invalid_request problem+json", a.status, a.raw, a.header.Get(fiber.HeaderContentType))
			}
			if strings.Contains(a.raw, "HHHHHHHH") {
				t.Error("the answer repeats the malformed value")
			}
			if after := e.state(); after != before {
				t.Fatalf("a malformed request wrote:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	if n := e.count("SELECT COUNT(*) FROM admin_events WHERE LENGTH(comune) > 4 OR LENGTH(object_id) > 19"); n != 0 {
		t.Fatalf("%d admin events carry a malformed identifier", n)
	}
}

// TestAdminRefusalsRateLimited: a signed-in user's refusals are recorded one by one up to
// refusalsPerMinute per clock minute, then once as a summary, then not at all until the next
// minute; every request is still answered the same, and other users are not affected.
func TestAdminRefusalsRateLimited(t *testing.T) {
	e := newAdminEnv(t)
	probe := func(user string) {
		t.Helper()
		a := e.as(user, "GET", fmt.Sprintf("/admin/comuni/H501/users/%d", e.ids["op.h501"]), nil)
		if a.status != 404 && a.status != 403 {
			t.Fatalf("%s: %d %s", user, a.status, a.raw)
		}
	}
	denied := func(user string) int {
		return e.count("SELECT COUNT(*) FROM admin_events WHERE actor_user_id = ? AND outcome = 'denied'", e.ids[user])
	}
	for range refusalsPerMinute + 20 {
		probe("top.f205")
	}
	if n := denied("top.f205"); n != refusalsPerMinute+1 {
		t.Fatalf("%d denied events after %d refusals in one minute, want %d and one summary", n, refusalsPerMinute+20, refusalsPerMinute)
	}
	if n := e.count("SELECT COUNT(*) FROM admin_events WHERE action = ? AND actor_user_id = ?", actionRefusalsSuppressed, e.ids["top.f205"]); n != 1 {
		t.Fatalf("%d summary events, want 1", n)
	}
	probe("op.h501") // another user has their own budget
	if n := denied("op.h501"); n != 1 {
		t.Fatalf("another user's refusal: %d events, want 1", n)
	}
	e.clock.Advance(time.Minute)
	probe("top.f205")
	if n := denied("top.f205"); n != refusalsPerMinute+2 {
		t.Fatalf("the next minute's first refusal: %d denied events, want %d", n, refusalsPerMinute+2)
	}
	// The summary is recorded in the Comune that was probed: its TOP sees who tried.
	ev := e.as("top.h501", "GET", "/admin/events?action="+actionRefusalsSuppressed, nil)
	wantStatus(t, ev, 200, "")
	if items, _ := ev.body["items"].([]any); len(items) != 1 || !strings.Contains(ev.raw, fmt.Sprintf(`"actorUserId":%d`, e.ids["top.f205"])) {
		t.Fatalf("the TOP of H501 reads %s, want the one summary of F205's TOP", ev.raw)
	}
}
