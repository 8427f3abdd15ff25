package activities

import (
	"context"

	"github.com/varco-anpr/varco/workflows"
)

// WriteAudit commits the request's audit record through the audit's writer (auditlog.Writer),
// which is idempotent by request ID, so the workflow may retry it until it is committed
// without ever writing two records. When a record is already there (a run retried after a
// crash wrote it first), it is never overwritten: its story is returned, and the workflow
// answers with it, so the client and the record agree.
func (a *Activities) WriteAudit(ctx context.Context, in workflows.AuditInput) (workflows.AuditWritten, error) {
	rec, err := a.Audit.Write(ctx, in)
	if err != nil || rec == nil {
		return workflows.AuditWritten{}, err
	}
	return workflows.AuditWritten{Existing: &workflows.AuditStory{
		Outcome: rec.Outcome, HTTPStatus: rec.HTTPStatus, ErrorCode: rec.ErrorCode, Reason: rec.Reason,
		IDOperazioneANPR: rec.IDOperazioneANPR,
	}}, nil
}
