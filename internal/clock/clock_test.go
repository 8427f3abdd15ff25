package clock_test

import (
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/clock"
)

func TestClocks(t *testing.T) {
	t0 := time.Date(2027, 3, 28, 0, 59, 30, 0, time.UTC)
	m := clock.NewManual(t0)
	tests := []struct {
		name string
		c    clock.Clock
		want time.Time
	}{
		{"fixed", clock.Fixed(t0), t0},
		{"manual", m.Now, t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.Now(); !got.Equal(tt.want) {
				t.Fatalf("Now() = %v, want %v", got, tt.want)
			}
			if got := tt.c(); !got.Equal(tt.want) {
				t.Fatalf("c() = %v, want %v", got, tt.want)
			}
		})
	}
	m.Advance(time.Minute)
	if got := m.Now(); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after Advance: %v", got)
	}
	m.Set(t0)
	if got := m.Now(); !got.Equal(t0) {
		t.Fatalf("after Set: %v", got)
	}
}

// A nil Clock is the system clock, so a zero-valued struct field still tells the time.
func TestNilIsSystem(t *testing.T) {
	var c clock.Clock
	before := clock.System()
	got := c.Now()
	after := clock.System()
	if got.Before(before) || got.After(after) {
		t.Fatalf("nil clock read %v, not between %v and %v", got, before, after)
	}
	if c.Or() == nil {
		t.Fatal("Or of nil is nil")
	}
}
