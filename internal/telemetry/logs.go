package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/activity"
)

// queryWorkflow is the workflow type whose id is Varco's request id.
const queryWorkflow = "AnprQuery"

// WithContextIDs returns a logger whose records carry the ids found in their context: the
// request id (the AnprQuery workflow's id) or the workflow id inside an activity, and the
// trace id. Code that logs with a context (LogAttrs(ctx, …), as the ANPR client does) gets
// them without passing them around; the ids carry no personal data.
func WithContextIDs(l *slog.Logger) *slog.Logger { return slog.New(contextHandler{l.Handler()}) }

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if activity.IsActivity(ctx) {
			info := activity.GetInfo(ctx)
			if info.WorkflowType != nil && info.WorkflowType.Name == queryWorkflow {
				r.AddAttrs(slog.String("requestId", info.WorkflowExecution.ID))
			} else {
				r.AddAttrs(slog.String("workflowId", info.WorkflowExecution.ID))
			}
		}
		if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
			r.AddAttrs(slog.String("traceId", sc.TraceID().String()))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(a)}
}
func (h contextHandler) WithGroup(g string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(g)}
}
