package api

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/varco-anpr/varco/internal/errcode"
)

// DefaultRateLimit is the requests a minute a credential may make when Deps.RateLimit is
// zero. It protects the gateway from a runaway client, far above what an operator's
// application makes; the business limits are the daily quotas of convenzioni and users.
const DefaultRateLimit = 3000

// rateLimit is a fixed one-minute window per credential (the Authorization header, hashed),
// or per client address before sign-in. It answers X-RateLimit-Limit, -Remaining and -Reset,
// the names of the Italian interoperability guidelines, and a 429 rate_limited problem with
// Retry-After when the window is used up. The window is per process: with several API
// instances behind a balancer a client gets up to that many times the limit.
func (s *Server) rateLimit() fiber.Handler {
	max := s.RateLimit
	if max <= 0 {
		max = DefaultRateLimit
	}
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: time.Minute,
		KeyGenerator: func(c *fiber.Ctx) string {
			if a := c.Get(fiber.HeaderAuthorization); a != "" {
				h := sha256.Sum256([]byte(a))
				return "cred:" + hex.EncodeToString(h[:16])
			}
			return "addr:" + c.IP()
		},
		LimitReached: func(c *fiber.Ctx) error {
			// Cloned: Fiber's header strings alias fasthttp's buffer, which writeProblem's own
			// Retry-After (midnight) overwrites; an alias would then read its first digits.
			retry := strings.Clone(c.GetRespHeader(fiber.HeaderRetryAfter))
			err := writeProblem(c, errcode.RateLimited, "too many requests in this minute; retry after the seconds in Retry-After", "")
			c.Set(fiber.HeaderRetryAfter, retry) // the window's end, not writeProblem's midnight
			return err
		},
	})
}
