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
	if p, ok := a.Claims.(claimPurger); ok {
		if _, err := p.PurgeBefore(ctx, now.Add(-claimsKept)); err != nil {
			return workflows.PurgeResult{}, fmt.Errorf("purge request claims: %w", err)
		}
	}
	out := workflows.PurgeResult{Purged: purged}
	if a.Batch != nil {
		if p, ok := a.Batch.Store.(batchPurger); ok {
			// Batch results past their retention go; the batches' audit records stay.
			if out.BatchResults, err = p.PurgeExpired(ctx, now); err != nil {
				return workflows.PurgeResult{}, fmt.Errorf("purge batch results: %w", err)
			}
		}
	}
	return out, nil
}

type batchPurger interface {
	PurgeExpired(ctx context.Context, now time.Time) (int, error)
}

// claimsKept is how long a request id stays claimed: far past any request's deadline (at most
// five minutes), so a replay is refused as replayed, then as expired.
const claimsKept = 48 * time.Hour

type claimPurger interface {
	PurgeBefore(ctx context.Context, t time.Time) (int, error)
}
