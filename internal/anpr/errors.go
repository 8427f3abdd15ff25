package anpr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies a failure by what the caller should do about it.
type Kind string

// The kinds of failure. Only KindUnavailable is worth retrying.
const (
	KindNotFound       Kind = "subject_not_found"    // EN122: subject not (or no longer) in ANPR
	KindAmbiguous      Kind = "subject_ambiguous"    // EN095, EN043: the criteria match several people
	KindNotEnabled     Kind = "anpr_not_enabled"     // EN148 E: consumer not enabled for the caso d'uso
	KindInvalidRequest Kind = "anpr_invalid_request" // rejected locally or by ANPR for its content
	KindQuotaExhausted Kind = "anpr_quota_exhausted" // 429 LimitExceeded: daily quota gone, stop until midnight
	KindUnavailable    Kind = "anpr_unavailable"     // network, timeout, 5xx, 429 TooManyRequests
	KindVoucher        Kind = "pdnd_voucher_refused" // PDND refused the client assertion (015-0008)
	KindProtocol       Kind = "anpr_protocol_error"  // envelope/config mismatch or unreadable answer
)

// Error is the only error type Call returns.
type Error struct {
	Kind       Kind
	Code       string // ANPR code (EN122, EN148, 015-0008...) or GovWay title (LimitExceeded, GatewayError...)
	Message    string // provider text, safe to show (no personal data)
	HTTPStatus int
	Trace      Trace
	Err        error // wrapped cause
}

// Error renders kind, code, provider text and correlation ids; never personal data.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("anpr: ")
	b.WriteString(string(e.Kind))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, " (http %d)", e.HTTPStatus)
	}
	writeIDs(&b, e.Trace)
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// writeIDs appends the non-empty correlation ids, so a logged error is enough to open a ticket.
func writeIDs(b *strings.Builder, t Trace) {
	ids := []struct{ k, v string }{
		{"idOperazioneClient", t.IDOperazioneClient},
		{"idOperazioneANPR", t.IDOperazioneANPR},
		{"govway_id", t.GovWayTransactionID},
		{"voucher_jti", t.VoucherJTI},
		{"correlationId", t.CorrelationID},
	}
	var parts []string
	for _, id := range ids {
		if id.v != "" {
			parts = append(parts, id.k+"="+id.v)
		}
	}
	if len(parts) > 0 {
		b.WriteString(" [" + strings.Join(parts, " ") + "]")
	}
}

// Unwrap exposes the cause (e.g. context.DeadlineExceeded) to errors.Is/As.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying again later may succeed: only for KindUnavailable
// (network error, timeout, 5xx, 429 TooManyRequests). Never for quota, which ANPR asks to
// respect until midnight.
func (e *Error) Retryable() bool { return e.Kind == KindUnavailable }

// AsError extracts the *Error from err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// invalid builds a local rejection: nothing was sent on the network.
func invalid(trace Trace, format string, args ...any) *Error {
	return &Error{Kind: KindInvalidRequest, Message: fmt.Sprintf(format, args...), Trace: trace}
}
