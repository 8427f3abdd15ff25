//go:build clockshift

package clock

import (
	"fmt"
	"os"
	"time"
)

// In test builds with the clockshift tag, System runs shifted, as set by the environment:
//
//	VARCO_CLOCK_SHIFT=8760h             now plus a year (any Go duration, may be negative)
//	VARCO_CLOCK_AT=2027-03-28T00:59:30Z  starts at that instant when the process starts
//
// `make test` runs the packages that decide by time once a year ahead and once across the
// spring DST change of Europe/Rome. A production binary is never built with this tag.
var offset = loadOffset(time.Now())

func loadOffset(start time.Time) time.Duration {
	if at := os.Getenv("VARCO_CLOCK_AT"); at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			panic(fmt.Sprintf("clock: VARCO_CLOCK_AT: %v", err))
		}
		return t.Sub(start)
	}
	if s := os.Getenv("VARCO_CLOCK_SHIFT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			panic(fmt.Sprintf("clock: VARCO_CLOCK_SHIFT: %v", err))
		}
		return d
	}
	return 0
}

// System is the machine's clock moved by the configured offset.
func System() time.Time { return time.Now().Add(offset) }

// Shifted reports whether System is shifted.
func Shifted() bool { return offset != 0 }
