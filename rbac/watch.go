package rbac

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// WatchInterval is how often Watch polls the policy version: well inside the 1 s within which
// every replica must follow a change.
const WatchInterval = 250 * time.Millisecond

// Watch polls the policy version every WatchInterval and reloads the Comuni another replica
// (or a CLI) changed, until ctx ends. Errors (database unreachable) are passed to onError
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

// Refresh brings the in-memory policies up to the stored policy version, reloading only the
// Comuni whose policy changed since the version held (one Comune at 10,000 users loads in
// tens of milliseconds), and reports whether it reloaded any.
func (a *Authorizer) Refresh(ctx context.Context) (bool, error) {
	v, err := store.PolicyVersion(ctx, a.db.DB)
	if err != nil {
		return false, fmt.Errorf("rbac: refresh: %w", err)
	}
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	if v == a.version {
		return false, nil
	}
	if a.version < 0 {
		return true, a.reloadLocked(ctx)
	}
	changed, err := store.PolicyDomainsChangedAfter(ctx, a.db.DB, a.version)
	if err != nil {
		return false, fmt.Errorf("rbac: refresh: %w", err)
	}
	changed = slices.DeleteFunc(changed, func(c string) bool { return !a.loaded(c) })
	fresh, err := loadDomains(ctx, a.db, changed)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	for comune, d := range fresh {
		a.policies[comune] = d
	}
	a.mu.Unlock()
	// v was read before the changed Comuni: a change committed since has a newer version and
	// is picked up at the next Refresh.
	a.version = v
	return len(fresh) > 0, nil
}
