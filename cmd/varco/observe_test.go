package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/varco-anpr/varco/internal/telemetry"
)

// syncBuffer is a log sink shared by the goroutines of a stack.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startObservedEnv is startEnv with an in-memory span recorder, /metrics on a free port and
// every log line (debug included) captured.
func startObservedEnv(t *testing.T) (*stack, string, string, *tracetest.SpanRecorder, *syncBuffer) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	testTracing = telemetry.WithProcessor(rec, "varco-test")
	t.Cleanup(func() { testTracing = nil })
	cfg := testConfig(t, t.TempDir())
	cfg.MetricsAddr = freeAddr(t)
	cfg.LogLevel = "debug"
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := startDev(context.Background(), cfg, log)
	if err != nil {
		t.Fatalf("startDev: %v", err)
	}
	t.Cleanup(func() { s.stop(quietLogger()) })
	go func() { _ = s.api.Listen(cfg.APIAddr) }()
	url := "http://" + cfg.APIAddr
	waitReady(t, url)
	return s, url, "http://" + cfg.MetricsAddr + "/metrics", rec, logs
}

// testSubjectCF is a collaudo test subject of the simulator (docs/simulator.md).
const testSubjectCF = "STTSGT90A01H501J"

// TestObservability: one query by codice fiscale, sent with an integrator's traceparent, is
// one trace from the HTTP span through the workflow and its activities to the ANPR HTTP calls,
// under the integrator's trace id; no span, attribute or log line holds the subject's
// codice fiscale or names; /metrics (on its own port) shows the query, and every metric the
// Grafana dashboard uses is registered.
func TestObservability(t *testing.T) {
	s, url, metricsURL, rec, logs := startObservedEnv(t)
	_ = s
	op := login(t, url, "demo-operatore")
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	body := map[string]any{"comune": "H501", "criteri": map[string]string{"codiceFiscale": testSubjectCF}, "motivo": "PROT-2026-9"}
	a := call(t, "POST", url+"/api/v1/anpr/C020", op, body, "traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if a.status != 200 {
		t.Fatalf("query: %d %s", a.status, a.raw)
	}
	reqID, _ := a.body["requestId"].(string)
	personal := personalValues(t, a.raw)

	spans := spansOfTrace(t, rec, traceID, reqID)
	assertTraceShape(t, spans)
	assertNoPersonalData(t, "spans", spanText(rec.Ended()), personal)

	// The access log, the API's and the ANPR client's lines carry the request id.
	out := logs.String()
	for _, msg := range []string{`"msg":"http"`, `"msg":"anpr call"`} {
		if !logLineWith(out, msg, reqID) {
			t.Errorf("no %s log line names the request id %s", msg, reqID)
		}
	}
	assertNoPersonalData(t, "logs", out, personal)

	// The SDK records a workflow's end-to-end latency only once the server has acknowledged
	// the completing task, which is also when the API's wait for the result returns: the
	// answer can reach us a moment before the metric exists.
	scraped := scrapeUntil(t, metricsURL, "temporal_workflow_endtoend_latency_seconds_bucket")
	for _, want := range []string{
		`varco_http_request_duration_seconds_count{method="POST",route="/api/v1/anpr/:service",status="200"} 1`,
		`varco_queries_total{comune="H501",outcome="ok",service="C020"} 1`,
		`varco_anpr_call_duration_seconds_count{outcome="ok",service="C020"} 1`,
		`varco_anpr_call_duration_seconds_count{outcome="ok",service="C030"} 1`,
		// One audit step: the C020 record and the linked record of its C030 resolution are
		// written by one auditlog.Writer.Write, each counted as a query.
		`varco_audit_write_duration_seconds_count{outcome="inserted"} 1`,
		`varco_queries_total{comune="H501",outcome="ok",service="C030"} 1`,
		`temporal_request_total{`,
	} {
		if !strings.Contains(scraped, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if r, err := http.Get(url + "/metrics"); err == nil {
		r.Body.Close()
		if r.StatusCode == 200 {
			t.Error("the API's public port serves /metrics")
		}
	}
	assertNoPersonalData(t, "metrics", scraped, personal)
	assertDashboard(t, s.obs.metrics, scraped)
	if testing.Verbose() {
		t.Log(scraped)
	}
}

// personalValues are the subject's identifiers and names as the answer shows them.
func personalValues(t *testing.T, raw []byte) []string {
	t.Helper()
	vals := []string{testSubjectCF}
	for _, key := range []string{"cognome", "nome", "idANPR"} {
		for _, m := range regexp.MustCompile(`"`+key+`":"([^"]+)"`).FindAllSubmatch(raw, -1) {
			vals = append(vals, string(m[1]))
		}
	}
	if len(vals) < 3 {
		t.Fatalf("the answer shows no names to look for: %s", raw)
	}
	return vals
}

func assertNoPersonalData(t *testing.T, where, text string, personal []string) {
	t.Helper()
	for _, p := range personal {
		if strings.Contains(text, p) {
			t.Errorf("%s hold personal data %q", where, p)
		}
	}
}

// spansOfTrace waits (the workflow's spans end as it completes) for the spans of the trace.
func spansOfTrace(t *testing.T, rec *tracetest.SpanRecorder, traceID, reqID string) []sdktrace.ReadOnlySpan {
	t.Helper()
	var got []sdktrace.ReadOnlySpan
	for range 100 {
		got = got[:0]
		for _, sp := range rec.Ended() {
			if sp.SpanContext().TraceID().String() == traceID {
				got = append(got, sp)
			}
		}
		if hasSpan(got, "RunActivity:WriteAudit") && hasSpan(got, "RunWorkflow:AnprQuery") && hasSpan(got, "POST /api/v1/anpr/:service") {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the trace %s is incomplete: %s", traceID, spanNames(got))
	return nil
}

func hasSpan(spans []sdktrace.ReadOnlySpan, name string) bool {
	for _, s := range spans {
		if s.Name() == name {
			return true
		}
	}
	return false
}

func spanNames(spans []sdktrace.ReadOnlySpan) string {
	var n []string
	for _, s := range spans {
		n = append(n, s.Name())
	}
	return strings.Join(n, ", ")
}

// assertTraceShape: HTTP span → workflow start → workflow run → each activity → the HTTP
// calls to PDND and ANPR, each span the child of the one before in that chain.
func assertTraceShape(t *testing.T, spans []sdktrace.ReadOnlySpan) {
	t.Helper()
	byID := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID().String()] = s
	}
	ancestors := func(s sdktrace.ReadOnlySpan) []string {
		var names []string
		for p, ok := byID[s.Parent().SpanID().String()]; ok; p, ok = byID[p.Parent().SpanID().String()] {
			names = append(names, p.Name())
		}
		return names
	}
	want := map[string][]string{
		"RunWorkflow:AnprQuery":      {"StartWorkflow:AnprQuery", "POST /api/v1/anpr/:service"},
		"RunActivity:Authorize":      {"RunWorkflow:AnprQuery", "StartWorkflow:AnprQuery", "POST /api/v1/anpr/:service"},
		"RunActivity:CallANPR":       {"RunWorkflow:AnprQuery", "StartWorkflow:AnprQuery", "POST /api/v1/anpr/:service"},
		"RunActivity:WriteAudit":     {"RunWorkflow:AnprQuery", "StartWorkflow:AnprQuery", "POST /api/v1/anpr/:service"},
		"StartWorkflow:AnprQuery":    {"POST /api/v1/anpr/:service"},
		"POST /api/v1/anpr/:service": {},
	}
	for name, chain := range want {
		s := find(spans, name)
		if s == nil {
			t.Errorf("no span %s in the trace: %s", name, spanNames(spans))
			continue
		}
		if got := ancestors(s); !containsInOrder(got, chain) {
			t.Errorf("span %s descends from %v, want %v", name, got, chain)
		}
	}
	calls := 0
	for _, s := range spans {
		if s.Name() == "HTTP POST" {
			if a := ancestors(s); !containsInOrder(a, []string{"RunActivity:CallANPR", "RunWorkflow:AnprQuery"}) {
				t.Errorf("HTTP POST span under %v, want under CallANPR", a)
			}
			calls++
		}
	}
	if calls < 2 { // C030, then C020 (and the PDND voucher unless cached)
		t.Errorf("%d outbound HTTP spans, want the ANPR calls: %s", calls, spanNames(spans))
	}
}

func find(spans []sdktrace.ReadOnlySpan, name string) sdktrace.ReadOnlySpan {
	for _, s := range spans {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// containsInOrder reports whether want is a subsequence of got.
func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// spanText is every span's name and attributes, for the personal-data scan.
func spanText(spans []sdktrace.ReadOnlySpan) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Name())
		for _, a := range s.Attributes() {
			b.WriteString(" " + string(a.Key) + "=" + a.Value.Emit())
		}
		for _, e := range s.Events() {
			b.WriteString(" " + e.Name)
			for _, a := range e.Attributes {
				b.WriteString(" " + a.Value.Emit())
			}
		}
		b.WriteString(" " + s.Status().Description + "\n")
	}
	return b.String()
}

func logLineWith(logs, msg, reqID string) bool {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, msg) && strings.Contains(l, reqID) {
			return true
		}
	}
	return false
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 {
		t.Fatalf("scrape: %d %s", r.StatusCode, b)
	}
	return string(b)
}

