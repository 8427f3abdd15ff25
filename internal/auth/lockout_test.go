package auth

import (
	"testing"
	"time"
)

func TestLockDelay(t *testing.T) {
	want := map[int]time.Duration{
		0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 7: 4 * time.Second,
		14: 512 * time.Second, 15: LockoutMax, 40: LockoutMax, 1 << 20: LockoutMax,
	}
	for n, d := range want {
		if got := LockDelay(n); got != d {
			t.Errorf("LockDelay(%d) = %v, want %v", n, got, d)
		}
	}
}

func TestLockedFor(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		n    int
		last time.Time
		at   time.Time
		want time.Duration
	}{
		{4, t0, t0, 0},
		{5, t0, t0, time.Second},
		{5, t0, t0.Add(400 * time.Millisecond), 600 * time.Millisecond},
		{5, t0, t0.Add(time.Second), 0},
		{20, t0, t0.Add(time.Minute), 14 * time.Minute},
		{20, t0, t0.Add(LockoutForget), 0}, // forgotten
		{20, time.Time{}, t0, 0},           // never failed
	}
	for _, tc := range cases {
		if got := LockedFor(tc.n, tc.last, tc.at); got != tc.want {
			t.Errorf("LockedFor(%d, +%v) = %v, want %v", tc.n, tc.at.Sub(tc.last), got, tc.want)
		}
	}
	if EffectiveFailures(7, t0, t0.Add(LockoutForget-time.Second)) != 7 || EffectiveFailures(7, t0, t0.Add(LockoutForget)) != 0 {
		t.Fatal("EffectiveFailures does not forget after LockoutForget")
	}
}
