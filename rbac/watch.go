package rbac

import (
	"context"
	"fmt"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// WatchInterval is how often Watch polls the policy version: well inside the 1 s within which
// every replica must follow a change.
const WatchInterval = 250 * time.Millisecond

// Watch polls the policy version every WatchInterval and reloads when another replica (or a
// CLI) changed the policy, until ctx ends. Errors (database unreachable) are passed to onError
// when given and retried at the next tick. Run it in its own goroutine on every replica.
func (a *Authorizer) Watch(ctx context.Context, onError ...func(error)) error {
	t := time.NewTicker(WatchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if _, err := a.Refresh(ctx); err != nil && ctx.Err() == nil {
			for _, f := range onError {
				f(err)
			}
		}
	}
}

// Refresh reloads when the stored policy version differs from the one in memory, and reports
// whether it did.
func (a *Authorizer) Refresh(ctx context.Context) (bool, error) {
	v, err := store.PolicyVersion(ctx, a.db.DB)
	if err != nil {
		return false, fmt.Errorf("rbac: refresh: %w", err)
	}
	a.writeMu.Lock()
	current := a.version
	a.writeMu.Unlock()
	if v == current {
		return false, nil
	}
	if err := a.Reload(ctx); err != nil {
		return false, err
	}
	return true, nil
}
