package api

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// HTTPMetrics records served requests (telemetry.Metrics).
type HTTPMetrics interface {
	ObserveHTTP(route, method string, status int, d time.Duration)
	InFlight(delta float64)
}

// noMetrics records nothing: tests and tools that build a Server without a registry.
type noMetrics struct{}

func (noMetrics) ObserveHTTP(string, string, int, time.Duration) {}
func (noMetrics) InFlight(float64)                               {}

// traceContext reads an integrator's W3C traceparent; baggage is not read (it could carry
// anything, and nothing downstream needs it).
var traceContext = propagation.TraceContext{}

// headerCarrier reads fasthttp's request headers for the propagator, without copying them.
type headerCarrier struct{ h *fasthttp.RequestHeader }

func (c headerCarrier) Get(key string) string { return string(c.h.Peek(key)) }
func (c headerCarrier) Set(string, string)    {}
func (c headerCarrier) Keys() []string        { return []string{"traceparent", "tracestate"} }

// methodName is the request's method as a constant string: c.Method() aliases fasthttp's
// buffer, which the next request on the connection overwrites, and a metric label or a span
// attribute outlives the request.
func methodName(c *fiber.Ctx) string {
	switch m := c.Method(); m {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodPost:
		return fiber.MethodPost
	case fiber.MethodPut:
		return fiber.MethodPut
	case fiber.MethodPatch:
		return fiber.MethodPatch
	case fiber.MethodDelete:
		return fiber.MethodDelete
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodOptions:
		return fiber.MethodOptions
	}
	return "other"
}

// tracerOf is the API's tracer; untraced when the provider records nothing (no exporter).
func tracerOf(tp trace.TracerProvider) (tracer trace.Tracer, untraced bool) {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	_, untraced = tp.(noop.TracerProvider)
	return tp.Tracer("github.com/varco-anpr/varco/api"), untraced
}

// traceRequest opens the request's server span, child of the integrator's traceparent when
// there is one, and puts it in the request's context: the workflow start carries it on
// (Temporal's tracing interceptor). The span is named after the route pattern, and its
// attributes are the route, method and status: never the path, a header or the body.
func (s *Server) traceRequest(c *fiber.Ctx) error {
	if s.untraced && len(c.Request().Header.Peek("traceparent")) == 0 {
		// Nothing to record and no trace to carry on: skip the span's allocations.
		s.metrics.InFlight(1)
		defer s.metrics.InFlight(-1)
		return c.Next()
	}
	ctx := traceContext.Extract(c.UserContext(), headerCarrier{&c.Request().Header})
	ctx, span := s.tracer.Start(ctx, "HTTP", trace.WithSpanKind(trace.SpanKindServer))
	c.SetUserContext(ctx)
	s.metrics.InFlight(1)
	defer s.metrics.InFlight(-1)
	err := c.Next()
	if span.IsRecording() {
		status := c.Response().StatusCode()
		route := c.Route().Path
		method := methodName(c)
		span.SetName(method + " " + route)
		span.SetAttributes(attribute.String("http.route", route), attribute.String("http.request.method", method),
			attribute.Int("http.response.status_code", status), attribute.String("varco.request_id", requestIDOf(c)))
		if status >= 500 {
			span.SetStatus(codes.Error, "")
		}
	}
	span.End()
	return err
}

// traceIDOf is the request's trace id for the access log ("" without one), so a log line and
// a trace meet.
func traceIDOf(c *fiber.Ctx) string {
	sc := trace.SpanContextFromContext(c.UserContext())
	if !sc.HasTraceID() {
		return ""
	}
	return sc.TraceID().String()
}
