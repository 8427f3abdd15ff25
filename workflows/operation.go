package workflows

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"
)

// OperationBase derives the idOperazioneClient of a request's calls from what the API sealed:
// the UTC millisecond it was received (17 digits) and 9 digits of a hash of its request id.
// Derived, not drawn: a call whose answer a crash lost can still be named in the audit record,
// and ANPR's replay of a repeated id (its older semantics) returns the lost answer. All digits
// and time-led, so ids grow with time as the older "numeric and increasing" rule asks.
func OperationBase(requestID string, receivedAt time.Time) string {
	h := sha256.Sum256([]byte(requestID))
	n := binary.BigEndian.Uint64(h[:8]) % 1_000_000_000
	t := receivedAt.UTC()
	return fmt.Sprintf("%s%03d%09d", t.Format("20060102150405"), t.Nanosecond()/1e6, n)
}

// OperationID is the idOperazioneClient of one attempt (1…99): 28 digits, within ANPR's 30.
func OperationID(base string, attempt int) string {
	return fmt.Sprintf("%s%02d", base, min(max(attempt, 1), 99))
}
