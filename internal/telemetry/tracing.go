package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.temporal.io/sdk/interceptor"

	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// TracerName names Varco's own spans (the HTTP request, the ANPR HTTP call).
const TracerName = "github.com/varco-anpr/varco"

// Propagator is the W3C trace context: an integrator's traceparent is honoured, and Temporal
// headers carry it from the API's workflow start to the workflow and its activities. Baggage
// is not propagated: an integrator could put anything in it.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Tracing is a process's tracer provider and how to flush it at shutdown.
type Tracing struct {
	Provider trace.TracerProvider
	shutdown func(context.Context) error
}

// NewTracing exports spans by OTLP/gRPC to endpoint (e.g. http://otel-collector:4317; the
// standard OTEL_EXPORTER_OTLP_* variables refine it). With no endpoint there is no exporter:
// spans are not recorded, yet an incoming traceparent still travels through the workflow, so a
// caller's trace id reaches the logs of every hop.
func NewTracing(ctx context.Context, endpoint, service string) (*Tracing, error) {
	if endpoint == "" {
		return &Tracing{Provider: noop.NewTracerProvider(), shutdown: func(context.Context) error { return nil }}, nil
	}
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(endpoint))
	if err != nil {
		return nil, fmt.Errorf("otlp-endpoint: %w", err)
	}
	return WithExporter(exp, service), nil
}

// WithExporter is a batching provider exporting to exp (tests give an in-memory recorder).
func WithExporter(exp sdktrace.SpanExporter, service string) *Tracing {
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
	return &Tracing{Provider: tp, shutdown: tp.Shutdown}
}

// WithProcessor is a provider with a span processor of the caller's (tracetest.SpanRecorder).
func WithProcessor(p sdktrace.SpanProcessor, service string) *Tracing {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(p),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))))
	return &Tracing{Provider: tp, shutdown: tp.Shutdown}
}

// Shutdown flushes the spans not yet exported.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// Interceptor is Temporal's OpenTelemetry interceptor on t's provider: the workflow start
// (client span), the workflow and each activity run (server spans) join the caller's trace.
// Its span attributes are Temporal's ids (workflow id = Varco's request id, run id), never
// the workflow's input, and a failure is recorded by its error type, never its message.
func (t *Tracing) Interceptor() (interceptor.Interceptor, error) {
	return temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer: t.Provider.Tracer("temporal-sdk-go"), TextMapPropagator: Propagator, DisableBaggage: true,
		SpanStarter: startRedacted,
	})
}

// HTTPClient returns hc with a client span around each request: the PDND voucher and the ANPR
// call. The span names the method, the host and the URL path (e-service paths carry no
// personal data: the criteria travel in the signed body), never the body or the query string.
// The trace context is not sent to ANPR: its gateway has no use for it.
func (t *Tracing) HTTPClient(hc *http.Client) *http.Client {
	out := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out.Transport = &tracedTransport{base: base, tracer: t.Provider.Tracer(TracerName)}
	return &out
}

type tracedTransport struct {
	base   http.RoundTripper
	tracer trace.Tracer
}

func (t *tracedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, span := t.tracer.Start(r.Context(), "HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindClient))
	if !span.IsRecording() {
		return t.base.RoundTrip(r)
	}
	defer span.End()
	span.SetAttributes(attribute.String("http.request.method", r.Method),
		attribute.String("server.address", r.URL.Hostname()), attribute.String("url.path", r.URL.Path))
	resp, err := t.base.RoundTrip(r.WithContext(ctx))
	if err != nil {
		span.SetStatus(codes.Error, "transport error")
		return resp, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, nil
}

// shutdownTimeout bounds the final flush of spans.
const shutdownTimeout = 5 * time.Second

// Close flushes with a bounded wait; errors are the exporter's and only worth a log line.
func (t *Tracing) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return t.Shutdown(ctx)
}
