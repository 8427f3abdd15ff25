// Package varco is the Go client of Varco's API (api/openapi.json): sign-in and token
// refresh serialised per session, typed ANPR queries with Idempotency-Key and the
// workstation header, deadlines from the caller's context, retries only where they cannot
// make a second ANPR call, and problems as *Problem errors with their code and request id.
//
// It uses only the standard library, so that integrators take no dependency with it.
// One Client is one operator's session (docs/authentication.md): never share it between
// operators.
package varco

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Client is one operator's session with Varco. Its methods are safe for concurrent use.
type Client struct {
	base        string
	http        *http.Client
	workstation string
	retries     int
	now         func() time.Time

	mu      sync.Mutex // serialises sign-in, refresh and sign-out: a refresh token works once
	access  string
	refresh string
	expires time.Time // when the access token stops working, less a margin
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (its Transport, TLS settings, proxies).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithWorkstation sets the default workstation (Varco-Postazione) of every query.
func WithWorkstation(ws string) Option { return func(c *Client) { c.workstation = ws } }

// WithRetries sets how many times a safe request is retried (default 2).
func WithRetries(n int) Option { return func(c *Client) { c.retries = n } }

// New returns a client of the Varco at baseURL, e.g. "https://varco.example.it".
func New(baseURL string, opts ...Option) *Client {
	c := &Client{base: baseURL, http: &http.Client{Timeout: 2 * time.Minute}, retries: 2, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// SignIn exchanges the operator's username and password for the session's tokens. The
// client keeps the tokens, never the password.
func (c *Client) SignIn(ctx context.Context, username, password string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var tok tokenResponse
	body := map[string]string{"username": username, "password": password}
	if _, err := c.do(ctx, "POST", "/api/v1/auth/token", "", body, nil, &tok); err != nil {
		return err
	}
	c.keep(tok)
	return nil
}

// Refresh exchanges the refresh token for a new pair now. Queries refresh by themselves when
// the access token is about to expire; call it to check a session is still alive.
func (c *Client) Refresh(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refreshLocked(ctx)
}

func (c *Client) refreshLocked(ctx context.Context) error {
	if c.refresh == "" {
		return ErrNotSignedIn
	}
	var tok tokenResponse
	_, err := c.do(ctx, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": c.refresh}, nil, &tok)
	if err != nil {
		// A refused refresh token is spent (or the session ended): sign in again.
		var p *Problem
		if errors.As(err, &p) && p.Status == http.StatusUnauthorized {
			c.access, c.refresh = "", ""
		}
		return err
	}
	c.keep(tok)
	return nil
}

func (c *Client) keep(tok tokenResponse) {
	c.access, c.refresh = tok.AccessToken, tok.RefreshToken
	// Refresh 30 s early: a query must not set off with a token that expires on the way.
	c.expires = c.now().Add(time.Duration(tok.ExpiresIn)*time.Second - 30*time.Second)
}

// SignOut revokes every token of the operator (all their sessions) and forgets this one's.
func (c *Client) SignOut(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.access == "" {
		return ErrNotSignedIn
	}
	_, err := c.do(ctx, "POST", "/api/v1/auth/logout", c.access, nil, nil, nil)
	c.access, c.refresh = "", ""
	return err
}

// ErrNotSignedIn is returned by calls that need a session before SignIn or after SignOut.
var ErrNotSignedIn = errors.New("varco: not signed in")

// token returns a usable access token, refreshing it first when it is about to expire. The
// lock makes concurrent callers wait for one refresh rather than spend the token twice.
func (c *Client) token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.access == "" {
		return "", ErrNotSignedIn
	}
	if c.now().After(c.expires) {
		if err := c.refreshLocked(ctx); err != nil {
			return "", err
		}
	}
	return c.access, nil
}

// CallOption sets a header of one query.
type CallOption func(http.Header)

// IdempotencyKey makes a query repeatable: the same key from the same operator for the same
// Comune answers the first request's answer and never calls ANPR twice.
func IdempotencyKey(key string) CallOption {
	return func(h http.Header) { h.Set("Idempotency-Key", key) }
}

// Workstation overrides the client's workstation for one query.
func Workstation(ws string) CallOption {
	return func(h http.Header) { h.Set("Varco-Postazione", ws) }
}

// Query asks ANPR's service (e.g. "C020") through Varco. Without an IdempotencyKey the
// client makes one, so that retrying after a lost answer cannot call ANPR twice. The
// context's deadline bounds the whole call, retries included.
func (c *Client) Query(ctx context.Context, service string, req QueryRequest, opts ...CallOption) (*QueryResponse, error) {
	h := http.Header{}
	if c.workstation != "" {
		h.Set("Varco-Postazione", c.workstation)
	}
	for _, o := range opts {
		o(h)
	}
	if h.Get("Idempotency-Key") == "" {
		h.Set("Idempotency-Key", newKey())
	}
	var out QueryResponse
	if err := c.authed(ctx, "POST", "/api/v1/anpr/"+url.PathEscape(service), req, h, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Request reads the outcome of an earlier request (after a 504 request_timeout, say). While
// the request still runs it answers Running true and no outcome.
func (c *Client) Request(ctx context.Context, id string) (out *RequestOutcome, running bool, err error) {
	out = &RequestOutcome{}
	if err := c.authed(ctx, "GET", "/api/v1/requests/"+url.PathEscape(id), nil, nil, out); err != nil {
		return nil, false, err
	}
	return out, out.Status == "running", nil
}

// Status asks whether Varco can serve requests; a Varco that cannot answers a *Problem with
// Status 503.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	if _, err := c.do(ctx, "GET", "/status", "", nil, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// authed sends a request with the session's token and retries it when that is safe: a
// network failure or an answer that says nothing ran (429 rate_limited, 503 before a
// workflow started). A query carries an Idempotency-Key, so its retry finds the first
// request's answer instead of making another ANPR call. An access token refused as expired
// is refreshed once.
func (c *Client) authed(ctx context.Context, method, path string, body any, h http.Header, out any) error {
	refreshed := false
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx)
		if err != nil {
			return err
		}
		retryAfter, err := c.do(ctx, method, path, tok, body, h, out)
		var p *Problem
		switch {
		case err == nil:
			return nil
		case errors.As(err, &p) && p.Code == "unauthorized" && !refreshed:
			refreshed = true
			c.mu.Lock()
			if c.access == tok { // nobody refreshed meanwhile
				err = c.refreshLocked(ctx)
			}
			c.mu.Unlock()
			if err != nil {
				return err
			}
			continue
		case attempt >= c.retries || !retryable(err):
			return err
		}
		if err := sleep(ctx, backoff(attempt, retryAfter)); err != nil {
			return err
		}
	}
}

// retryable tells the failures after which nothing can have run twice.
func retryable(err error) bool {
	var p *Problem
	if errors.As(err, &p) {
		return p.Code == "rate_limited" || (p.Code == "service_unavailable" && p.RequestID == "")
	}
	var ue *url.Error
	return errors.As(err, &ue) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	return time.Duration(200<<attempt) * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// do sends one request and decodes a 2xx answer into out or an error answer into a
// *Problem. It returns the Retry-After of the answer.
func (c *Client) do(ctx context.Context, method, path, token string, body any, h http.Header, out any) (time.Duration, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, err
	}
	var wait time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		wait = time.Duration(s) * time.Second
	}
	if resp.StatusCode >= 400 {
		p := &Problem{Status: resp.StatusCode, RetryAfter: wait}
		if json.Unmarshal(raw, p) != nil || p.Code == "" {
			p.Code, p.Detail = "http_"+strconv.Itoa(resp.StatusCode), string(raw)
		}
		if p.RequestID == "" {
			p.RequestID = resp.Header.Get("Request-Id")
		}
		return wait, p
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, fmt.Errorf("varco: %s %s: decode the answer: %w", method, path, err)
		}
	}
	return 0, nil
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "go-" + hex.EncodeToString(b)
}
