package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The audit's retention runs as a Temporal Schedule in the system namespace: once a day it
// removes, in every Comune, the records older than the Comune's retention period (after
// writing a signed checkpoint, so the chain stays verifiable) and records the purge.

// ActivityPurgeAudit is the activity that purges expired audit records.
const ActivityPurgeAudit = "PurgeExpiredAudit"

// RetentionScheduleID names the daily schedule.
const RetentionScheduleID = "varco-audit-retention"

// PurgeResult counts the records removed, per Comune.
type PurgeResult struct {
	Purged map[string]int `json:"purged"`
	// BatchResults counts the batch results purged (issue 16).
	BatchResults int `json:"batchResults,omitempty"`
}

// AuditRetention purges the expired audit records of every Comune.
func AuditRetention(ctx workflow.Context) (PurgeResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Minute,
			BackoffCoefficient: 2,
			MaximumAttempts:    5,
		},
	})
	var out PurgeResult
	err := workflow.ExecuteActivity(ctx, ActivityPurgeAudit, workflow.Now(ctx)).Get(ctx, &out)
	return out, err
}
