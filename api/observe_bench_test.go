package api

import (
	"context"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/varco-anpr/varco/internal/telemetry"
)

// BenchmarkRequestObservability is the cost of the metrics and the span on one request through
// the whole Fiber stack (GET /healthz in-process), beside the same request without them (the
// baseline of the same run): compare the ns/op and allocs/op of the variants.
func BenchmarkRequestObservability(b *testing.B) {
	m, err := telemetry.NewMetrics("bench")
	if err != nil {
		b.Fatal(err)
	}
	recorder := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	for _, v := range []struct {
		name string
		deps Deps
	}{
		{"baseline-no-metrics-no-tracer", Deps{}},
		{"metrics-untraced", Deps{Metrics: m}},
		{"metrics-recording-spans", Deps{Metrics: m, Tracing: recorder}},
	} {
		b.Run(v.name, func(b *testing.B) {
			d := v.deps
			d.RequestTimeout, d.Logger = time.Second, discard()
			s := New(d)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if r := s.Do(ctx, "GET", "/healthz", "", nil); r.Status != 200 {
					b.Fatal(r.Status)
				}
			}
		})
	}
}
