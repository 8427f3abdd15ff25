package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// TestAuditReportsScopes runs the reports, exports, anomalies and tracing file over the real
// stack for the three scopes, and for a TOP of another Comune and an ADMIN of another Ente of
// the same Comune, who must get nothing.
func TestAuditReportsScopes(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	az := s.api.Authz
	e := &adminEnv{t: t, s: s, url: url, az: az}
	e.addComuneB()
	addAdminOfOtherEnte(t, s, az)

	op := login(t, url, "demo-operatore")
	var ids []string
	for range 2 {
		a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
		if a.status != 200 {
			t.Fatalf("query: %d %s", a.status, a.raw)
		}
		ids = append(ids, a.body["requestId"].(string))
	}
	today := time.Now().In(store.Rome()).Format(time.DateOnly)
	period := "from=" + today

	sees := map[string]bool{"demo-top": true, "demo-admin": true, "demo-operatore": true, "top-f205": false, "admin-other": false}
	for user, visible := range sees {
		t.Run(user, func(t *testing.T) {
			tok := login(t, url, user)
			rep := call(t, "GET", url+"/api/v1/audit/report?groupBy=service&"+period, tok, nil)
			total, _ := rep.body["total"].(float64)
			if rep.status != 200 || (visible && total != 2) || (!visible && total != 0) {
				t.Fatalf("report: %d %s", rep.status, rep.raw)
			}
			exp := call(t, "GET", url+"/api/v1/audit/export.csv?"+period, tok, nil)
			rows, err := csv.NewReader(strings.NewReader(string(exp.raw))).ReadAll()
			if exp.status != 200 || err != nil {
				t.Fatalf("export.csv: %d %v %s", exp.status, err, exp.raw)
			}
			if want := map[bool]int{true: 3, false: 1}[visible]; len(rows) != want || strings.Contains(string(exp.raw), ids[0]) != visible {
				t.Fatalf("export.csv has %d lines, want %d: %s", len(rows), want, exp.raw)
			}
			if strings.Contains(string(exp.raw), "AF41450AS") {
				t.Fatal("the export shows the subject")
			}
			js := call(t, "GET", url+"/api/v1/audit/export.json?"+period, tok, nil)
			if js.status != 200 || strings.Contains(string(js.raw), ids[1]) != visible {
				t.Fatalf("export.json: %d %s", js.status, js.raw)
			}
			an := call(t, "GET", url+"/api/v1/audit/anomalies", tok, nil)
			if an.status != 200 {
				t.Fatalf("anomalies: %d %s", an.status, an.raw)
			}
			tr := call(t, "GET", url+"/api/v1/audit/tracing.csv?comune=H501&date="+today, tok, nil)
			if user == "demo-top" {
				assertTracing(t, s, tr, today)
			} else if tr.status != 403 {
				t.Fatalf("tracing for %s: %d %s", user, tr.status, tr.raw)
			}
		})
	}
}

// addAdminOfOtherEnte registers a second Ente in H501 with its own ADMIN ("admin-other").
func addAdminOfOtherEnte(t *testing.T, s *stack, az *rbac.Authorizer) {
	ctx := context.Background()
	ente := &store.Ente{Name: "Ufficio Tributi"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(store.CreateEnte(ctx, s.db, ente))
	must(store.CreateConvenzione(ctx, s.db, &store.Convenzione{ComuneCode: "H501", EnteID: ente.ID,
		Services: []string{"C020"}, ValidFrom: time.Now()}))
	hash, err := auth.HashPassword("demo")
	must(err)
	u := &store.User{Username: "admin-other", DisplayName: "ADMIN Tributi", PasswordHash: hash, Active: true}
	must(store.CreateUser(ctx, s.db, u))
	must(az.AddGrant(ctx, &store.Grant{UserID: u.ID, ComuneCode: "H501", EnteID: ente.ID, Role: store.RoleAdmin}))
}

// assertTracing: one line per voucher and status, with the Comune's purpose for C020.
func assertTracing(t *testing.T, s *stack, tr answer, today string) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(string(tr.raw))).ReadAll()
	if tr.status != 200 || err != nil || len(rows) < 2 {
		t.Fatalf("tracing: %d %v %s", tr.status, err, tr.raw)
	}
	if strings.Join(rows[0], ",") != "date,purpose_id,token_id,status,requests_count" {
		t.Fatalf("tracing header %q", rows[0])
	}
	c, err := store.GetComune(context.Background(), s.db, "H501")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows[1:] {
		if r[0] != today || r[1] != c.PurposeIDs["C020"] || r[2] == "" || r[3] != "200" {
			t.Fatalf("tracing row %q", r)
		}
		var k int
		fmt.Sscan(r[4], &k)
		n += k
	}
	if n != 2 {
		t.Fatalf("tracing counts %d requests, want 2: %s", n, tr.raw)
	}
}
