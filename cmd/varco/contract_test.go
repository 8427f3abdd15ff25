package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/oascheck"
)

// contract validates every answer of Varco's API that the end-to-end tests receive through
// http.DefaultClient (call, send, http.Get…) against api/openapi.json, request by request: an
// answer that breaks the document fails the call that got it, hence its test. It is set up
// in init, before TestMain, so no test runs unchecked.
var contract = mustContract()

func mustContract() *oascheck.Checker {
	c, err := oascheck.New(api.OpenAPI())
	if err != nil {
		panic(err)
	}
	return c
}

func init() {
	http.DefaultClient.Transport = contract.Transport(http.DefaultTransport)
}

// checkedProxy serves a reverse proxy to the API at target that checks every answer against
// the document, for clients that do not go through http.DefaultClient (the Java and .NET
// scenarios): a mismatch fails t. It returns the proxy's URL.
func checkedProxy(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	var answers atomic.Int64
	p.ModifyResponse = func(resp *http.Response) error {
		answers.Add(1)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err := contract.Check(resp.Request, resp.StatusCode, resp.Header, body); err != nil {
			t.Errorf("contract: %v", err)
		}
		return nil
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		if answers.Load() == 0 {
			t.Error("contract: no answer went through the checking proxy")
		}
	})
	return srv.URL
}