// scrapeUntil scrapes until the exposition contains want, for at most ten seconds, and
// returns the last scrape (the caller's assertions then say what is missing).
func scrapeUntil(t *testing.T, url, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := scrape(t, url)
		if strings.Contains(got, want) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertDashboard: every metric an expression of docs/grafana/varco.json uses is one the
// process exposes: in this scrape, or (for a Varco metric that only an event such as a quota
// denial creates a series of) registered and described.
func assertDashboard(t *testing.T, m *telemetry.Metrics, scraped string) {
	t.Helper()
	raw, err := os.ReadFile("../../docs/grafana/varco.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	exposed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+) (\S+)$`).FindAllStringSubmatch(scraped, -1) {
		exposed[m[1]] = true
	}
	registered := map[string]bool{}
	for _, n := range m.Names() {
		registered[n] = true
	}
	metricName := regexp.MustCompile(`\b(?:varco|temporal)_[a-z0-9_]+`)
	exprs := 0
	for _, p := range dash.Panels {
		if p.Type != "row" && len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			exprs++
			names := metricName.FindAllString(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: %q uses no Varco or Temporal metric", p.Title, tg.Expr)
			}
			for _, n := range names {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count"), "_sum")
				if !exposed[base] && !(strings.HasPrefix(base, "varco_") && registered[base]) {
					t.Errorf("panel %q uses %s, which the process does not expose", p.Title, n)
				}
			}
		}
	}
	if exprs < 10 {
		t.Errorf("the dashboard has %d queries", exprs)
	}
}
