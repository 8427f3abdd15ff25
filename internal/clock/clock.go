// Package clock is Varco's one source of "now" for code that decides by time: token and
// refresh expiry, lockouts, convenzione validity, quotas and their pauses, audit stamps and
// retention. Such code takes a Clock instead of calling time.Now, so a test sets the day it
// means and never depends on the day it runs.
package clock

import (
	"sync"
	"time"
)

// Clock returns the current time. It is a function type so that time.Now, a closure and a
// (*Manual).Now are all Clocks, and a struct field of this type is called like a function.
type Clock func() time.Time

// Now is c's time; a nil Clock is the system clock.
func (c Clock) Now() time.Time {
	if c == nil {
		return System()
	}
	return c()
}

// Or returns c, or the system clock when c is nil.
func (c Clock) Or() Clock {
	if c == nil {
		return System
	}
	return c
}

// Fixed is a clock that always reads t.
func Fixed(t time.Time) Clock { return func() time.Time { return t } }

// Manual is a test clock that moves only when told to.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual returns a Manual reading t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now reads the clock; pass m.Now where a Clock is wanted.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.t = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}
