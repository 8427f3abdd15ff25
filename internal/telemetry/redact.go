package telemetry

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/temporal"
)

// startRedacted is the Temporal interceptor's SpanStarter: its spans record an error by its
// type only. The interceptor would put the error's message in the span (status and exception
// event), and a message may quote what ANPR answered about a person.
func startRedacted(ctx context.Context, t trace.Tracer, name string, opts ...trace.SpanStartOption) trace.Span {
	_, span := t.Start(ctx, name, opts...)
	return redactedSpan{span}
}

type redactedSpan struct{ trace.Span }

// RecordError adds the exception event with the error's type: a Temporal application error's
// stable type (an errcode), or the Go type.
func (s redactedSpan) RecordError(err error, _ ...trace.EventOption) {
	if err == nil {
		return
	}
	s.Span.AddEvent("exception", trace.WithAttributes(attribute.String("exception.type", errorType(err))))
}

// SetStatus keeps the code and drops the description (the error's message).
func (s redactedSpan) SetStatus(c codes.Code, _ string) { s.Span.SetStatus(c, "") }

func errorType(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() != "" {
		return app.Type()
	}
	return fmt.Sprintf("%T", err)
}
