package auth

import "time"

// Lockout policy for password sign-in. After LockoutThreshold consecutive failures for a
// username, attempts are refused without checking the password for LockoutBase, doubling
// with every further failure up to LockoutMax. A success resets the count; so does a quiet
// LockoutForget since the last failure, so that typos spread over months never add up to a
// long lock.
const (
	LockoutThreshold = 5
	LockoutBase      = time.Second
	LockoutMax       = 15 * time.Minute
	LockoutForget    = 24 * time.Hour
)

// LockDelay is how long sign-in stays refused after the failures-th consecutive failure.
func LockDelay(failures int) time.Duration {
	if failures < LockoutThreshold {
		return 0
	}
	d := LockoutBase
	for i := LockoutThreshold; i < failures; i++ {
		d *= 2
		if d >= LockoutMax {
			return LockoutMax
		}
	}
	return d
}

// EffectiveFailures is the failure count that still counts at now: zero once LockoutForget
// has passed since the last failure.
func EffectiveFailures(failures int, lastFailure, now time.Time) int {
	if failures <= 0 || lastFailure.IsZero() || now.Sub(lastFailure) >= LockoutForget {
		return 0
	}
	return failures
}

// LockedFor is how much longer sign-in stays refused at now (0: an attempt may proceed).
func LockedFor(failures int, lastFailure, now time.Time) time.Duration {
	n := EffectiveFailures(failures, lastFailure, now)
	if left := lastFailure.Add(LockDelay(n)).Sub(now); n > 0 && left > 0 {
		return left
	}
	return 0
}
