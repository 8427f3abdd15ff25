package anpr

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/varco-anpr/varco/internal/clock"
)

// Defaults for Options.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultVoucherMargin = 30 * time.Second
)

// maxAnswerBytes caps what we read from PDND/ANPR; a C021 family is a few KB.
const maxAnswerBytes = 8 << 20

// Options configures a Client. Zero values pick safe defaults.
type Options struct {
	HTTPClient    *http.Client  // default: timeout 10s, TLS from system roots
	Now           clock.Clock   // default: the system clock
	Logger        *slog.Logger  // default: discard
	VoucherMargin time.Duration // reuse a voucher until its expiry minus this; default 30s
	// Pauses records the (PDND client, purpose) pairs paused after a 429 LimitExceeded
	// (docs/anpr.md §6). Default: NewMemoryPauses(), private to this process; give replicas a
	// shared store so one 429 pauses them all.
	Pauses PauseStore
}

// Client calls ANPR e-services. It is safe for concurrent use; one Client should serve the
// whole process so vouchers are shared.
type Client struct {
	http   *http.Client
	now    clock.Clock
	log    *slog.Logger
	margin time.Duration
	grants *grantCache
	pauses PauseStore
}

// NewClient returns a Client with opts' zero fields defaulted.
func NewClient(opts Options) *Client {
	c := &Client{http: opts.HTTPClient, now: opts.Now, log: opts.Logger, margin: opts.VoucherMargin, pauses: opts.Pauses}
	if c.http == nil {
		c.http = defaultHTTPClient()
	}
	if c.now == nil {
		c.now = clock.System
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.margin <= 0 {
		c.margin = DefaultVoucherMargin
	}
	if c.pauses == nil {
		c.pauses = NewMemoryPauses()
	}
	c.grants = newGrantCache(c.now)
	return c
}

// defaultHTTPClient is NewTLSClient without an extra bundle. Should the system pool be
// unreadable, the plain client still verifies certificates with the roots Go can load.
func defaultHTTPClient() *http.Client {
	hc, err := NewTLSClient(nil, DefaultTimeout)
	if err != nil {
		return &http.Client{Timeout: DefaultTimeout}
	}
	return hc
}

// Call performs one e002 consultation for op on behalf of profile p. On failure the error is
// always an *Error (see AsError) carrying the correlation ids known so far.
func (c *Client) Call(ctx context.Context, p Profile, op Operator, req Request) (*Response, error) {
	trace := Trace{IDOperazioneClient: req.IDOperazioneClient}
	svc, purposeID, verr := validate(p, op, req, trace)
	if verr != nil {
		return nil, verr
	}
	if !svc.Verification {
		req.Verifica = nil // a JSON null was accepted as "absent": keep it out of the body
	}
	// The quota is checked before anything touches the network, the voucher fetch included:
	// ANPR asks for no call at all after a LimitExceeded (docs/anpr.md §6).
	pause := pauseKey(p.ClientID, purposeID)
	if e := c.checkPause(ctx, pause, trace); e != nil {
		return nil, c.fail(ctx, svc.Code, c.now(), e)
	}
	if trace.IDOperazioneClient == "" {
		trace.IDOperazioneClient = opIDs.next(c.now())
	}
	b := binding{p: p, op: op, service: svc.Code, purposeID: purposeID,
		audience: p.AudienceBase + "/" + svc.Name + "/v1"}
	start := c.now()
	g, err := c.grants.get(ctx, b.key(), func(ctx context.Context) (grant, error) { return c.fetchGrant(ctx, b) })
	if err != nil {
		return nil, c.fail(ctx, svc.Code, start, withTrace(err, trace))
	}
	trace.VoucherJTI = g.voucherJTI
	url := p.ServiceBaseURL + "/" + svc.Name + "/v1/anpr-service-e002"
	resp, cerr := c.consult(ctx, b, g, url, req, trace)
	if cerr != nil {
		c.notePause(ctx, svc.Code, pause, cerr)
		return nil, c.fail(ctx, svc.Code, start, cerr)
	}
	c.log.LogAttrs(ctx, slog.LevelInfo, "anpr call", traceAttrs(svc.Code, start, c.now(), resp.Trace)...)
	return resp, nil
}

// fail logs a failed call (ids and kind only) and returns it.
func (c *Client) fail(ctx context.Context, service string, start time.Time, e *Error) *Error {
	attrs := append(traceAttrs(service, start, c.now(), e.Trace),
		slog.String("kind", string(e.Kind)), slog.String("code", e.Code))
	c.log.LogAttrs(ctx, slog.LevelWarn, "anpr call failed", attrs...)
	return e
}

func traceAttrs(service string, start, end time.Time, t Trace) []slog.Attr {
	return []slog.Attr{
		slog.String("service", service),
		slog.String("id_operazione_client", t.IDOperazioneClient),
		slog.String("id_operazione_anpr", t.IDOperazioneANPR),
		slog.String("govway_id", t.GovWayTransactionID),
		slog.String("voucher_jti", t.VoucherJTI),
		slog.String("correlation_id", t.CorrelationID),
		slog.Int("http_status", t.HTTPStatus),
		slog.Duration("duration", end.Sub(start)),
	}
}

// withTrace turns a grant failure into an *Error carrying the call's trace; a bare context
// error means the caller stopped waiting for the voucher.
func withTrace(err error, trace Trace) *Error {
	e, ok := AsError(err)
	if !ok {
		return &Error{Kind: KindUnavailable, Message: "no PDND voucher before the deadline", Trace: trace, Err: err}
	}
	cp := *e // the same *Error is shared by every waiter of one fetch
	trace.CorrelationID, trace.HTTPStatus = cp.Trace.CorrelationID, cp.Trace.HTTPStatus
	cp.Trace = trace
	return &cp
}

// answer is what do read back: enough for mapping, never logged.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// httpFor is the transport of p's calls: its own (its CA bundle) or the Client's.
func (c *Client) httpFor(p Profile) *http.Client {
	if p.HTTPClient != nil {
		return p.HTTPClient
	}
	return c.http
}

// do sends req with hc and reads at most maxAnswerBytes of the answer. A read failure keeps
// the status and headers so the GovWay id is not lost.
func (c *Client) do(hc *http.Client, req *http.Request) (answer, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("send: %w", err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return a, fmt.Errorf("read answer: %w", err)
	}
	if len(a.body) > maxAnswerBytes {
		return a, fmt.Errorf("answer larger than %d bytes", maxAnswerBytes)
	}
	return a, nil
}
