package anpr

import (
	"regexp"
	"sync"
	"testing"
	"time"
)

var opIDPattern = regexp.MustCompile(`^[0-9]{27}$`)

func TestOpIDUniqueAndIncreasingUnderConcurrency(t *testing.T) {
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	out := make([][]string, workers)
	for w := range workers {
		wg.Go(func() {
			for range each {
				out[w] = append(out[w], opIDs.next(time.Now()))
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for w, ids := range out {
		for i, id := range ids {
			if !opIDPattern.MatchString(id) || len(id) > maxOpIDLen {
				t.Fatalf("bad id %q", id)
			}
			if seen[id] {
				t.Fatalf("duplicate id %q", id)
			}
			seen[id] = true
			if i > 0 && id <= ids[i-1] {
				t.Fatalf("worker %d: %q not after %q", w, id, ids[i-1])
			}
		}
	}
}

func TestOpIDClockStallsAndStepsBack(t *testing.T) {
	g := newOpIDGenerator()
	t0 := time.Date(2026, 1, 5, 10, 30, 15, 123_000_000, time.UTC)
	times := []time.Time{t0, t0, t0, t0.Add(-time.Hour), t0.Add(time.Millisecond), t0.Add(time.Millisecond)}
	prev := ""
	for i, now := range times {
		id := g.next(now)
		if id <= prev {
			t.Fatalf("step %d: %q not after %q", i, id, prev)
		}
		prev = id
	}
	if first := g.next(t0.Add(time.Hour)); first[:17] != "20260105113015123" {
		t.Errorf("timestamp prefix of %q", first)
	}
}

func TestOpIDCounterOverflowStaysIncreasing(t *testing.T) {
	g := newOpIDGenerator()
	now := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	g.next(now)
	g.seq = opIDSeqMax
	a := g.next(now)
	b := g.next(now)
	if b <= a || len(b) != 27 {
		t.Errorf("overflow: %q then %q", a, b)
	}
}
