package store

import (
	"time"

	"github.com/varco-anpr/varco/internal/clock"
)

// rome is where convenzioni are signed: their validity days are Italian calendar days.
var rome = clock.Rome()

// Rome returns the Europe/Rome location.
func Rome() *time.Location { return rome }

// Day returns the calendar day of t in Europe/Rome, as midnight UTC of that date. Convenzione
// dates are stored in this form, so days compare equal in both dialects whatever the
// location of the time the caller holds.
func Day(t time.Time) time.Time {
	y, m, d := t.In(rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// now is the creation time stamped on new rows: UTC, truncated to the microsecond that both
// databases keep, so a value read back equals the one written (the audit cursor relies on it).
func now() time.Time { return stamp(time.Time{}) }

// Stamp is how a creation time is stored: UTC, to the microsecond, the current time when t is
// zero. A writer that hashes a row's time (auditlog) stamps it first, so the hash and the
// stored value agree.
func Stamp(t time.Time) time.Time { return stamp(t) }

// stamp normalises t as now does, taking the current time when t is zero.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		t = clock.System()
	}
	return t.UTC().Truncate(time.Microsecond)
}
