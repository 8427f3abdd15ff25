package api

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

var testSubjectKey = bytes.Repeat([]byte{5}, 32)

func testSigner() *auditlog.Signer {
	s, err := auditlog.NewSigner(bytes.Repeat([]byte{3}, 32), "test")
	if err != nil {
		panic(err)
	}
	return s
}

// auditEnv: a TOP of H501, an ADMIN of Ente 1 in H501, a TOP of F205, and records of two people.
type auditEnv struct {
	*authEnv
	tokens map[string]string
}

func newAuditEnv(t testing.TB) *auditEnv {
	e := &auditEnv{authEnv: newAuthEnv(t), tokens: map[string]string{}}
	az, err := rbac.New(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	ensureEnte(t, e.db, 1, "H501")
	for name, g := range map[string]store.Grant{
		"top.h501": {ComuneCode: "H501", Role: store.RoleTop}, "admin.h501": {ComuneCode: "H501", Role: store.RoleAdmin, EnteID: 1},
		"top.f205": {ComuneCode: "F205", Role: store.RoleTop},
	} {
		ensureComune(t, e.db, g.ComuneCode)
		g.UserID = e.user(name)
		if err := az.AddGrant(context.Background(), &g); err != nil {
			t.Fatal(err)
		}
	}
	tokens, err := auth.NewTokens(bytes.Repeat([]byte{9}, 32), 15*time.Minute, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.s = New(Deps{DB: e.db, Tokens: tokens, Logger: discard(), RequestTimeout: time.Second, Now: e.clock.Now,
		Authz: az, SubjectKey: testSubjectKey, AuditSigner: testSigner()})
	for _, name := range []string{"top.h501", "admin.h501", "top.f205"} {
		e.tokens[name], _ = e.login(name, testPassword).tokens(t)
	}
	w := &auditlog.Writer{DB: e.db.DB, Signer: testSigner(), Every: 3}
	people := []struct{ id, cf string }{{"AB12345CD", "RSSMRA80A01H501U"}, {"ZZ99999ZZ", "VRDLGU75B02F205K"}}
	for i := range 8 {
		p := people[i%2]
		r := &store.AuditRecord{RequestID: fmt.Sprintf("rq-%d", i), ComuneCode: "H501", EnteID: int64(1 + i%4/2),
			CreatedAt: e.clock.Now().Add(time.Duration(i) * time.Minute)}
		switch i % 3 { // by idANPR; by CF resolved to the idANPR; by CF, unresolved
		case 0:
			r.SubjectHash = auditlog.SubjectHashIDANPR(testSubjectKey, p.id)
		case 1:
			r.SubjectHash = auditlog.SubjectHashIDANPR(testSubjectKey, p.id)
			r.SubjectHashCF = auditlog.SubjectHashCF(testSubjectKey, p.cf)
		case 2:
			r.SubjectHash = auditlog.SubjectHashCF(testSubjectKey, p.cf)
		}
		if _, err := w.Insert(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *auditEnv) get(user, path string) reply { return e.do(e.s, "GET", path, e.tokens[user], nil) }

func TestAuditSubjectSearch(t *testing.T) {
	e := newAuditEnv(t)
	// Person 0 is records 0, 2, 4, 6: 0 and 6 by idANPR, 4 by CF resolved, 2 by CF unresolved.
	cases := []struct {
		user, subject string
		status        int
		code          string
		want          string // request IDs, newest first
	}{
		{"top.h501", "AB12345CD", 200, "", "rq-6 rq-4 rq-0"},
		{"top.h501", "ab12345cd", 200, "", "rq-6 rq-4 rq-0"},
		{"top.h501", "RSSMRA80A01H501U", 200, "", "rq-4 rq-2"}, // rq-0, rq-6: only the idANPR was known
		{"top.h501", "ZZ99999ZZ", 200, "", "rq-7 rq-3 rq-1"},
		{"admin.h501", "AB12345CD", 200, "", "rq-4 rq-0"}, // Ente 1: records 0, 1, 4, 5
		{"top.f205", "AB12345CD", 200, "", ""},
		{"top.h501", "RSSMRA80A01H501X", 400, errcode.InvalidCF.String(), ""},
		{"top.h501", "AB1234", 400, errcode.InvalidRequest.String(), ""},
		{"top.h501", "AB12345C!", 400, errcode.InvalidRequest.String(), ""},
	}
	for _, tc := range cases {
		r := e.get(tc.user, "/api/v1/audit?subject="+tc.subject)
		if r.status != tc.status {
			t.Errorf("%s %s: %d %s", tc.user, tc.subject, r.status, r.raw)
			continue
		}
		if tc.code != "" {
			if r.body["code"] != tc.code || strings.Contains(r.raw, tc.subject) {
				t.Errorf("%s: problem %s (must not echo the subject)", tc.subject, r.raw)
			}
			continue
		}
		var got []string
		items, _ := r.body["items"].([]any)
		for _, it := range items {
			got = append(got, it.(map[string]any)["requestId"].(string))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s %s: got %v, want %s", tc.user, tc.subject, got, tc.want)
		}
	}
}

func TestAuditVerifyEndpoint(t *testing.T) {
	e := newAuditEnv(t)
	cases := []struct {
		user, comune string
		status       int
	}{
		{"top.h501", "H501", 200},
		{"admin.h501", "H501", 403},
		{"top.f205", "H501", 404},
		{"top.h501", "F205", 404},
		{"top.f205", "F205", 200}, // no records yet: an empty, valid chain
		{"top.h501", "h501", 400},
		{"top.h501", "", 400},
		{"", "H501", 401},
	}
	for _, tc := range cases {
		r := e.get(tc.user, "/api/v1/audit/verify?comune="+tc.comune)
		if r.status != tc.status {
			t.Errorf("%s on %q: %d %s", tc.user, tc.comune, r.status, r.raw)
		}
	}
	r := e.get("top.h501", "/api/v1/audit/verify?comune=H501")
	if r.body["ok"] != true || r.body["records"] != float64(8) || r.body["checkpoints"] != float64(2) {
		t.Fatalf("verify: %s", r.raw)
	}
	// Altering a record (the test lifts the trigger: the test database is thrown away).
	for _, stmt := range []string{"DROP TRIGGER audit_events_no_update", "UPDATE audit_events SET outcome = 'ok' WHERE request_id = 'rq-5'"} {
		if _, err := e.db.ExecContext(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	r = e.get("top.h501", "/api/v1/audit/verify?comune=H501")
	brk, _ := r.body["break"].(map[string]any)
	if r.status != 200 || r.body["ok"] != false || brk["seq"] != float64(6) || brk["problem"] != auditlog.HashMismatch || brk["requestId"] != "rq-5" {
		t.Fatalf("tampered: %d %s", r.status, r.raw)
	}
}

func TestAuditVerifyWithoutKey(t *testing.T) {
	e := newAuditEnv(t)
	e.s.AuditSigner = nil
	r := e.get("top.h501", "/api/v1/audit/verify?comune=H501")
	if r.status != 503 || r.body["code"] != errcode.Unavailable.String() {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}

// TestAuditAnchorEndpoints: the TOP takes an anchor of its Comune and checks it later; it
// holds until the anchored record is rewritten. Scope as for verify; bad bodies are 400.
func TestAuditAnchorEndpoints(t *testing.T) {
	e := newAuditEnv(t)
	for _, tc := range []struct {
		user, comune string
		status       int
	}{
		{"admin.h501", "H501", 403},
		{"top.f205", "H501", 404},
		{"top.f205", "F205", 404}, // its own Comune, but no records: nothing to anchor
		{"top.h501", "nope", 400},
		{"", "H501", 401},
	} {
		if r := e.do(e.s, "POST", "/api/v1/audit/anchor?comune="+tc.comune, e.tokens[tc.user], nil); r.status != tc.status {
			t.Errorf("anchor by %s of %q: %d %s", tc.user, tc.comune, r.status, r.raw)
		}
	}
	r := e.do(e.s, "POST", "/api/v1/audit/anchor?comune=H501", e.tokens["top.h501"], nil)
	if r.status != 200 || r.body["seq"] != float64(8) || r.body["keyId"] != "test" {
		t.Fatalf("anchor: %d %s", r.status, r.raw)
	}
	anchor := r.body
	check := func(user string, body any) reply {
		t.Helper()
		return e.do(e.s, "POST", "/api/v1/audit/anchor/check", e.tokens[user], body)
	}
	if c := check("top.h501", map[string]any{"anchors": []any{anchor}}); c.status != 200 || c.body["ok"] != true {
		t.Fatalf("check intact: %d %s", c.status, c.raw)
	}
	for _, tc := range []struct {
		name, user string
		body       any
		status     int
	}{
		{"another Comune's TOP", "top.f205", map[string]any{"anchors": []any{anchor}}, 404},
		{"an ADMIN", "admin.h501", map[string]any{"anchors": []any{anchor}}, 403},
		{"no anchors", "top.h501", map[string]any{"anchors": []any{}}, 400},
		{"unknown field", "top.h501", map[string]any{"anchors": []any{anchor}, "x": 1}, 400},
		{"no comune", "top.h501", map[string]any{"anchors": []any{map[string]any{"seq": 3}}}, 400},
	} {
		if c := check(tc.user, tc.body); c.status != tc.status || c.body["code"] == nil {
			t.Errorf("%s: %d %s", tc.name, c.status, c.raw)
		}
	}
	for _, stmt := range []string{"DROP TRIGGER audit_events_no_update",
		"UPDATE audit_events SET hash = 'rewritten' WHERE comune_code = 'H501' AND seq = 8"} {
		if _, err := e.db.ExecContext(context.Background(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	c := check("top.h501", map[string]any{"anchors": []any{anchor}})
	results, _ := c.body["results"].([]any)
	if c.status != 200 || c.body["ok"] != false || len(results) != 1 ||
		results[0].(map[string]any)["outcome"] != auditlog.CheckpointMismatch {
		t.Fatalf("check after rewrite: %d %s", c.status, c.raw)
	}
}
