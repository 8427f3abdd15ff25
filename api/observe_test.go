package api

import (
	"io"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

type recordedRequest struct {
	route, method string
	status        int
}

// recordingMetrics keeps what the API recorded.
type recordingMetrics struct {
	mu       sync.Mutex
	requests []recordedRequest
	inFlight float64
}

func (m *recordingMetrics) ObserveHTTP(route, method string, status int, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests = append(m.requests, recordedRequest{route, method, status})
}

func (m *recordingMetrics) InFlight(d float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inFlight += d
}

// TestRequestMetricsAndSpans: a request is recorded by its route pattern, never its path (which
// holds request ids), with its method and status, in the metrics and in its server span; an
// integrator's traceparent makes the span part of the integrator's trace.
func TestRequestMetricsAndSpans(t *testing.T) {
	m := &recordingMetrics{}
	rec := tracetest.NewSpanRecorder()
	s := New(Deps{RequestTimeout: time.Second, Logger: discard(), Metrics: m,
		Tracing: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	cases := []struct {
		method, path, traceparent string
		want                      recordedRequest
	}{
		{"GET", "/api/v1/requests/0b7e-secret-id", "00-" + traceID + "-00f067aa0ba902b7-01", recordedRequest{"/api/v1/requests/:id", "GET", 401}},
		{"POST", "/api/v1/anpr/C020", "", recordedRequest{"/api/v1/anpr/:service", "POST", 401}},
		{"GET", "/healthz", "", recordedRequest{"/healthz", "GET", 200}},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.traceparent != "" {
			req.Header.Set("traceparent", tc.traceparent)
		}
		if _, err := s.App().Test(req); err != nil {
			t.Fatal(err)
		}
	}
	if len(m.requests) != len(cases) || m.inFlight != 0 {
		t.Fatalf("recorded %+v, in flight %v", m.requests, m.inFlight)
	}
	spans := rec.Ended()
	if len(spans) != len(cases) {
		t.Fatalf("%d spans, want %d", len(spans), len(cases))
	}
	for i, tc := range cases {
		if m.requests[i] != tc.want {
			t.Errorf("%s %s recorded as %+v, want %+v", tc.method, tc.path, m.requests[i], tc.want)
		}
		sp := spans[i]
		if want := tc.want.method + " " + tc.want.route; sp.Name() != want {
			t.Errorf("span %q, want %q", sp.Name(), want)
		}
		for _, a := range sp.Attributes() {
			if a.Value.Type() == attribute.STRING && a.Value.AsString() == tc.path && tc.path != tc.want.route {
				t.Errorf("span attribute %s holds the raw path", a.Key)
			}
		}
		if got := sp.SpanContext().TraceID().String(); (tc.traceparent != "") != (got == traceID) {
			t.Errorf("%s: trace id %s (traceparent %q)", tc.path, got, tc.traceparent)
		}
	}
}

// TestTraceparentWithoutExporter: with no tracer configured, a request's context still holds
// the integrator's trace (so the workflow start carries it on), and one without a traceparent
// gets none.
func TestTraceparentWithoutExporter(t *testing.T) {
	s := New(Deps{RequestTimeout: time.Second, Logger: discard()})
	s.App().Get("/test/trace", func(c *fiber.Ctx) error {
		return c.SendString(trace.SpanContextFromContext(c.UserContext()).TraceID().String())
	})
	for _, tc := range []struct{ traceparent, want string }{
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736"},
		{"", "00000000000000000000000000000000"},
		{"garbage", "00000000000000000000000000000000"},
	} {
		req := httptest.NewRequest("GET", "/test/trace", nil)
		if tc.traceparent != "" {
			req.Header.Set("traceparent", tc.traceparent)
		}
		resp, err := s.App().Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != tc.want {
			t.Errorf("traceparent %q: trace id %s, want %s", tc.traceparent, b, tc.want)
		}
	}
}
