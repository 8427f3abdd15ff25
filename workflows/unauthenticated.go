package workflows

import (
	"regexp"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/varco-anpr/varco/internal/errcode"
)

// A workflow the API did not seal was started by someone who reached Temporal's frontend
// directly. Its input names a user, a subject and a motivo that nobody authenticated, so none
// of them goes into the result or the audit: the record says only when, in which Comune's
// namespace, and which run, so a TOP can find the run in the Web UI and in Temporal's logs.

var reServiceCode = regexp.MustCompile(`^C[0-9]{3}$`)

// unauthenticated is the result of such a workflow: a denial that carries no personal data.
func (q *query) unauthenticated(ctx workflow.Context) QueryResult {
	return QueryResult{
		RequestID:  UnauthenticatedRequestID(workflow.GetInfo(ctx).WorkflowExecution.RunID),
		Outcome:    OutcomeDenied,
		ErrorCode:  errcode.Forbidden,
		Detail:     ReasonUnauthenticated,
		HTTPStatus: errcode.Status(errcode.Forbidden),
	}
}

// unauthenticatedAudit is its audit record: no user, Ente, subject, motivo or workstation;
// the Comune is the namespace's (the only fact the worker itself vouches for), the time the
// workflow's start, and the service only when it is a well-formed e-service code.
func (q *query) unauthenticatedAudit(ctx workflow.Context, res QueryResult, now time.Time) AuditInput {
	info := workflow.GetInfo(ctx)
	comune, _ := ComuneOfNamespace(info.Namespace)
	service := ""
	if reServiceCode.MatchString(q.in.Service) {
		service = q.in.Service
	}
	return AuditInput{
		RequestID:  UnauthenticatedRequestID(info.WorkflowExecution.RunID), // never the input's
		At:         info.WorkflowStartTime,
		Comune:     comune,
		Service:    service,
		Outcome:    OutcomeDenied,
		HTTPStatus: res.HTTPStatus,
		ErrorCode:  res.ErrorCode,
		Reason:     ReasonUnauthenticated,
		DurationMS: now.Sub(info.WorkflowStartTime).Milliseconds(),
	}
}
