package simulator

import (
	"sync"
	"time"
)

// jtiCache remembers the jti of accepted client assertions until they expire, so a replayed
// assertion is refused. It is bounded: when full it first drops expired entries, then the
// oldest ones, so a flood of assertions cannot exhaust memory (at worst an ancient jti could
// be replayed, which a flood would make impractical to exploit anyway).
type jtiCache struct {
	mu    sync.Mutex
	max   int
	exp   map[string]time.Time
	order []string // insertion order, for eviction
}

func newJTICache(max int) *jtiCache {
	return &jtiCache{max: max, exp: make(map[string]time.Time)}
}

// add records jti until exp; it returns false when jti was already seen and is unexpired.
func (c *jtiCache) add(jti string, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.exp[jti]; ok && now.Before(e) {
		return false
	}
	if len(c.exp) >= c.max {
		c.evict(now)
	}
	if _, ok := c.exp[jti]; !ok {
		c.order = append(c.order, jti)
	}
	c.exp[jti] = exp
	return true
}

// evict drops expired entries; if none expired, it drops the oldest tenth.
func (c *jtiCache) evict(now time.Time) {
	kept := c.order[:0]
	for _, j := range c.order {
		if now.Before(c.exp[j]) {
			kept = append(kept, j)
		} else {
			delete(c.exp, j)
		}
	}
	c.order = kept
	if len(c.exp) < c.max {
		return
	}
	drop := max(1, c.max/10)
	for _, j := range c.order[:drop] {
		delete(c.exp, j)
	}
	c.order = append(c.order[:0:0], c.order[drop:]...)
}

func (c *jtiCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.exp)
}
