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
			name, id, run, op string
			at                time.Time
			want              bool
		}{
			{"first call of a run", "rq-h501-a", "run-1", "op-01", t0, true},
			{"the same run again (a retried attempt)", "rq-h501-a", "run-1", "op-02", t0.Add(time.Second), true},
			{"another run: a replay", "rq-h501-a", "run-2", "op-01", t0.Add(2 * time.Second), false},
			{"another request", "rq-h501-b", "run-2", "op-09", t0.Add(3 * time.Second), true},
		}
		for _, s := range steps {
			got, err := c.ClaimCall(ctx, s.id, s.run, s.op, s.at)
			mustNoErr(t, err)
			if got != s.want {
				t.Fatalf("%s: ClaimCall = %v, want %v", s.name, got, s.want)
			}
		}
		for id, want := range map[string]store.Claim{
			"rq-h501-a": {RunID: "run-1", OperationID: "op-02"}, // the replay changed nothing
			"rq-h501-z": {},
		} {
			got, err := c.Get(ctx, id)
			mustNoErr(t, err)
			if got != want {
				t.Fatalf("Get(%s) = %+v, want %+v", id, got, want)
			}
		}
		if _, err := c.ClaimCall(ctx, "", "run-1", "op", t0); err == nil {
			t.Fatal("empty request id accepted")
		}
		n, err := c.PurgeBefore(ctx, t0.Add(2*time.Second))
		mustNoErr(t, err)
		if n != 1 {
			t.Fatalf("purged %d, want 1 (rq-h501-a)", n)
		}
		ok, err := c.ClaimCall(ctx, "rq-h501-a", "run-3", "op-01", t0.Add(time.Hour))
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
				ok, err := c.ClaimCall(context.Background(), "rq-race", run, "op", time.Now())
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
