package anpr

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/varco-anpr/varco/internal/clock"
)

// ErrQuotaPaused is the cause of a KindQuotaExhausted refusal made locally, without any
// network call, because the pair is paused after an earlier 429 LimitExceeded.
var ErrQuotaPaused = errors.New("no request sent: PDND client and purpose paused after a 429 LimitExceeded")

// pauseStoreTimeout bounds recording a pause in a (possibly remote) store after the caller
// may already have stopped waiting.
const pauseStoreTimeout = 5 * time.Second

// PauseStore remembers until when a (PDND client id, purposeId) pair — a Comune and one of
// its e-services — must not call ANPR. Keys are opaque to the store; implementations must be
// safe for concurrent use. A store shared by the replicas (a database, Redis…) makes one 429
// pause every replica.
type PauseStore interface {
	// PausedUntil returns the end of key's pause; the zero time (or any past time) means
	// not paused.
	PausedUntil(ctx context.Context, key string) (time.Time, error)
	// Pause pauses key until until. A store must never shorten an existing pause.
	Pause(ctx context.Context, key string, until time.Time) error
}

// MemoryPauses is the in-process PauseStore. Its keys are bounded by the configured (client,
// purpose) pairs, so expired entries are simply overwritten, never swept.
type MemoryPauses struct {
	mu    sync.RWMutex
	until map[string]time.Time
}

// NewMemoryPauses returns an empty in-memory PauseStore.
func NewMemoryPauses() *MemoryPauses {
	return &MemoryPauses{until: map[string]time.Time{}}
}

// PausedUntil is a read-locked map lookup: it runs on every Call.
func (m *MemoryPauses) PausedUntil(_ context.Context, key string) (time.Time, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.until[key], nil
}

// Pause keeps the later of the existing and the new end, so a late 429 answer of a call
// started before midnight cannot shorten a pause set after it.
func (m *MemoryPauses) Pause(_ context.Context, key string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if until.After(m.until[key]) {
		m.until[key] = until
	}
	return nil
}

// pauseKey is "<client id>/<purposeId>": PDND counts quotas per consumer client and purpose,
// and a purpose belongs to one e-service (docs/anpr.md §6).
func pauseKey(clientID, purposeID string) string { return clientID + "/" + purposeID }

// rome is Europe/Rome, PDND's quota day.
var rome = clock.Rome()

// NextRomeMidnight returns the first midnight in Europe/Rome strictly after t, in that zone:
// when PDND's daily quota window (00:00–23:59:59.999 Rome) restarts. DST changes in Italy
// happen at 02:00/03:00, so the midnight always exists and days last 23, 24 or 25 hours.
func NextRomeMidnight(t time.Time) time.Time {
	y, m, d := t.In(rome).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, rome)
}

// checkPause refuses the call if key is paused. A failing store does not block calls: the
// worst case is one more 429, which pauses the pair again, while refusing would turn a
// store outage into an ANPR outage.
func (c *Client) checkPause(ctx context.Context, key string, trace Trace) *Error {
	until, err := c.pauses.PausedUntil(ctx, key)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "anpr: quota pause store unreadable; calling anyway",
			slog.String("error", err.Error()))
		return nil
	}
	if !c.now().Before(until) {
		return nil
	}
	return &Error{Kind: KindQuotaExhausted,
		Message: "ANPR daily quota exhausted; calls paused until " + until.In(rome).Format(time.RFC3339),
		Trace:   trace, Err: ErrQuotaPaused}
}

// notePause pauses key until the next Rome midnight when ANPR answered that the daily quota
// is gone (429 classified KindQuotaExhausted: LimitExceeded, or a 429 without a usable body,
// which docs/anpr.md §6 says to treat the same way). TooManyRequests is KindUnavailable and does
// not pause.
func (c *Client) notePause(ctx context.Context, service, key string, e *Error) {
	if e.Kind != KindQuotaExhausted || e.HTTPStatus != http.StatusTooManyRequests {
		return
	}
	until := NextRomeMidnight(c.now())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), pauseStoreTimeout)
	defer cancel()
	if err := c.pauses.Pause(sctx, key, until); err != nil {
		c.log.LogAttrs(ctx, slog.LevelError, "anpr: cannot record the quota pause",
			slog.String("service", service), slog.String("error", err.Error()))
		return
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "anpr: daily quota exhausted; pausing calls",
		slog.String("service", service), slog.Time("until", until))
}

// CachedPauses fronts a PauseStore shared by the replicas (the database) with this process's
// memory, so a call does not cost a read of the shared store: the shared store is read at most
// once per key every Every, and a pause made here counts at once. A pause set by another
// replica therefore stops this one's calls within Every, and a pause cleared in the shared
// store (the TEST environment's reset) ends on every replica within Every too: the shared
// store is the truth, this process's memory only spares reads.
type CachedPauses struct {
	shared PauseStore
	every  time.Duration
	now    func() time.Time

	mu      sync.Mutex
	until   map[string]time.Time // latest pause end known here
	checked map[string]time.Time // when the shared store was last read for the key
}

// NewCachedPauses returns a cache over shared that rereads a key after every; now is the
// clock (nil: the system clock).
func NewCachedPauses(shared PauseStore, every time.Duration, now clock.Clock) *CachedPauses {
	if now == nil {
		now = clock.System
	}
	return &CachedPauses{shared: shared, every: every, now: now,
		until: map[string]time.Time{}, checked: map[string]time.Time{}}
}

// PausedUntil answers from memory while a pause known here lasts or the key was read less
// than Every ago; otherwise it reads the shared store.
func (c *CachedPauses) PausedUntil(ctx context.Context, key string) (time.Time, error) {
	now := c.now()
	c.mu.Lock()
	until, last := c.until[key], c.checked[key]
	c.mu.Unlock()
	if !last.IsZero() && now.Sub(last) < c.every {
		return until, nil
	}
	shared, err := c.shared.PausedUntil(ctx, key)
	if err != nil {
		return until, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checked[key] = now
	c.until[key] = shared
	return shared, nil
}

// Pause records the pause here at once and in the shared store.
func (c *CachedPauses) Pause(ctx context.Context, key string, until time.Time) error {
	c.mu.Lock()
	if until.After(c.until[key]) {
		c.until[key] = until
	}
	c.mu.Unlock()
	return c.shared.Pause(ctx, key, until)
}
