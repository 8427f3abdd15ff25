package anpr

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNextRomeMidnight(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"winter morning", "2026-01-05T10:30:15Z", "2026-01-06T00:00:00+01:00"},
		{"after midnight Rome, still yesterday UTC", "2026-01-05T23:30:00Z", "2026-01-07T00:00:00+01:00"},
		{"exactly midnight is the start of a day", "2026-01-06T00:00:00+01:00", "2026-01-07T00:00:00+01:00"},
		{"last instant of the day", "2026-01-06T23:59:59.999+01:00", "2026-01-07T00:00:00+01:00"},
		{"summer", "2026-07-01T21:59:00Z", "2026-07-02T00:00:00+02:00"},
		{"summer, just past midnight Rome", "2026-07-01T22:00:00Z", "2026-07-03T00:00:00+02:00"},
		{"eve of spring DST", "2026-03-28T12:00:00+01:00", "2026-03-29T00:00:00+01:00"},
		{"spring DST day (23h)", "2026-03-29T01:30:00+01:00", "2026-03-30T00:00:00+02:00"},
		{"spring DST day after the jump", "2026-03-29T10:00:00Z", "2026-03-30T00:00:00+02:00"},
		{"autumn DST day (25h), before", "2026-10-25T00:30:00+02:00", "2026-10-26T00:00:00+01:00"},
		{"autumn DST day, repeated hour", "2026-10-25T02:30:00+01:00", "2026-10-26T00:00:00+01:00"},
		{"new year", "2026-12-31T23:00:00Z", "2027-01-02T00:00:00+01:00"},
		{"other zone input", "2026-01-05T18:00:00-05:00", "2026-01-07T00:00:00+01:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, err := time.Parse(time.RFC3339Nano, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := NextRomeMidnight(in)
			if got.Format(time.RFC3339) != tc.want || got.Location().String() != "Europe/Rome" {
				t.Errorf("NextRomeMidnight(%s) = %s (%s), want %s", tc.in, got.Format(time.RFC3339), got.Location(), tc.want)
			}
			if !got.After(in) || got.Sub(in) > 25*time.Hour {
				t.Errorf("%s is not within the next Rome day of %s", got, in)
			}
		})
	}
}

// quota429 answers like GovWay when the PDND daily threshold is gone (docs/anpr.md §2.3).
var quota429 = replyGovWay(429, "LimitExceeded", "Limit exceeded detected")

// TestQuotaPause: after a 429 LimitExceeded, the (client, purpose) pair gets no network call
// at all until the next Rome midnight, whatever day of the year it is.
func TestQuotaPause(t *testing.T) {
	cases := []struct {
		name        string
		start       time.Time // clock at the 429
		until       string    // the pause end announced
		reply       func(http.ResponseWriter, *http.Request, received)
		wantCode    string
		wantResumes time.Time
	}{
		{"winter", testStart, "2026-01-06T00:00:00+01:00", quota429, "LimitExceeded",
			time.Date(2026, 1, 5, 23, 0, 0, 0, time.UTC)},
		{"429 without a body pauses too", testStart, "2026-01-06T00:00:00+01:00",
			replyRaw(429, "text/html", "<html>quota</html>"), "", time.Date(2026, 1, 5, 23, 0, 0, 0, time.UTC)},
		{"just after Rome midnight", time.Date(2026, 1, 5, 23, 30, 0, 0, time.UTC), "2026-01-07T00:00:00+01:00",
			quota429, "LimitExceeded", time.Date(2026, 1, 6, 23, 0, 0, 0, time.UTC)},
		{"spring DST day", time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC), "2026-03-30T00:00:00+02:00",
			quota429, "LimitExceeded", time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC)},
		{"eve of spring DST", time.Date(2026, 3, 28, 20, 0, 0, 0, time.UTC), "2026-03-29T00:00:00+01:00",
			quota429, "LimitExceeded", time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC)},
		{"autumn DST day", time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC), "2026-10-26T00:00:00+01:00",
			quota429, "LimitExceeded", time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.clock.Set(tc.start)
			f.set(func(f *fake) { f.anprReply = tc.reply })
			c := f.client(Options{})
			ctx, p := context.Background(), f.profile()

			_, err := c.Call(ctx, p, testOperator, testRequest("C020"))
			if e, ok := AsError(err); !ok || e.Kind != KindQuotaExhausted || e.Code != tc.wantCode || e.HTTPStatus != 429 {
				t.Fatalf("first call: want a 429 quota error, got %v", err)
			}
			f.set(func(f *fake) { f.anprReply = nil }) // ANPR would answer now: the client must not ask
			tokens, calls := f.tokenCalls.Load(), f.anprCalls.Load()

			f.clock.Set(tc.wantResumes.Add(-time.Second))
			_, err = c.Call(ctx, p, testOperator, testRequest("C020"))
			e, ok := AsError(err)
			if !ok || e.Kind != KindQuotaExhausted || e.Retryable() || !errors.Is(err, ErrQuotaPaused) ||
				e.HTTPStatus != 0 || e.Message != "ANPR daily quota exhausted; calls paused until "+tc.until {
				t.Fatalf("paused call: got %v", err)
			}
			if f.tokenCalls.Load() != tokens || f.anprCalls.Load() != calls {
				t.Errorf("paused call reached the network: token %d→%d, anpr %d→%d",
					tokens, f.tokenCalls.Load(), calls, f.anprCalls.Load())
			}
			// Another purpose of the same Comune (another e-service) is not paused.
			if _, err := c.Call(ctx, p, testOperator, testRequest("C030")); err != nil {
				t.Errorf("other purpose: %v", err)
			}
			calls = f.anprCalls.Load()
			f.clock.Set(tc.wantResumes)
			if _, err := c.Call(ctx, p, testOperator, testRequest("C020")); err != nil {
				t.Fatalf("after midnight: %v", err)
			}
			if f.anprCalls.Load() != calls+1 {
				t.Errorf("after midnight the call did not reach ANPR")
			}
		})
	}
}

