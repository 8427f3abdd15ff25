package varco

import (
	"fmt"
	"time"
)

// Problem is an error answer of Varco (RFC 9457 problem+json). Match on Code, which is
// stable (docs/integration.md lists them and what to do about each); quote RequestID to
// support: it names the audit record of the request.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
	// Lines are the line numbers of a refused batch's bad rows (Code invalid_batch).
	Lines []int `json:"lines,omitempty"`
	// RetryAfter is the answer's Retry-After (429, 503), zero when it had none.
	RetryAfter time.Duration `json:"-"`
}

func (p *Problem) Error() string {
	s := fmt.Sprintf("varco: %d %s", p.Status, p.Code)
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	if p.RequestID != "" {
		s += " (request " + p.RequestID + ")"
	}
	return s
}
