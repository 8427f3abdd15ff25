package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/codicefiscale"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/devtemporal"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/temporalauth"
	"github.com/varco-anpr/varco/workflows"
)

func freeAddr(t testing.TB) string {
	t.Helper()
	p, err := devtemporal.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", p)
}

func testConfig(t testing.TB, dir string) config.Config {
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.APIAddr, cfg.TemporalAddr, cfg.SimulatorAddr = freeAddr(t), freeAddr(t), freeAddr(t)
	cfg.TemporalUIPort = 0
	cfg.SimulatorSize = 200
	cfg.RequestTimeout = 5 * time.Second
	cfg.LogLevel = "warn"
	cfg.CodecKey = testCodecKey
	return cfg
}

func quietLogger() *slog.Logger {
	if os.Getenv("VARCO_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startEnv runs startDev exactly as `varco dev` does and serves the API.
func startEnv(t testing.TB, cfg config.Config) (*stack, string) {
	t.Helper()
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	s, err := startDev(context.Background(), cfg, quietLogger())
	if err != nil {
		t.Fatalf("startDev: %v", err)
	}
	go func() { _ = s.api.Listen(cfg.APIAddr) }()
	url := "http://" + cfg.APIAddr
	// Five seconds were once not enough in a CI run on the loaded 2-core machine.
	waitReady(t, url)
	return s, url
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func call(t testing.TB, method, url, token string, body any, headers ...string) answer {
	t.Helper()
	a, err := send(method, url, token, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return a
}

// send is call for goroutines other than the test's, which may not call t.Fatal.
func send(method, url, token string, body any, headers ...string) (answer, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, url, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	_ = json.Unmarshal(raw, &a.body)
	return a, nil
}

func login(t testing.TB, url, user string) string {
	t.Helper()
	a := call(t, "POST", url+"/api/v1/auth/token", "", map[string]string{"username": user, "password": "demo"})
	tok, _ := a.body["access_token"].(string)
	if a.status != 200 || tok == "" {
		t.Fatalf("login %s: %d %s", user, a.status, a.raw)
	}
	return tok
}

func query(id string) map[string]any {
	return map[string]any{"comune": "H501", "criteri": map[string]string{"idANPR": id}, "motivo": "PROT-2026-123"}
}

func TestDevEndToEnd(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	if !s.seeded {
		t.Fatal("first start must seed the demo")
	}
	op := login(t, url, "demo-operatore")

	// token → query → 200
	a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"), "X-Varco-Postazione", "PC-ANAG-07")
	if a.status != 200 {
		t.Fatalf("query: %d %s", a.status, a.raw)
	}
	reqID, _ := a.body["requestId"].(string)
	if !strings.Contains(string(a.raw), `"idANPR":"AF41450AS"`) || a.body["idOperazioneANPR"] == "" || reqID == "" {
		t.Fatalf("unexpected answer %s", a.raw)
	}

	// → audit record, visible to the TOP of the Comune
	top := login(t, url, "demo-top")
	rec := findAudit(t, url, top, reqID)
	if rec["outcome"] != "ok" || rec["service"] != "C020" || rec["workstation"] != "PC-ANAG-07" || rec["idOperazioneANPR"] != a.body["idOperazioneANPR"] {
		t.Fatalf("audit record %v", rec)
	}
	if strings.Contains(fmt.Sprint(rec), "AF41450AS") {
		t.Fatal("the audit must not show the subject identifier")
	}
	assertStoredAudit(t, s.db, reqID)

	// → workflow completed with its search attributes, payloads not readable in history
	assertWorkflow(t, cfg, reqID)
	assertVisibility(t, cfg, reqID)
	replayAndKeep(t, cfg, nsClient(t, s, "H501"), reqID, "anprquery_ok")

	// The audit retention is scheduled daily in the system namespace.
	desc, err := s.client.ScheduleClient().GetHandle(context.Background(), workflows.RetentionScheduleID).Describe(context.Background())
	if err != nil || len(desc.Schedule.Spec.Calendars) != 1 || desc.Schedule.Spec.TimeZoneName != "Europe/Rome" {
		t.Fatalf("retention schedule: %+v, %v", desc, err)
	}

	// GET /requests/{id}: author sees the data, the TOP the outcome only
	r := call(t, "GET", url+"/api/v1/requests/"+reqID, op, nil)
	if r.status != 200 || r.body["outcome"] != "ok" || r.body["soggetti"] == nil {
		t.Fatalf("author's outcome: %d %s", r.status, r.raw)
	}
	r = call(t, "GET", url+"/api/v1/requests/"+reqID, top, nil)
	if r.status != 200 || r.body["soggetti"] != nil {
		t.Fatalf("TOP's outcome: %d %s", r.status, r.raw)
	}
}

func findAudit(t *testing.T, url, token, reqID string) map[string]any {
	t.Helper()
	a := call(t, "GET", url+"/api/v1/audit?limit=100", token, nil)
	if a.status != 200 {
		t.Fatalf("audit: %d %s", a.status, a.raw)
	}
	items, _ := a.body["items"].([]any)
	for _, it := range items {
		if m, _ := it.(map[string]any); m["requestId"] == reqID {
			return m
		}
	}
	t.Fatalf("no audit record for %s in %s", reqID, a.raw)
	return nil
}

func assertStoredAudit(t *testing.T, db *store.DB, reqID string) {
	t.Helper()
	rec, err := store.GetAudit(context.Background(), db, reqID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.SubjectHash) != 64 || strings.Contains(rec.SubjectHash, "AF41450AS") {
		t.Fatalf("subject hash %q", rec.SubjectHash)
	}
}

// assertWorkflow reads the workflow with a client that has NO codec: search attributes are
// readable, payloads are not.
func assertWorkflow(t *testing.T, cfg config.Config, reqID string) {
	t.Helper()
	ctx := context.Background()
	plain := readerClient(t, cfg, workflows.Namespace("H501"))
	defer plain.Close()
	desc, err := plain.DescribeWorkflowExecution(ctx, reqID, "")
	if err != nil {
		t.Fatal(err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("workflow status %v", info.GetStatus())
	}
	sa := info.GetSearchAttributes().GetIndexedFields()
	want := map[string]string{"VarcoComune": "H501", "VarcoService": "C020", "VarcoOutcome": "ok", "VarcoEnte": "e1"}
	for k, v := range want {
		var got string
		if f := sa[k]; f == nil || json.Unmarshal(f.GetData(), &got) != nil || got != v {
			t.Errorf("search attribute %s = %q, want %q", k, got, v)
		}
	}
	var user string
	if f := sa["VarcoUser"]; f == nil || json.Unmarshal(f.GetData(), &user) != nil || !strings.HasPrefix(user, "u") {
		t.Errorf("search attribute VarcoUser = %q", user)
	}
	it := plain.GetWorkflowHistory(ctx, reqID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	payloads := 0
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(ev)
		for _, secret := range []string{"AF41450AS", "SETTIMO", "STTSGT90A01H501J", "PROT-2026-123"} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Fatalf("history event %v holds %q in clear", ev.GetEventType(), secret)
			}
		}
		payloads += bytes.Count(raw, []byte("YmluYXJ5L2VuY3J5cHRlZA")) // base64 of "binary/encrypted"
	}
	if payloads == 0 {
		t.Fatal("no encrypted payloads found in history")
	}
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}

func TestDevErrors(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	op := login(t, url, "demo-operatore")
	top := login(t, url, "demo-top")
	nobody, err := codicefiscale.Generate("NESSUNO", "FANTASMA", time.Date(1971, 5, 5, 0, 0, 0, 0, time.UTC), false, "H501")
	if err != nil {
		t.Fatal(err)
	}
	valid := `{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"PROT-1"}`
	cases := []struct {
		name, service, token, body string
		status                     int
		code                       string
		audited                    bool
	}{
		{"malformed JSON", "C020", op, `{"comune":`, 400, "invalid_request", false},
		{"unknown field", "C020", op, `{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"x","x":1}`, 400, "invalid_request", false},
		{"wrong check character", "C020", op, `{"comune":"H501","criteri":{"codiceFiscale":"STTSGT90A01H501K"},"motivo":"x"}`, 400, "invalid_codice_fiscale", false},
		{"missing motivo", "C020", op, `{"comune":"H501","criteri":{"idANPR":"AF41450AS"}}`, 400, "invalid_request", false},
		{"both criteria", "C020", op, `{"comune":"H501","criteri":{"idANPR":"AF41450AS","codiceFiscale":"STTSGT90A01H501J"},"motivo":"x"}`, 400, "invalid_request", false},
		{"future date", "C020", op, `{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"x","dataRiferimento":"2999-01-01"}`, 400, "invalid_request", false},
		{"unknown service", "C999", op, valid, 404, "unknown_service", false},
		{"another service's verifica block", "C008", op, `{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"x","verifica":{"cittadinanza":{"codiceStato":"100"}}}`, 400, "invalid_request", false},
		{"C030 asked by the idANPR it finds", "C030", op, `{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"x"}`, 400, "invalid_request", false},
		{"C031 without the idANPR it verifies", "C031", op, `{"comune":"H501","criteri":{"codiceFiscale":"STTSGT90A01H501J"},"motivo":"x","verifica":{"generalita":{"cognome":"SETTIMO"}}}`, 400, "invalid_request", false},
		{"nobody with a valid CF", "C020", op, `{"comune":"H501","criteri":{"codiceFiscale":"` + nobody + `"},"motivo":"x"}`, 404, "subject_not_found", true},
		{"cancelled subject", "C021", op, `{"comune":"H501","criteri":{"idANPR":"OR69233LN"},"motivo":"x"}`, 404, "subject_not_found", true},
		{"no token", "C020", "", valid, 401, "unauthorized", false},
		{"bad token", "C020", "abc.def.ghi", valid, 401, "unauthorized", false},
		{"user without the right", "C020", top, valid, 403, "forbidden", true},
		{"comune without grant", "C020", op, `{"comune":"F205","criteria":{}}`, 400, "invalid_request", false},
		{"comune not in Varco", "C020", op, `{"comune":"F205","criteri":{"idANPR":"AF41450AS"},"motivo":"x"}`, 404, "unknown_comune", false},
		{"oversized body", "C020", op, `{"motivo":"` + strings.Repeat("a", 70000) + `"}`, 413, "payload_too_large", false},
	}
	// Real histories of these paths are replayed, and kept in workflows/testdata.
	histories := map[string]string{"cancelled subject": "anprquery_not_found", "user without the right": "anprquery_denied"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := callTolerant(t, "POST", url+"/api/v1/anpr/"+tc.service, tc.token, tc.body)
			if a.status != tc.status || a.body["code"] != tc.code {
				t.Fatalf("got %d %s, want %d %s", a.status, a.raw, tc.status, tc.code)
			}
			if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			id, _ := a.body["requestId"].(string)
			if h := histories[tc.name]; h != "" {
				replayAndKeep(t, cfg, nsClient(t, s, "H501"), id, h)
			}
			if tc.audited {
				if _, err := store.GetAudit(context.Background(), s.db, id); err != nil {
					t.Fatalf("request %q not audited: %v", id, err)
				}
			} else if id != "" {
				t.Fatalf("a refused request must not start a workflow, got requestId %s", id)
			}
		})
	}
}

func TestDevIdempotencyAndRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	s, url := startEnv(t, cfg)
	op := login(t, url, "demo-operatore")
	first := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"), "Idempotency-Key", "fascicolo-42")
	second := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"), "Idempotency-Key", "fascicolo-42")
	other := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"), "Idempotency-Key", "fascicolo-43")
	if first.status != 200 || second.status != 200 || other.status != 200 {
		t.Fatalf("statuses %d %d %d", first.status, second.status, other.status)
	}
	if first.body["requestId"] != second.body["requestId"] || first.body["idOperazioneANPR"] != second.body["idOperazioneANPR"] {
		t.Fatalf("same key, different answers: %s / %s", first.raw, second.raw)
	}
	if other.body["idOperazioneANPR"] == first.body["idOperazioneANPR"] {
		t.Fatal("a different key must make a new ANPR call")
	}
	id, _ := first.body["requestId"].(string)
	if strings.Contains(id, "fascicolo") {
		t.Fatal("the workflow id must not carry the client's key")
	}
	n, err := s.db.NewSelect().Model((*store.AuditRecord)(nil)).Where("request_id = ?", id).Count(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("%d audit records for one idempotent request (%v)", n, err)
	}
	s.stop(quietLogger())

	// A restart keeps the data and does not seed again; the old request is still readable.
	s2, url2 := startEnv(t, testConfigKeepDir(t, cfg))
	defer s2.stop(quietLogger())
	if s2.seeded {
		t.Fatal("a restart must not seed again")
	}
	op = login(t, url2, "demo-operatore")
	if r := call(t, "GET", url2+"/api/v1/requests/"+id, op, nil); r.status != 200 || r.body["outcome"] != "ok" {
		t.Fatalf("after restart: %d %s", r.status, r.raw)
	}
	_ = workflows.OutcomeOK
}

