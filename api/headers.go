package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
)

// Header names of the contract. The Italian interoperability guidelines (and RFC 6648) want
// no "X-" custom headers: each old name stays as a deprecated alias until API 2.0.0
// (docs/integration.md, "Deprecations").
const (
	// HeaderWorkstation names the operator's workstation, sent to ANPR as userLocation.
	HeaderWorkstation = "Varco-Postazione"
	// HeaderWorkstationOld is HeaderWorkstation's deprecated alias.
	HeaderWorkstationOld = "X-Varco-Postazione"
	// HeaderRequestID carries the request id of an ANPR query's answer.
	HeaderRequestID = "Request-Id"
	// HeaderRequestIDOld is HeaderRequestID's deprecated alias, still sent.
	HeaderRequestIDOld = "X-Request-Id"
)

// setRequestID sets the request id under its name and its deprecated alias.
func setRequestID(c *fiber.Ctx, id string) {
	c.Set(HeaderRequestID, id)
	c.Set(HeaderRequestIDOld, id)
}

// requestIDOf reads back the request id this answer carries, for logs.
func requestIDOf(c *fiber.Ctx) string { return c.GetRespHeader(HeaderRequestID) }

// workstation reads the workstation header under either name; two different values are a
// client bug worth reporting rather than guessing which one ANPR should see.
func workstation(c *fiber.Ctx) (string, error) {
	ws, old := c.Get(HeaderWorkstation), c.Get(HeaderWorkstationOld)
	switch {
	case ws != "" && old != "" && ws != old:
		return "", fail(errcode.InvalidRequest, HeaderWorkstation+" and its deprecated alias "+HeaderWorkstationOld+" differ: send "+HeaderWorkstation+" only")
	case ws == "":
		ws = old
	}
	if ws != "" && !reWorkstation.MatchString(ws) {
		return "", fail(errcode.InvalidRequest, HeaderWorkstation+" must be printable ASCII, at most 64 characters")
	}
	return ws, nil
}
