package loadgen

import (
	"errors"
	"sync/atomic"
	"testing"
)

func TestRunCallsEachOnceAndFailsOnAnError(t *testing.T) {
	var calls atomic.Int64
	r, err := Run(100, 8, func() error { calls.Add(1); return nil })
	if err != nil || calls.Load() != 100 || r.RPS <= 0 || r.P99 < r.P50 {
		t.Fatalf("Run: %+v, %v, %d calls", r, err, calls.Load())
	}
	calls.Store(0)
	_, err = Run(10, 2, func() error {
		if calls.Add(1) == 3 {
			return errors.New("boom")
		}
		return nil
	})
	if err == nil || calls.Load() != 10 {
		t.Fatalf("a failed call must fail the run after all calls: %v, %d calls", err, calls.Load())
	}
}