// testConfigKeepDir keeps the data directory and takes new ports.
func testConfigKeepDir(t *testing.T, old config.Config) config.Config {
	cfg := testConfig(t, old.DataDir)
	return cfg
}

// nsClient is the stack's client of a Comune's namespace.
// readerClient reads ns with no codec, as the namespace's reader: the frontend refuses
// callers without a token.
func readerClient(t *testing.T, cfg config.Config, ns string) client.Client {
	t.Helper()
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	_, m, err := loadTemporalKey(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := m.Mint("test-reader", []string{temporalauth.Permission(ns, temporalauth.RoleRead)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return dialAs(t, cfg, ns, tok)
}

func nsClient(t *testing.T, s *stack, comune string) client.Client {
	t.Helper()
	c, err := s.manager.Client(comune)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// callTolerant is call for bodies the server may refuse before reading them all: fasthttp can
// answer 413 and close while the client still writes, which the client may see as a reset.
// The answer must still be there on one of three tries.
func callTolerant(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	var lastErr error
	for range 3 {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			lastErr = err
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
		_ = json.Unmarshal(raw, &a.body)
		return a
	}
	t.Fatalf("%s %s: no answer in three tries: %v", method, url, lastErr)
	return answer{}
}

// assertVisibility lists the request through the visibility store, as the Web UI's filters
// do: by each Varco search attribute alone and by all of them together. Visibility is
// written asynchronously after the workflow closes, so each query is retried for a while.
func assertVisibility(t *testing.T, cfg config.Config, reqID string) {
	t.Helper()
	ctx := context.Background()
	plain := readerClient(t, cfg, workflows.Namespace("H501"))
	defer plain.Close()
	desc, err := plain.DescribeWorkflowExecution(ctx, reqID, "")
	if err != nil {
		t.Fatal(err)
	}
	var user string
	if f := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["VarcoUser"]; f == nil || json.Unmarshal(f.GetData(), &user) != nil {
		t.Fatal("no VarcoUser on the workflow")
	}
	filters := []string{"VarcoComune = 'H501'", "VarcoEnte = 'e1'", "VarcoUser = '" + user + "'",
		"VarcoService = 'C020'", "VarcoOutcome = 'ok'"}
	if len(filters) != len(workflows.SearchAttributeNames()) {
		t.Fatalf("a filter for each of %v", workflows.SearchAttributeNames())
	}
	filters = append(filters, strings.Join(filters, " AND "))
	for _, f := range filters {
		q := "WorkflowId = '" + reqID + "' AND ExecutionStatus = 'Completed' AND " + f
		var found bool
		for i := 0; i < 100 && !found; i++ {
			resp, err := plain.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: workflows.Namespace("H501"), Query: q})
			if err != nil {
				t.Fatalf("list %q: %v", q, err)
			}
			found = len(resp.GetExecutions()) == 1
			if !found {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if !found {
			t.Errorf("the visibility store does not find the request by %s", f)
		}
	}
	// A wrong value must find nothing: the filters are not trivially true.
	resp, err := plain.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: workflows.Namespace("H501"),
		Query: "WorkflowId = '" + reqID + "' AND VarcoOutcome = 'denied'"})
	if err != nil || len(resp.GetExecutions()) != 0 {
		t.Fatalf("VarcoOutcome = 'denied' found %v, %v", resp.GetExecutions(), err)
	}
}
