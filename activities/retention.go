package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/varco-anpr/varco/workflows"
)

// Purger removes expired audit records (internal/auditlog, wired in cmd/varco).
type Purger interface {
	PurgeExpired(ctx context.Context, now time.Time) (map[string]int, error)
}

// PurgeExpiredAudit runs the daily retention. It is idempotent: a retry purges what is still
// expired, which is nothing once the first attempt committed.
func (a *Activities) PurgeExpiredAudit(ctx context.Context, now time.Time) (workflows.PurgeResult, error) {
	if a.Retention == nil {
		return workflows.PurgeResult{}, fmt.Errorf("purge audit: no purger configured")
	}
	purged, err := a.Retention.PurgeExpired(ctx, now)
	if err != nil {
		return workflows.PurgeResult{}, fmt.Errorf("purge audit: %w", err)
	}
	return workflows.PurgeResult{Purged: purged}, nil
}
