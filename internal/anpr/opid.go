package anpr

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"sync"
	"time"
)

// maxOpIDLen is ANPR's limit on idOperazioneClient (a 36-char UUID is rejected).
const maxOpIDLen = 30

// opIDSeqMax bounds the per-millisecond counter to its 6 digits.
const opIDSeqMax = 999_999

// opIDs is process-wide so that ids stay unique and increasing across every Client.
var opIDs = newOpIDGenerator()

// opIDGenerator yields fixed-width, all-digit ids: UTC yyyyMMddHHmmssSSS (17) + a per-process
// nonce (4) + a counter (6) = 27 chars. All digits and fixed width, so string order equals
// numeric order, which satisfies the older "numeric and increasing" ANPR semantics too. The
// nonce makes collisions between replicas started together unlikely.
type opIDGenerator struct {
	mu     sync.Mutex
	nonce  string
	lastMs int64
	seq    int
}

func newOpIDGenerator() *opIDGenerator {
	n, err := rand.Int(rand.Reader, big.NewInt(10_000))
	if err != nil {
		n = big.NewInt(time.Now().UnixNano() % 10_000)
	}
	return &opIDGenerator{nonce: fmt.Sprintf("%04d", n.Int64())}
}

// next returns an id strictly greater than every previous one, even if the clock stalls or
// steps back: the (millisecond, counter) pair only ever grows.
func (g *opIDGenerator) next(now time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := now.UTC().UnixMilli()
	if ms > g.lastMs {
		g.lastMs, g.seq = ms, 0
	} else {
		g.seq++
		if g.seq > opIDSeqMax {
			g.lastMs, g.seq = g.lastMs+1, 0
		}
	}
	t := time.UnixMilli(g.lastMs).UTC()
	return fmt.Sprintf("%s%03d%s%06d", t.Format("20060102150405"), t.Nanosecond()/1e6, g.nonce, g.seq)
}
