package simulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// adminDo calls an admin endpoint, with a bearer token when token is not empty.
func adminDo(tb testing.TB, e *env, method, path, token string, body []byte) (*http.Response, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	r.Header.Set("Content-Type", "application/json")
	return e.do(tb, r)
}

func TestAdminTokenRequired(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.AdminToken = "s3cret-token" })
	defer e.srv.Close()
	endpoints := []struct{ method, path, body string }{
		{http.MethodGet, "/admin/faults", ""},
		{http.MethodPut, "/admin/faults", `{}`},
		{http.MethodDelete, "/admin/faults", ""},
		{http.MethodPut, "/admin/faults/C020", `{}`},
		{http.MethodDelete, "/admin/faults/C020", ""},
		{http.MethodGet, "/admin/quotas", ""},
		{http.MethodPut, "/admin/quotas", `{}`},
		{http.MethodDelete, "/admin/quotas", ""},
		{http.MethodPost, "/admin/clients", `{}`},
	}
	for _, ep := range endpoints {
		for _, token := range []string{"", "wrong", "s3cret-token-longer", "s3cret-toke"} {
			resp, b := adminDo(t, e, ep.method, ep.path, token, []byte(ep.body))
			if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %q: %d %s", ep.method, ep.path, token, resp.StatusCode, b)
			}
		}
		resp, b := adminDo(t, e, ep.method, ep.path, "s3cret-token", []byte(ep.body))
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusNotFound {
			t.Errorf("%s %s with the token: %d %s", ep.method, ep.path, resp.StatusCode, b)
		}
	}
}

// Without AdminToken the admin endpoint is open (a local TEST environment).
func TestAdminOpenWithoutToken(t *testing.T) {
	e := shared(t)
	resp, b := adminDo(t, e, http.MethodGet, "/admin/quotas", "", nil)
	var st QuotaStatus
	if resp.StatusCode != 200 || json.Unmarshal(b, &st) != nil || st.Day == "" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}
