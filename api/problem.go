package api

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// Problem is an RFC 9457 problem detail with Varco's stable code.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Code      errcode.Code `json:"code"`
	RequestID string       `json:"requestId,omitempty"`
	// Lines are the line numbers of a refused batch's bad rows (invalid_batch).
	Lines []int `json:"lines,omitempty"`
}

// apiError is what handlers return: a stable code and a detail safe to show.
type apiError struct {
	code      errcode.Code
	detail    string
	requestID string
	lines     []int
}

func (e *apiError) Error() string { return string(e.code) + ": " + e.detail }

func fail(code errcode.Code, detail string) error { return &apiError{code: code, detail: detail} }

const (
	problemBase = "https://varco.dev/problems/"
	problemJSON = "application/problem+json"
)

func writeProblem(c *fiber.Ctx, code errcode.Code, detail, requestID string) error {
	status := errcode.Status(code)
	switch status {
	case fiber.StatusServiceUnavailable:
		c.Set(fiber.HeaderRetryAfter, retryAfterUnavailable)
	case fiber.StatusTooManyRequests:
		c.Set(fiber.HeaderRetryAfter, untilRomeMidnight(clock.System()))
	}
	return c.Status(status).JSON(Problem{
		Type: problemBase + string(code), Title: errcode.Title(code), Status: status,
		Detail: detail, Code: code, RequestID: requestID,
	}, problemJSON)
}

// untilRomeMidnight is the Retry-After of a 429: Varco's daily quotas and ANPR's daily quota
// pause both end at midnight in Italy.
func untilRomeMidnight(now time.Time) string {
	y, m, d := now.In(store.Rome()).Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, store.Rome())
	return strconv.Itoa(int(next.Sub(now).Seconds()) + 1)
}

// retryAfterUnavailable is the Retry-After of every 503, in seconds: long enough for a
// database restart or a failover not to be hammered, short for an interactive client.
const retryAfterUnavailable = "5"

// errorHandler is the one place errors become HTTP answers. Internal error text never
// reaches the client: unknown errors are logged by the caller and answered generically.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	var ae *apiError
	if errors.As(err, &ae) && len(ae.lines) > 0 {
		return c.Status(errcode.Status(ae.code)).JSON(Problem{
			Type: problemBase + string(ae.code), Title: errcode.Title(ae.code), Status: errcode.Status(ae.code),
			Detail: ae.detail, Code: ae.code, Lines: ae.lines,
		}, problemJSON)
	}
	if errors.As(err, &ae) {
		return writeProblem(c, ae.code, ae.detail, ae.requestID)
	}
	if code, detail, ok := sentinelProblem(err); ok {
		return writeProblem(c, code, detail, "")
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return writeProblem(c, fiberCode(fe.Code), fe.Message, "")
	}
	if store.Unavailable(err) {
		// The database is down or saturated: "retry later", not "bug" (docs/api.md).
		s.log.WarnContext(c.UserContext(), "database unavailable", "route", c.Route().Path, "error", err)
		return writeProblem(c, errcode.Unavailable, "the database is unavailable; retry later", "")
	}
	s.log.ErrorContext(c.UserContext(), "request failed", "route", c.Route().Path, "error", err)
	return writeProblem(c, errcode.Internal, "", "")
}

// sentinelProblems maps the lower layers' sentinel errors that are the client's fault onto
// their stable code. It is the one table: errorHandler and the admin API's failure both read
// it, so a forged cursor is a 400 on every endpoint that pages, never a 500.
var sentinelProblems = []struct {
	err    error
	code   errcode.Code
	detail string
}{
	{store.ErrBadCursor, errcode.InvalidRequest, "cursor is not valid"},
}

// sentinelProblem finds err's entry in sentinelProblems.
func sentinelProblem(err error) (code errcode.Code, detail string, ok bool) {
	for _, p := range sentinelProblems {
		if errors.Is(err, p.err) {
			return p.code, p.detail, true
		}
	}
	return "", "", false
}

func fiberCode(status int) errcode.Code {
	switch status {
	case fiber.StatusNotFound:
		return errcode.NotFound
	case fiber.StatusMethodNotAllowed:
		return errcode.MethodNotAllowed
	case fiber.StatusRequestEntityTooLarge:
		return errcode.PayloadTooLarge
	case fiber.StatusUnsupportedMediaType:
		return errcode.UnsupportedMedia
	case fiber.StatusUnauthorized:
		return errcode.Unauthorized
	case fiber.StatusServiceUnavailable:
		return errcode.Unavailable
	}
	if status >= 400 && status < 500 {
		return errcode.InvalidRequest
	}
	return errcode.Internal
}
