//go:build !clockshift

package clock

import "time"

// System is the machine's clock. Tests built with the clockshift tag read a shifted one
// instead (shift.go): that is how `make test` proves the suite does not depend on today.
func System() time.Time { return time.Now() }

// Shifted reports whether System is shifted (only in builds with the clockshift tag).
func Shifted() bool { return false }
