package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

func TestAuditRetention(t *testing.T) {
	cases := []struct {
		name     string
		failures int
		wantErr  bool
	}{
		{"purges", 0, false},
		{"retried after a failure", 2, false},
		{"gives up after five attempts", 10, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s testsuite.WorkflowTestSuite
			s.SetLogger(log.NewStructuredLogger(discardLogger()))
			env := s.NewTestWorkflowEnvironment()
			calls := 0
			var seen time.Time
			env.RegisterActivityWithOptions(func(_ context.Context, now time.Time) (PurgeResult, error) {
				calls++
				seen = now
				if calls <= tc.failures {
					return PurgeResult{}, errors.New("database is locked")
				}
				return PurgeResult{Purged: map[string]int{"H501": 12}}, nil
			}, activity.RegisterOptions{Name: ActivityPurgeAudit})
			start := time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)
			env.SetStartTime(start)
			env.ExecuteWorkflow(AuditRetention)
			if tc.wantErr {
				if env.GetWorkflowError() == nil || calls != 5 {
					t.Fatalf("want failure after 5 attempts, got %d calls, err %v", calls, env.GetWorkflowError())
				}
				return
			}
			var res PurgeResult
			if err := env.GetWorkflowResult(&res); err != nil || res.Purged["H501"] != 12 {
				t.Fatalf("result %+v, %v", res, err)
			}
			if !seen.Equal(start) {
				t.Fatalf("the purge must use workflow time, got %v", seen)
			}
		})
	}
}
