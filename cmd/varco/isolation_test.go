package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// Issue 10, end to end on the real stack: the TOP of a second Comune (F205 Milano) tries to
// take over, rename, suspend and probe Roma's (H501) staff. Every attempt is refused with the
// uniform answer, nothing changes, and person-wide actions that are allowed show up in every
// Comune of the person.

// isolationEnv is Roma with an Ente that has a codice IPA, its ADMIN and AUTORIZZATO; Milano
// with its TOP, which has linked that Ente.
type isolationEnv struct {
	*adminEnv
	topA, topB, romaAdm     string
	topAID, topBID, enteIPA int64
	romaAdmID, romaOpID     int64
	demoEnteID, demoAdminID int64
}

func newIsolationEnv(t *testing.T) (*isolationEnv, func()) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	e := &isolationEnv{adminEnv: &adminEnv{t: t, s: s, url: url, az: s.api.Authz}}
	e.topBID, _ = e.addComuneB()
	e.topA, e.topB = login(t, url, "demo-top"), login(t, url, "top-f205")
	e.topAID, e.demoEnteID, e.demoAdminID = e.userID("demo-top"), e.demoEnte(), e.userID("demo-admin")
	today := time.Now().In(store.Rome()).Format(time.DateOnly)

	ente := e.expect(e.do("POST", "/admin/enti", e.topA, map[string]any{"comune": "H501", "name": "Agenzia Roma", "codiceIpa": "age_roma"}), 201, "Roma registers an Ente")
	e.enteIPA = idOf(t, ente, "id")
	e.expect(e.do("POST", "/admin/comuni/H501/convenzioni", e.topA, map[string]any{"enteId": e.enteIPA, "services": []string{"C020"}, "validFrom": today}), 201, "its convenzione in H501")
	adm := e.expect(e.do("POST", "/admin/comuni/H501/users", e.topA, map[string]any{"username": "adm", "displayName": "ADMIN Agenzia", "role": "ADMIN", "enteId": e.enteIPA}), 201, "Roma's ADMIN")
	e.romaAdmID = idOf(t, adm, "user", "id")
	e.romaAdm = loginWith(t, url, "adm@H501", adm.body["initialPassword"].(string))
	op := e.expect(e.do("POST", "/admin/comuni/H501/users", e.romaAdm, map[string]any{"username": "op", "role": "AUTORIZZATO", "services": []string{"C020"}}), 201, "Roma's AUTORIZZATO")
	e.romaOpID = idOf(t, op, "user", "id")
	// 1. of the issue: Milano links Roma's Ente by its public codice IPA (allowed by design).
	e.expect(e.do("POST", "/admin/comuni/F205/convenzioni", e.topB, map[string]any{"codiceIpa": "age_roma", "services": []string{"C020"}, "validFrom": today}), 201, "Milano links the Ente")
	return e, func() { s.stop(quietLogger()) }
}