func TestQuotaTooManyRequestsDoesNotPause(t *testing.T) {
	f := newFake(t)
	f.set(func(f *fake) { f.anprReply = replyGovWay(429, "TooManyRequests", "Too many requests detected") })
	c := f.client(Options{})
	if _, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err == nil {
		t.Fatal("want an error")
	}
	f.set(func(f *fake) { f.anprReply = nil })
	if _, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err != nil {
		t.Errorf("after TooManyRequests: %v", err)
	}
}

// Two Clients sharing a PauseStore stand for two replicas: one 429 pauses both.
func TestQuotaPauseSharedStore(t *testing.T) {
	f := newFake(t)
	store := NewMemoryPauses()
	a, b := f.client(Options{Pauses: store}), f.client(Options{Pauses: store})
	f.set(func(f *fake) { f.anprReply = quota429 })
	if _, err := a.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err == nil {
		t.Fatal("want 429")
	}
	calls := f.anprCalls.Load()
	_, err := b.Call(context.Background(), f.profile(), testOperator, testRequest("C020"))
	if !errors.Is(err, ErrQuotaPaused) || f.anprCalls.Load() != calls {
		t.Errorf("replica b: %v (anpr calls %d→%d)", err, calls, f.anprCalls.Load())
	}
	until, _ := store.PausedUntil(context.Background(), pauseKey(testClientID, "purpose-C020"))
	if !until.Equal(time.Date(2026, 1, 5, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("stored pause %s", until)
	}
}

// failingPauses is a shared store that is down.
type failingPauses struct{ pauses int }

func (s *failingPauses) PausedUntil(context.Context, string) (time.Time, error) {
	return time.Time{}, errors.New("store down")
}
func (s *failingPauses) Pause(context.Context, string, time.Time) error {
	s.pauses++
	return errors.New("store down")
}

// A store outage must not become an ANPR outage: calls go on, the 429 is still reported.
func TestQuotaPauseStoreDownFailsOpen(t *testing.T) {
	f := newFake(t)
	store := &failingPauses{}
	logs := &syncBuffer{}
	c := f.client(Options{Pauses: store, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if _, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020")); err != nil {
		t.Fatalf("store down blocked the call: %v", err)
	}
	f.set(func(f *fake) { f.anprReply = quota429 })
	_, err := c.Call(context.Background(), f.profile(), testOperator, testRequest("C020"))
	if e, ok := AsError(err); !ok || e.Kind != KindQuotaExhausted || store.pauses != 1 {
		t.Errorf("429 with store down: %v (pauses %d)", err, store.pauses)
	}
	if !strings.Contains(logs.String(), "cannot record the quota pause") {
		t.Errorf("log lacks the store failure: %s", logs.String())
	}
}

func TestMemoryPausesNeverShortens(t *testing.T) {
	s, ctx := NewMemoryPauses(), context.Background()
	later := time.Date(2026, 1, 7, 0, 0, 0, 0, rome)
	_ = s.Pause(ctx, "k", later)
	_ = s.Pause(ctx, "k", later.Add(-24*time.Hour))
	if got, _ := s.PausedUntil(ctx, "k"); !got.Equal(later) {
		t.Errorf("pause shortened to %s", got)
	}
	if got, _ := s.PausedUntil(ctx, "other"); !got.IsZero() {
		t.Errorf("unknown key paused until %s", got)
	}
}

// countingPauses is a shared PauseStore that counts its reads.
type countingPauses struct {
	*MemoryPauses
	reads atomic.Int64
}

func (c *countingPauses) PausedUntil(ctx context.Context, key string) (time.Time, error) {
	c.reads.Add(1)
	return c.MemoryPauses.PausedUntil(ctx, key)
}

// TestCachedPausesAcrossReplicas: two replicas, each with its own cache over one shared store.
// A 429 on replica a pauses a at once; replica b, which read the store just before, stops
// calling once its cache is older than Every; calls in between do not read the store.
func TestCachedPausesAcrossReplicas(t *testing.T) {
	f := newFake(t)
	shared := &countingPauses{MemoryPauses: NewMemoryPauses()}
	const every = time.Second
	cacheA := NewCachedPauses(shared, every, f.clock.Now)
	cacheB := NewCachedPauses(shared, every, f.clock.Now)
	a, b := f.client(Options{Pauses: cacheA}), f.client(Options{Pauses: cacheB})
	ctx, p := context.Background(), f.profile()

	if _, err := b.Call(ctx, p, testOperator, testRequest("C020")); err != nil {
		t.Fatalf("b before any 429: %v", err)
	}
	for range 5 {
		if _, err := b.Call(ctx, p, testOperator, testRequest("C020")); err != nil {
			t.Fatal(err)
		}
	}
	if n := shared.reads.Load(); n != 1 {
		t.Fatalf("six calls within %v read the shared store %d times, want 1", every, n)
	}

	f.set(func(f *fake) { f.anprReply = quota429 })
	if _, err := a.Call(ctx, p, testOperator, testRequest("C020")); err == nil {
		t.Fatal("a: want a 429")
	}
	f.set(func(f *fake) { f.anprReply = nil })
	calls := f.anprCalls.Load()
	if _, err := a.Call(ctx, p, testOperator, testRequest("C020")); !errors.Is(err, ErrQuotaPaused) {
		t.Fatalf("a after its own 429: %v", err)
	}
	f.clock.Set(f.clock.Now().Add(every))
	if _, err := b.Call(ctx, p, testOperator, testRequest("C020")); !errors.Is(err, ErrQuotaPaused) {
		t.Fatalf("b one interval after a's 429: %v", err)
	}
	if f.anprCalls.Load() != calls {
		t.Fatalf("paused calls reached ANPR: %d → %d", calls, f.anprCalls.Load())
	}
	// Paused until midnight: b rereads the store once per interval, no more, and stays paused.
	reads := shared.reads.Load()
	f.clock.Set(f.clock.Now().Add(time.Hour))
	for range 3 {
		if _, err := b.Call(ctx, p, testOperator, testRequest("C020")); !errors.Is(err, ErrQuotaPaused) {
			t.Fatalf("b an hour later: %v", err)
		}
	}
	if n := shared.reads.Load(); n != reads+1 {
		t.Fatalf("three paused calls within %v read the store %d times, want 1", every, n-reads)
	}
	// The TEST environment's reset clears the shared store: both replicas call again within
	// one interval, without waiting for midnight.
	shared.mu.Lock()
	clear(shared.until)
	shared.mu.Unlock()
	f.clock.Set(f.clock.Now().Add(every))
	for name, c := range map[string]*Client{"a": a, "b": b} {
		if _, err := c.Call(ctx, p, testOperator, testRequest("C020")); err != nil {
			t.Fatalf("%s after the pause was cleared: %v", name, err)
		}
	}
}
