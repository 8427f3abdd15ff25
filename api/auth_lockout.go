package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
)

// maxUnknownUsernames bounds the memory of failures for usernames that do not exist
// (about 100 bytes each).
const maxUnknownUsernames = 50_000

// refuseLogin is the one refusal of sign-in: the same body for every reason, plus
// Retry-After (whole seconds, rounded up) while sign-in is locked for the username.
func refuseLogin(c *fiber.Ctx, wait time.Duration) error {
	if wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	}
	return fail(errcode.Unauthorized, "invalid credentials")
}

// failureMemory counts failed sign-ins for usernames that do not exist, with the same policy
// as the users table applies to real ones, so a locked-out answer cannot reveal that an
// account exists. It is per process (the brief allows it: these are not accounts); with
// several replicas an unknown name's lock engages per replica, which an attacker cannot
// observe without knowing how requests are balanced. Usernames are kept only as a keyed hash.
type failureMemory struct {
	mu      sync.Mutex
	key     []byte
	max     int
	entries map[[sha256.Size]byte]failureCount
}

type failureCount struct {
	n    int
	last time.Time
}

func newFailureMemory(max int) *failureMemory {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go ≥ 1.24)
	return &failureMemory{key: key, max: max, entries: map[[sha256.Size]byte]failureCount{}}
}

// begin mirrors the database path for a real user: if the name is locked it returns how long
// for; otherwise it counts this attempt as a failure (an unknown name never succeeds) and
// returns the new count.
func (m *failureMemory) begin(username string, now time.Time) (wait time.Duration, failures int) {
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(username))
	var k [sha256.Size]byte
	copy(k[:], mac.Sum(nil))

	m.mu.Lock()
	defer m.mu.Unlock()
	f := m.entries[k]
	if wait := auth.LockedFor(f.n, f.last, now); wait > 0 {
		return wait, 0
	}
	if _, known := m.entries[k]; !known && len(m.entries) >= m.max {
		m.evict(now)
	}
	f = failureCount{n: auth.EffectiveFailures(f.n, f.last, now) + 1, last: now}
	m.entries[k] = f
	return 0, f.n
}

// evict drops forgotten entries, then arbitrary ones (map order) down to 90% of the bound:
// losing the count of a name that is no account costs nothing but a shorter lock.
func (m *failureMemory) evict(now time.Time) {
	for k, f := range m.entries {
		if auth.EffectiveFailures(f.n, f.last, now) == 0 {
			delete(m.entries, k)
		}
	}
	for k := range m.entries {
		if len(m.entries) < m.max*9/10 {
			break
		}
		delete(m.entries, k)
	}
}
