package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/temporal"
)

// TestMetricsExposition: the recorded values reach /metrics with their bounded labels, and the
// Temporal handler writes into the same registry.
func TestMetricsExposition(t *testing.T) {
	m, err := NewMetrics("test")
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveHTTP("/api/v1/anpr/:service", "POST", 200, 30*time.Millisecond)
	m.CountQuery("H501", "C020", "ok")
	m.ObserveANPR("C020", "", 20*time.Millisecond)
	m.ObserveANPR("C020", "anpr_unavailable", time.Second)
	m.ObserveAudit("inserted", time.Millisecond)
	m.CountQuotaDenial("H501", "C020")
	m.CountQuotaPause()
	m.Temporal().WithTags(map[string]string{"namespace": "comune-h501"}).Counter("temporal_test_requests").Inc(2)
	if err := m.RegisterQuota(func(context.Context) ([]QuotaUse, error) {
		return []QuotaUse{{Comune: "H501", Scope: "grant", Used: 3, Cap: 10, Exhausted: 0}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body := w.Body.String()
	for _, want := range []string{
		`varco_http_request_duration_seconds_count{method="POST",route="/api/v1/anpr/:service",status="200"} 1`,
		`varco_queries_total{comune="H501",outcome="ok",service="C020"} 1`,
		`varco_anpr_call_duration_seconds_count{outcome="anpr_unavailable",service="C020"} 1`,
		`varco_anpr_call_errors_total{kind="anpr_unavailable",service="C020"} 1`,
		`varco_audit_write_duration_seconds_count{outcome="inserted"} 1`,
		`varco_quota_denials_total{comune="H501",service="C020"} 1`,
		`varco_anpr_quota_pauses_total 1`,
		`varco_quota_used{comune="H501",scope="grant"} 3`,
		`varco_quota_cap{comune="H501",scope="grant"} 10`,
		`temporal_test_requests_total{namespace="comune-h501",process="test"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	names := strings.Join(m.Names(), " ")
	for _, n := range []string{NameHTTPDuration, NameQuotaUsed, NameQuotaPauses} {
		if !strings.Contains(names, n) {
			t.Errorf("Names lacks %s: %s", n, names)
		}
	}
}

// TestContextIDs: a log record made with a span's context carries the trace id.
func TestContextIDs(t *testing.T) {
	var buf bytes.Buffer
	log := WithContextIDs(slog.New(slog.NewTextHandler(&buf, nil))).With("component", "anpr")
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	log.InfoContext(ctx, "anpr call")
	log.InfoContext(context.Background(), "no span")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "traceId=4bf92f3577b34da6a3ce929d0e0e4736") || strings.Contains(lines[1], "traceId") ||
		!strings.Contains(lines[0], "component=anpr") {
		t.Fatalf("log lines %q", lines)
	}
}

// BenchmarkObserveHTTP measures the per-request cost of the HTTP metric beside a bare
// histogram observation (the baseline): compare the two ns/op of one run.
func BenchmarkObserveHTTP(b *testing.B) {
	m, err := NewMetrics("bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline-bare-histogram", func(b *testing.B) {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x", Buckets: latencyBuckets})
		b.ReportAllocs()
		for b.Loop() {
			h.Observe(0.03)
		}
	})
	b.Run("ObserveHTTP", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.ObserveHTTP("/api/v1/anpr/:service", "POST", 200, 30*time.Millisecond)
		}
	})
}

// TestTemporalSpansRedactErrors: a failed workflow or activity span keeps the error's code and
// type, never its message.
func TestTemporalSpansRedactErrors(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	const personal = "RSSMRA80A01H501U"
	span := startRedacted(context.Background(), tp.Tracer("t"), "RunActivity:CallANPR")
	err := temporal.NewNonRetryableApplicationError("ANPR: no subject "+personal, "subject_not_found", nil)
	span.RecordError(err)
	span.RecordError(nil)
	span.SetStatus(codes.Error, err.Error())
	span.End()
	got := rec.Ended()[0]
	if got.Status().Code != codes.Error || got.Status().Description != "" {
		t.Errorf("status %+v", got.Status())
	}
	if len(got.Events()) != 1 || got.Events()[0].Attributes[0].Value.AsString() != "subject_not_found" {
		t.Fatalf("events %+v", got.Events())
	}
	for _, e := range got.Events() {
		for _, a := range e.Attributes {
			if strings.Contains(a.Value.Emit(), personal) {
				t.Errorf("event attribute %s holds the message", a.Key)
			}
		}
	}
}
