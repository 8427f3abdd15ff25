package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

func TestRequestClaims(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := store.RequestClaims{DB: db.DB}
		t0 := time.Date(2027, 3, 28, 0, 59, 30, 0, time.UTC)
		steps := []struct {
			name, id, run string
			at            time.Time
			want          bool
		}{
			{"first run claims", "rq-h501-a", "run-1", t0, true},
			{"same run again (retried activity)", "rq-h501-a", "run-1", t0.Add(time.Second), true},
			{"another run: a replay", "rq-h501-a", "run-2", t0.Add(2 * time.Second), false},
			{"another request", "rq-h501-b", "run-2", t0.Add(3 * time.Second), true},
		}
		for _, s := range steps {
			got, err := c.Claim(ctx, s.id, s.run, s.at)
			mustNoErr(t, err)
			if got != s.want {
				t.Fatalf("%s: Claim = %v, want %v", s.name, got, s.want)
			}
		}
		for id, want := range map[string]string{"rq-h501-a": "run-1", "rq-h501-z": ""} {
			got, err := c.HeldBy(ctx, id)
			mustNoErr(t, err)
			if got != want {
				t.Fatalf("HeldBy(%s) = %q, want %q", id, got, want)
			}
		}
		if _, err := c.Claim(ctx, "", "run-1", t0); err == nil {
			t.Fatal("empty request id accepted")
		}
		n, err := c.PurgeBefore(ctx, t0.Add(2*time.Second))
		mustNoErr(t, err)
		if n != 1 {
			t.Fatalf("purged %d, want 1 (rq-h501-a)", n)
		}
		// Once purged (long after every deadline), the id is free again.
		ok, err := c.Claim(ctx, "rq-h501-a", "run-3", t0.Add(time.Hour))
		mustNoErr(t, err)
		if !ok {
			t.Fatal("purged id still held")
		}
	})
}

// TestRequestClaimsRace: of runs racing for one id, exactly one wins.
func TestRequestClaimsRace(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		c := store.RequestClaims{DB: db.DB}
		var wg sync.WaitGroup
		wins := make(chan string, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run := string(rune('a' + i))
				ok, err := c.Claim(context.Background(), "rq-race", run, time.Now())
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins <- run
				}
			}()
		}
		wg.Wait()
		close(wins)
		if n := len(wins); n != 1 {
			t.Fatalf("%d runs claimed the id, want 1", n)
		}
	})
}

// TestRequestCalled: only the holding run marks its call, and reads it back after a crash.
func TestRequestCalled(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := store.RequestClaims{DB: db.DB}
		t0 := time.Date(2027, 3, 28, 0, 59, 30, 0, time.UTC)
		st, err := c.ClaimState(ctx, "rq-h501-c", "run-1", t0)
		mustNoErr(t, err)
		if st != store.ClaimNew {
			t.Fatalf("first claim: %v", st)
		}
		op, err := c.CalledOperation(ctx, "rq-h501-c", "run-1")
		mustNoErr(t, err)
		if op != "" {
			t.Fatalf("no call yet, got %q", op)
		}
		mustNoErr(t, c.MarkCalled(ctx, "rq-h501-c", "run-2", "999", t0)) // not the holder: no effect
		mustNoErr(t, c.MarkCalled(ctx, "rq-h501-c", "run-1", "2027032800593000012345678901", t0))
		st, err = c.ClaimState(ctx, "rq-h501-c", "run-1", t0.Add(time.Minute))
		mustNoErr(t, err)
		if st != store.ClaimHeld {
			t.Fatalf("same run again: %v", st)
		}
		for run, want := range map[string]string{"run-1": "2027032800593000012345678901", "run-2": ""} {
			op, err := c.CalledOperation(ctx, "rq-h501-c", run)
			mustNoErr(t, err)
			if op != want {
				t.Fatalf("CalledOperation(%s) = %q, want %q", run, op, want)
			}
		}
	})
}
