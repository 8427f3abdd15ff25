//go:build clockshift

package clock_test

import (
	"os"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/clock"
)

// TestShiftApplies guards the shifted runs of `make test`: were the shift silently ignored,
// they would prove nothing.
func TestShiftApplies(t *testing.T) {
	shift, at := os.Getenv("VARCO_CLOCK_SHIFT"), os.Getenv("VARCO_CLOCK_AT")
	if shift == "" && at == "" {
		if clock.Shifted() {
			t.Fatal("shifted without a setting")
		}
		return
	}
	if !clock.Shifted() {
		t.Fatalf("VARCO_CLOCK_SHIFT=%q VARCO_CLOCK_AT=%q but the clock is not shifted", shift, at)
	}
	got := clock.System()
	if at != "" {
		want, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		if d := got.Sub(want); d < 0 || d > 10*time.Minute {
			t.Fatalf("System() = %v, want shortly after %v", got, want)
		}
		return
	}
	d, err := time.ParseDuration(shift)
	if err != nil {
		t.Fatal(err)
	}
	if off := got.Sub(time.Now()); off < d-time.Minute || off > d+time.Minute {
		t.Fatalf("System() is %v from now, want %v", off, d)
	}
}
