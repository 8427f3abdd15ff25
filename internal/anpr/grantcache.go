package anpr

import (
	"context"
	"sync"
	"time"

	"github.com/varco-anpr/varco/internal/clock"
)

// fetchTimeout bounds a voucher fetch that no caller waits for any more (see run).
const fetchTimeout = 30 * time.Second

// grant is a TrackingEvidence and the voucher bound to it by digest: they are only valid
// together, so they are cached together.
type grant struct {
	trackingEvidence string
	voucher          string
	voucherJTI       string
	validUntil       time.Time // min(TE exp, voucher exp) minus the safety margin
}

// grantKey is everything a grant binds: the TE claims (client, kid, purpose, audience,
// operator) and where the voucher came from. A different operator must get its own TE.
type grantKey struct {
	clientID, kid, purposeID, service, audience string
	tokenURL, assertionAudience                 string
	userID, userLocation, loa                   string
}

// grantCache is an in-memory, concurrency-safe cache with single-flight fetching: N
// concurrent calls for the same key cause one token request. Grants are bearer secrets,
// so they live only here, never on disk or in logs.
type grantCache struct {
	now      clock.Clock // the Client's clock, so tests can expire grants
	mu       sync.Mutex
	entries  map[grantKey]grant
	inflight map[grantKey]*flight
}

type flight struct {
	done chan struct{}
	g    grant
	err  error
}

func newGrantCache(now clock.Clock) *grantCache {
	return &grantCache{now: now, entries: map[grantKey]grant{}, inflight: map[grantKey]*flight{}}
}

type fetchFunc func(context.Context) (grant, error)

// get returns a fresh cached grant or joins/starts the one fetch for k. The caller stops
// waiting when ctx ends, but the fetch goes on for the others (bounded by fetchTimeout).
func (c *grantCache) get(ctx context.Context, k grantKey, fetch fetchFunc) (grant, error) {
	now := c.now()
	c.mu.Lock()
	if g, ok := c.entries[k]; ok && now.Before(g.validUntil) {
		c.mu.Unlock()
		return g, nil
	}
	f, ok := c.inflight[k]
	if !ok {
		f = &flight{done: make(chan struct{})}
		c.inflight[k] = f
		go c.run(ctx, k, f, fetch)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.g, f.err
	case <-ctx.Done():
		return grant{}, ctx.Err()
	}
}

// run performs one fetch detached from the starter's cancellation, so one impatient caller
// does not fail every other waiter. Failures are not cached: the next call retries.
func (c *grantCache) run(ctx context.Context, k grantKey, f *flight, fetch fetchFunc) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	g, err := fetch(fctx)
	c.mu.Lock()
	delete(c.inflight, k)
	if err == nil {
		c.sweepLocked(c.now())
		c.entries[k] = g
	}
	c.mu.Unlock()
	f.g, f.err = g, err
	close(f.done)
}

// sweepLocked drops expired grants so per-operator keys do not accumulate. It runs once per
// fetch (at most one per key every few minutes), so its linear cost is negligible.
func (c *grantCache) sweepLocked(now time.Time) {
	for k, g := range c.entries {
		if !now.Before(g.validUntil) {
			delete(c.entries, k)
		}
	}
}
