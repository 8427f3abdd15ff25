package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
)

// TestBatchPage: the batch's page shows its progress bar and counts to its submitter and to
// the TOP of its Comune, the audit search finds its records by batch id, and another Comune's
// TOP learns nothing — in the console as in the API (tenant isolation).
func TestBatchPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := "bt-h501-0123456789abcdef0123456789abcdef"
	now := time.Now().UTC()
	bs := store.Batches{DB: e.db.DB}
	if _, err := bs.Create(ctx, &store.Batch{ID: id, ComuneCode: "H501", UserID: e.ids["op.h501"], Service: "C020",
		Motivo: "VERBALI", Total: 4, Fingerprint: "f", CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := bs.SetEnte(ctx, id, e.ente); err != nil {
		t.Fatal(err)
	}
	for i, outcome := range []string{"ok", "not_found"} {
		if _, err := bs.PutResult(ctx, &store.BatchResult{BatchID: id, Index: i, RequestID: "rq-h501-" + strings.Repeat("a", 31) + string(rune('0'+i)),
			Outcome: outcome, Sealed: "x", Audited: true}); err != nil {
			t.Fatal(err)
		}
	}
	rec := &store.AuditRecord{RequestID: "rq-h501-" + strings.Repeat("a", 32), CreatedAt: now, UserID: e.ids["op.h501"], EnteID: e.ente,
		ComuneCode: "H501", Service: "C020", Motivo: "VERBALI", Outcome: "ok", HTTPStatus: 200, BatchID: id}
	if _, err := (&auditlog.Writer{DB: e.db}).Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	e.audit("rq-h501-"+strings.Repeat("b", 32), "op.h501", now) // not of the batch

	for _, user := range []string{"op.h501", "top.h501", "adm.h501"} {
		p := e.signIn(user, pw).do("GET", "/console/lotti/"+id, nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, `aria-valuenow="50"`) || !strings.Contains(p.body, "2 soggetti su 4") ||
			!strings.Contains(p.body, `http-equiv="refresh"`) {
			t.Fatalf("%s: batch page %d\n%s", user, p.status, p.body)
		}
	}
	top := e.signIn("top.h501", pw)
	p := top.do("GET", "/console/registro?batch="+id, nil)
	if p.status != http.StatusOK || !strings.Contains(p.body, rec.RequestID) || strings.Contains(p.body, strings.Repeat("b", 32)) {
		t.Fatalf("audit by batch: %d\n%s", p.status, p.body)
	}
	other := e.signIn("top.f205", pw)
	if p := other.do("GET", "/console/lotti/"+id, nil); p.status != http.StatusNotFound {
		t.Fatalf("another Comune's TOP sees the batch: %d", p.status)
	}
	var st struct {
		Done int `json:"done"`
	}
	e.apiGet("top.h501", "/api/v1/batches/"+id, &st)
	if st.Done != 2 {
		t.Fatalf("API status: %+v", st)
	}
	if r := e.srv.Do(ctx, "GET", "/api/v1/batches/"+id+"/results", tokenOf(t, e, "top.h501"), nil); r.Status != http.StatusForbidden {
		t.Fatalf("the TOP reads the results: %d %s", r.Status, r.Body)
	}
	if r := e.srv.Do(ctx, "GET", "/api/v1/batches/"+id, tokenOf(t, e, "top.f205"), nil); r.Status != http.StatusNotFound {
		t.Fatalf("another Comune's TOP reads the batch: %d %s", r.Status, r.Body)
	}
}

func tokenOf(t *testing.T, e *env, user string) string {
	t.Helper()
	body := `{"username":"` + user + `","password":"` + pw + `"}`
	r := e.srv.Do(context.Background(), "POST", "/api/v1/auth/token", "", []byte(body))
	var out struct {
		Access string `json:"access_token"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || out.Access == "" {
		t.Fatalf("token of %s: %d %s", user, r.Status, r.Body)
	}
	return out.Access
}