// person is what a takeover would change: the user's row.
func (e *isolationEnv) person(id int64) string {
	e.t.Helper()
	u, err := store.GetUser(context.Background(), e.s.db, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return fmt.Sprintf("%s|%s|%s|%v", u.Username, u.DisplayName, u.PasswordHash, u.Active)
}

// uniform is the one answer to everything about a user the caller may not know.
const uniform = `{"type":"https://varco.dev/problems/not_found","title":"Not found","status":404,"detail":"no such user","code":"not_found"}`

func TestTenantIsolationOfPeople(t *testing.T) {
	e, stop := newIsolationEnv(t)
	defer stop()
	before := e.dbState()
	roma := map[string]string{"adm": e.person(e.romaAdmID), "op": e.person(e.romaOpID), "demo-admin": e.person(e.demoAdminID)}

	t.Run("takeover chain", func(t *testing.T) {
		// 2. Milano grants Roma's ADMIN a role in F205 (same Ente): refused, as for a stranger…
		// 3. …so reset-credentials, rename and suspend through F205 find nobody.
		for _, c := range []struct {
			name, method, path string
			body               any
		}{
			{"grant Roma's ADMIN in F205 (shared Ente)", "POST", "/admin/comuni/F205/grants", map[string]any{"role": "ADMIN", "userId": e.romaAdmID, "enteId": e.enteIPA}},
			{"grant Roma's AUTORIZZATO ADMIN in F205 (shared Ente)", "POST", "/admin/comuni/F205/grants", map[string]any{"role": "ADMIN", "userId": e.romaOpID, "enteId": e.enteIPA}},
			{"grant Roma's ADMIN TOP of F205", "POST", "/admin/comuni/F205/grants", map[string]any{"role": "TOP", "userId": e.romaAdmID}},
			{"reset Roma's ADMIN via F205", "POST", fmt.Sprintf("/admin/comuni/F205/users/%d/reset-credentials", e.romaAdmID), nil},
			{"reset Roma's AUTORIZZATO via F205", "POST", fmt.Sprintf("/admin/comuni/F205/users/%d/reset-credentials", e.romaOpID), nil},
			{"rename Roma's ADMIN via F205", "PATCH", fmt.Sprintf("/admin/comuni/F205/users/%d", e.romaAdmID), map[string]any{"displayName": "preso"}},
			{"suspend Roma's ADMIN via F205", "POST", fmt.Sprintf("/admin/comuni/F205/users/%d/suspend", e.romaAdmID), nil},
			{"reactivate Roma's AUTORIZZATO via F205", "POST", fmt.Sprintf("/admin/comuni/F205/users/%d/reactivate", e.romaOpID), nil},
			{"remove Roma's ADMIN via F205", "DELETE", fmt.Sprintf("/admin/comuni/F205/users/%d", e.romaAdmID), nil},
			{"read Roma's ADMIN via F205", "GET", fmt.Sprintf("/admin/comuni/F205/users/%d", e.romaAdmID), nil},
		} {
			a := e.do(c.method, c.path, e.topB, c.body)
			wantUniform(t, c.name, a, c.method, c.path)
		}
		// Through Roma's own path Milano has no standing at all: the Comune is "not found".
		for _, p := range []string{"/users/%d/reset-credentials", "/users/%d/suspend"} {
			if a := e.do("POST", fmt.Sprintf("/admin/comuni/H501"+p, e.romaAdmID), e.topB, nil); a.status != 404 {
				t.Errorf("Milano via H501 %s: %d %s", p, a.status, a.raw)
			}
		}
	})

	t.Run("probe", func(t *testing.T) {
		// Unknown user, user of another Comune, user whose Ente has no convenzione here: one
		// answer per endpoint, and through F205 (Milano's own Comune) it is the uniform 404.
		users := []struct {
			what string
			id   int64
		}{{"unknown", 999_999}, {"Roma's ADMIN", e.romaAdmID}, {"Roma's demo ADMIN", e.demoAdminID}, {"Roma's AUTORIZZATO", e.romaOpID}}
		for _, ente := range []int64{e.enteIPA, e.demoEnteID} { // linked; without convenzione in F205
			for _, u := range users {
				path := "/admin/comuni/F205/grants"
				a := e.do("POST", path, e.topB, map[string]any{"role": "ADMIN", "userId": u.id, "enteId": ente})
				wantUniform(t, fmt.Sprintf("%s, Ente %d", u.what, ente), a, "POST", path)
			}
		}
		for _, c := range []struct{ method, path string }{
			{"GET", "/admin/comuni/F205/users/%d"}, {"POST", "/admin/comuni/F205/users/%d/suspend"},
			{"POST", "/admin/comuni/F205/users/%d/reset-credentials"}, {"DELETE", "/admin/comuni/F205/users/%d"},
			{"GET", "/admin/comuni/H501/users/%d"}, {"POST", "/admin/comuni/H501/users/%d/reset-credentials"},
		} {
			first := ""
			for _, u := range users {
				p := fmt.Sprintf(c.path, u.id)
				a := e.do(c.method, p, e.topB, nil)
				if strings.HasPrefix(p, "/admin/comuni/F205") {
					wantUniform(t, u.what, a, c.method, p)
				}
				if first == "" {
					first = string(a.raw)
				}
				if a.status != 404 || string(a.raw) != first {
					t.Errorf("%s %s for %s: %d %s, want 404 %s like for the others", c.method, p, u.what, a.status, a.raw, first)
				}
			}
		}
	})
	if after := e.dbState(); after != before {
		t.Fatalf("the takeover attempts and probes changed the database:\nbefore %s\nafter  %s", before, after)
	}

	t.Run("usernames", func(t *testing.T) {
		// A name Roma uses is free in Milano: the login name carries the Comune, so creation
		// tells Milano nothing about Roma's staff; a clash is only ever with its own names.
		for _, name := range []string{"adm", "demo-top"} {
			a := e.expect(e.do("POST", "/admin/comuni/F205/users", e.topB, map[string]any{"username": name, "role": "TOP"}), 201, "Milano creates "+name)
			if got := a.body["user"].(map[string]any)["username"]; got != name+"@F205" {
				t.Fatalf("login name %v, want %s@F205", got, name)
			}
		}
		e.expect(e.do("POST", "/admin/comuni/F205/users", e.topB, map[string]any{"username": "adm", "role": "TOP"}), 409, "Milano's own name again")
		e.expect(e.do("POST", "/admin/comuni/F205/users", e.topB, map[string]any{"username": "adm@H501", "role": "TOP"}), 400, "a name in Roma's namespace")
	})

	t.Run("malformed input", func(t *testing.T) {
		enti := e.events("1 = 1")
		long := strings.Repeat("X", 60_000)
		for _, c := range []struct {
			name, method, path, token string
			body                      any
		}{
			{"forged audit cursor", "GET", "/audit?cursor=Zm9yZ2Vk", e.topA, nil},
			{"forged admin events cursor", "GET", "/admin/events?cursor=Zm9yZ2Vk", e.topB, nil},
			{"oversized comune", "POST", "/admin/enti", e.topB, map[string]any{"comune": long, "name": "Ente"}},
			{"oversized comune by its TOP", "POST", "/admin/enti", e.topA, map[string]any{"comune": "H501" + long, "name": "Ente"}},
		} {
			a := e.do(c.method, c.path, c.token, c.body)
			if a.status != 400 || a.body["code"] != "invalid_request" || a.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s, want 400 invalid_request problem+json", c.name, a.status, a.raw)
			}
		}
		if n := e.events("1 = 1"); n != enti {
			t.Errorf("malformed requests wrote %d admin events", n-enti)
		}
		var n int
		if err := e.s.db.NewRaw("SELECT COUNT(*) FROM enti WHERE LENGTH(created_by_comune) > 4").Scan(context.Background(), &n); err != nil || n != 0 {
			t.Errorf("%d Enti stored with an oversized comune (%v)", n, err)
		}
	})

	// Nothing of Roma changed; F205 only gained the users of the username subtest.
	for who, was := range roma {
		id := map[string]int64{"adm": e.romaAdmID, "op": e.romaOpID, "demo-admin": e.demoAdminID}[who]
		if now := e.person(id); now != was {
			t.Errorf("Roma's %s changed: %s → %s", who, was, now)
		}
	}
	// Roma's people still work: its ADMIN administers as before.
	e.expect(e.do("POST", fmt.Sprintf("/admin/comuni/H501/users/%d/suspend", e.romaOpID), e.romaAdm, nil), 200, "Roma's ADMIN suspends its AUTORIZZATO")
}

