// Package oascheck holds Varco's answers to its own contract: it validates HTTP exchanges
// against the OpenAPI document with kin-openapi's openapi3filter, so every answer the
// end-to-end tests receive is checked against api/openapi.json. Only tests import it.
package oascheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// host is where routes are matched: the document's servers are replaced by it, so the
// checker accepts an API on any address.
const host = "varco.invalid"

// Checker validates answers against one document and counts what it checked.
type Checker struct {
	router routers.Router

	mu      sync.Mutex
	checked map[string]int // "METHOD path-template status" → answers seen
}

func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", decodeJSONLines)
}

// decodeJSONLines reads a JSON lines body (a batch's results) as the list of its lines, each a
// JSON value, so the document's array schema checks every line.
func decodeJSONLines(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	items := []any{}
	for i, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, fmt.Errorf("line %d is not JSON: %w", i+1, err)
		}
		items = append(items, v)
	}
	return items, nil
}

// New loads and validates the document.
func New(doc []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := t.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	t.Servers = openapi3.Servers{{URL: "http://" + host}}
	r, err := gorillamux.NewRouter(t)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &Checker{router: r, checked: map[string]int{}}, nil
}

// ours tells Varco's API paths from others' (the simulator's, the Web UI's sign-in pages).
func ours(path string) bool {
	switch path {
	case "/status", "/healthz", "/readyz":
		return true
	}
	return strings.HasPrefix(path, "/api/v1/") || strings.HasPrefix(path, "/codec/")
}

// Check validates one answer to req. A path that is not an operation of the document (a
// route Fiber answers 404 or 405 for) is not checked: there is no operation to hold it to.
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) error {
	if !ours(req.URL.Path) {
		return nil
	}
	u := *req.URL
	u.Scheme, u.Host = "http", host
	r2 := req.Clone(req.Context())
	r2.URL, r2.Host, r2.Body = &u, host, http.NoBody
	route, params, err := c.router.FindRoute(r2)
	if err != nil {
		return nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r2, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s answered %d, which breaks openapi.json: %w\nbody: %.600s", req.Method, req.URL.Path, status, err, body)
	}
	c.mu.Lock()
	c.checked[fmt.Sprintf("%s %s %d", req.Method, route.Path, status)]++
	c.mu.Unlock()
	return nil
}

// Checked lists the operation and status pairs validated so far, with their counts.
func (c *Checker) Checked() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.checked))
	for k, v := range c.checked {
		out[k] = v
	}
	return out
}

// Transport wraps next: every answer of Varco's API is validated, and one that breaks the
// document is returned as an error, so the call that got it fails its test.
func (c *Checker) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper{c: c, next: next}
}

type roundTripper struct {
	c    *Checker
	next http.RoundTripper
}

func (rt roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.next.RoundTrip(req)
	if err != nil || !ours(req.URL.Path) {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := rt.c.Check(req, resp.StatusCode, resp.Header, body); err != nil {
		return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: err}
	}
	return resp, nil
}
