package simulator

import (
	"encoding/json"
	"sync"
)

// The old ANPR semantics of idOperazioneClient (docs/anpr.md §2.1): a request repeating an id
// already used by the same client gets the earlier answer, whatever its body. Enabled by
// Config.ReplayIdempotent. Memory is bounded: the oldest answers are forgotten first.

const replayCapacity = 10_000

type replayCache struct {
	mu    sync.Mutex
	max   int
	byKey map[string]answerBytes
	order []string // insertion order; a ring of max keys
	next  int
}

func newReplayCache(max int) *replayCache {
	return &replayCache{max: max, byKey: make(map[string]answerBytes)}
}

func (c *replayCache) get(key string) (answerBytes, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.byKey[key]
	return a, ok
}

// put remembers a; when full, it forgets the oldest answer.
func (c *replayCache) put(key string, a answerBytes) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok {
		return
	}
	if len(c.order) < c.max {
		c.order = append(c.order, key)
	} else {
		delete(c.byKey, c.order[c.next])
		c.order[c.next] = key
		c.next = (c.next + 1) % c.max
	}
	c.byKey[key] = a
}

func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey)
}

// replayKey returns the cache key of a request when replay is on and the body names an
// idOperazioneClient; a body that does not parse goes on to ANPR's validation.
func (s *Simulator) replayKey(clientID string, body []byte) (string, bool) {
	if s.replay == nil {
		return "", false
	}
	var head struct {
		ID string `json:"idOperazioneClient"`
	}
	if json.Unmarshal(body, &head) != nil || head.ID == "" || len(head.ID) > maxIDOperazioneClient {
		return "", false
	}
	return clientID + "\x00" + head.ID, true
}