// wantUniform fails unless a is the uniform 404, byte for byte.
func wantUniform(t *testing.T, what string, a answer, method, path string) {
	t.Helper()
	if a.status != 404 || string(a.raw) != uniform {
		t.Errorf("%s (%s %s): %d %s, want the uniform %s", what, method, path, a.status, a.raw, uniform)
	}
}

// TestPersonWideActions: a person who holds grants in two Comuni (given by the installation
// operator) belongs to both. Neither TOP alone may reset, rename or suspend them (403, and the
// attempt is recorded in both Comuni); each may remove its own grant; a TOP of both may act,
// and the action is recorded in both Comuni, each event showing only that Comune's grants.
func TestPersonWideActions(t *testing.T) {
	e, stop := newIsolationEnv(t)
	defer stop()
	ctx := context.Background()
	if err := e.az.AddGrant(ctx, &store.Grant{UserID: e.romaAdmID, ComuneCode: "F205", EnteID: e.enteIPA, Role: store.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	shared := e.person(e.romaAdmID)
	person := func(action string) string { return fmt.Sprintf("/admin/comuni/%%s/users/%d%s", e.romaAdmID, action) }
	attempts := []struct {
		name, method, path string
		body               any
	}{
		{"reset", "POST", person("/reset-credentials"), nil},
		{"rename", "PATCH", person(""), map[string]any{"displayName": "preso"}},
		{"suspend", "POST", person("/suspend"), nil},
		{"reactivate", "POST", person("/reactivate"), nil},
	}
	for _, who := range []struct {
		name, token, comune string
	}{{"Milano's TOP", e.topB, "F205"}, {"Roma's TOP", e.topA, "H501"}} {
		for _, c := range attempts {
			a := e.do(c.method, fmt.Sprintf(c.path, who.comune), who.token, c.body)
			if a.status != 403 || a.body["code"] != "forbidden" {
				t.Errorf("%s %s: %d %s, want 403", who.name, c.name, a.status, a.raw)
			}
		}
	}
	if now := e.person(e.romaAdmID); now != shared {
		t.Fatalf("refused person-wide actions changed the person: %s → %s", shared, now)
	}
	// Each TOP reads Milano's refused reset among its own events.
	for _, who := range []struct{ name, token, comune string }{{"Roma", e.topA, "H501"}, {"Milano", e.topB, "F205"}} {
		evs := e.eventsVia(who.token, "action=user.reset_credentials&outcome=denied&comune="+who.comune)
		if !hasEvent(evs, e.topBID, e.romaAdmID) {
			t.Errorf("%s's TOP does not see Milano's refused reset: %+v", who.name, evs)
		}
	}
	// Per-Comune actions stay per Comune: Milano's TOP changes the person's F205 grant only.
	e.expect(e.do("GET", fmt.Sprintf(person(""), "F205"), e.topB, nil), 200, "Milano reads its ADMIN")

	// A TOP of both Comuni (the installation operator made demo-top TOP of F205 too) may act on
	// the whole person, and each Comune records it with its own grants only.
	if err := e.az.AddGrant(ctx, &store.Grant{UserID: e.topAID, ComuneCode: "F205", Role: store.RoleTop}); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("PATCH", fmt.Sprintf(person(""), "H501"), e.topA, map[string]any{"displayName": "ADMIN Agenzia (Roma e Milano)"}), 200, "TOP of both renames")
	r := e.expect(e.do("POST", fmt.Sprintf(person("/reset-credentials"), "H501"), e.topA, nil), 200, "TOP of both resets")
	loginWith(t, e.url, "adm@H501", r.body["initialPassword"].(string))
	e.expect(e.do("POST", fmt.Sprintf(person("/suspend"), "F205"), e.topA, nil), 200, "TOP of both suspends via F205")
	for _, c := range []struct{ name, token, comune, other string }{{"Roma", e.topA, "H501", "F205"}, {"Milano", e.topB, "F205", "H501"}} {
		for _, action := range []string{"user.update", "user.reset_credentials", "user.suspend"} {
			evs := e.eventsVia(c.token, "outcome=ok&action="+action+"&comune="+c.comune)
			if !hasEvent(evs, e.topAID, e.romaAdmID) {
				t.Errorf("%s's TOP does not see %s of its ADMIN: %+v", c.name, action, evs)
				continue
			}
			for _, ev := range evs {
				if strings.Contains(ev.Before+ev.After, `"comune":"`+c.other+`"`) {
					t.Errorf("%s's %s event shows the other Comune's grants: %s %s", c.name, action, ev.Before, ev.After)
				}
			}
		}
	}
	// Each Comune may stop the person in its own Comune without the other: removing the grant.
	e.expect(e.do("POST", fmt.Sprintf(person("/reactivate"), "H501"), e.topA, nil), 200, "TOP of both reactivates")
	e.expect(e.do("DELETE", fmt.Sprintf(person(""), "F205"), e.topB, nil), 204, "Milano removes its grant")
	e.expect(e.do("POST", fmt.Sprintf(person("/reset-credentials"), "F205"), e.topB, nil), 404, "and then the person is not Milano's")
	if u, err := store.GetUser(ctx, e.s.db, e.romaAdmID); err != nil || !u.Active {
		t.Fatalf("removing the F205 grant deactivated a person who still works in H501: %+v %v", u, err)
	}
}

type eventItem struct {
	ActorUserID int64  `json:"actorUserId"`
	ObjectID    string `json:"objectId"`
	Comune      string `json:"comune"`
	Before      string `json:"before"`
	After       string `json:"after"`
}

func (e *isolationEnv) eventsVia(token, query string) []eventItem {
	e.t.Helper()
	a := e.expect(e.do("GET", "/admin/events?limit=500&"+query, token, nil), 200, "events "+query)
	var page struct{ Items []eventItem }
	if err := json.Unmarshal(a.raw, &page); err != nil {
		e.t.Fatal(err)
	}
	return page.Items
}

func hasEvent(evs []eventItem, actor, object int64) bool {
	for _, ev := range evs {
		if ev.ActorUserID == actor && ev.ObjectID == fmt.Sprint(object) {
			return true
		}
	}
	return false
}
