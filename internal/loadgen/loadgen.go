// Package loadgen is the load of Varco's benchmarks: n calls from c workers, and what they
// measured. The embedded benchmarks (cmd/varco) and the stack's (deploy/stacktest) share it, so
// their figures are taken the same way and can be set side by side (docs/performance.md).
package loadgen

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what a run measured, in milliseconds and requests per second.
type Result struct {
	P50, P99, RPS float64
	Elapsed       time.Duration
}

// Run makes n calls of do from c concurrent workers. Any failed call fails the run: a
// benchmark's figure over failed requests would measure something else.
func Run(n, c int, do func() error) (Result, error) {
	lat := make([]time.Duration, n)
	var next, failed atomic.Int64
	var first atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				t0 := time.Now()
				if err := do(); err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err)
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		return Result{}, fmt.Errorf("%d of %d requests failed, first: %v", f, n, first.Load())
	}
	slices.Sort(lat)
	return Result{P50: Millis(lat[n/2]), P99: Millis(lat[(n*99)/100]), RPS: float64(n) / elapsed.Seconds(), Elapsed: elapsed}, nil
}

// Millis is d in milliseconds, to the microsecond.
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
