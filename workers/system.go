package workers

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/workflows"
)

// NewSystem returns the worker of the system namespace, which runs Varco's own schedules
// (the audit retention).
func NewSystem(c client.Client, acts *activities.Activities) worker.Worker {
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.AuditRetention)
	w.RegisterActivityWithOptions(acts.PurgeExpiredAudit, activity.RegisterOptions{Name: workflows.ActivityPurgeAudit})
	return w
}

// EnsureRetentionSchedule creates the daily audit retention schedule (02:30 Europe/Rome) in
// the client's namespace, unless it exists.
func EnsureRetentionSchedule(ctx context.Context, c client.Client) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: workflows.RetentionScheduleID,
		Spec: client.ScheduleSpec{
			Calendars:    []client.ScheduleCalendarSpec{{Hour: []client.ScheduleRange{{Start: 2}}, Minute: []client.ScheduleRange{{Start: 30}}}},
			TimeZoneName: "Europe/Rome",
		},
		Action: &client.ScheduleWorkflowAction{
			ID:        "audit-retention",
			Workflow:  workflows.AuditRetention,
			TaskQueue: workflows.TaskQueue,
		},
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return nil
	}
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create retention schedule: %w", err)
	}
	return nil
}
