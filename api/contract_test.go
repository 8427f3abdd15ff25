package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/oascheck"
)

// checker loads openapi.json with kin-openapi, which also validates it as OpenAPI 3.
func checker(t *testing.T) *oascheck.Checker {
	t.Helper()
	c, err := oascheck.New(OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// exchange sends req to the app and validates the answer against the document.
func exchange(t *testing.T, s *Server, c *oascheck.Checker, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if err := c.Check(req, resp.StatusCode, resp.Header, b); err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestContractProblemsWithoutBackends holds the error answers that need no database or
// Temporal to the document: each status documented for its operation, each code listed.
func TestContractProblemsWithoutBackends(t *testing.T) {
	s := New(Deps{RequestTimeout: time.Second, Logger: discard()})
	c := checker(t)
	cases := []struct{ method, path, ctype, body string }{
		{"POST", "/api/v1/auth/token", "text/plain", "x"},
		{"POST", "/api/v1/auth/token", "application/json", `{"username":"a"`},
		{"POST", "/api/v1/auth/refresh", "application/json", `{}`},
		{"POST", "/api/v1/anpr/C020", "application/json", `{}`},
		{"GET", "/api/v1/requests/rq-h501-00000000000000000000000000000000", "", ""},
		{"GET", "/api/v1/audit", "", ""},
		{"GET", "/api/v1/admin/enti", "", ""},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		resp, _ := exchange(t, s, c, req)
		if resp.StatusCode < 400 || resp.Header.Get("X-RateLimit-Limit") == "" {
			t.Errorf("%s %s: %d, rate-limit headers %v", tc.method, tc.path, resp.StatusCode, resp.Header)
		}
	}
	if len(c.Checked()) < 4 {
		t.Fatalf("checked only %v", c.Checked())
	}
}

// TestRateLimit: past its limit a credential gets 429 rate_limited with Retry-After (the
// window's end, in seconds) and the rate-limit headers count down before that.
func TestRateLimit(t *testing.T) {
	s := New(Deps{RequestTimeout: time.Second, Logger: discard(), RateLimit: 2})
	c := checker(t)
	get := func(token string) (*http.Response, string) {
		req := httptest.NewRequest("GET", "/api/v1/audit", nil)
		req.Header.Set("Authorization", "Basic "+token) // refused before any token check: this server has no keys
		return exchange(t, s, c, req)
	}
	for i, want := range []string{"1", "0"} {
		resp, _ := get("a")
		if resp.StatusCode != 401 || resp.Header.Get("X-RateLimit-Remaining") != want || resp.Header.Get("X-RateLimit-Limit") != "2" {
			t.Fatalf("request %d: %d, headers %v", i, resp.StatusCode, resp.Header)
		}
	}
	resp, body := get("a")
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || !strings.Contains(body, `"code":"`+errcode.RateLimited.String()+`"`) || err != nil || retry < 0 || retry > 60 {
		t.Fatalf("third request: %d %s, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	if resp, _ := get("b"); resp.StatusCode != 401 {
		t.Fatalf("another credential has its own window: %d", resp.StatusCode)
	}
	// Health checks, outside /api/v1, are not limited: an orchestrator probes them often.
	for i := 0; i < 3; i++ {
		resp, _ := s.App().Test(httptest.NewRequest("GET", "/healthz", nil))
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("healthz: %d %v", resp.StatusCode, resp.Header)
		}
	}
}

// TestWorkstationHeader: Varco-Postazione, its deprecated X- alias, and the two disagreeing.
func TestWorkstationHeader(t *testing.T) {
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		return c.Status(400).SendString(err.Error())
	}})
	app.Get("/", func(c *fiber.Ctx) error {
		ws, err := workstation(c)
		if err != nil {
			return err
		}
		return c.SendString(ws)
	})
	cases := []struct {
		name, now, old string
		status         int
		want           string
	}{
		{"new name", "PC-1", "", 200, "PC-1"},
		{"deprecated alias", "", "PC-2", 200, "PC-2"},
		{"both equal", "PC-3", "PC-3", 200, "PC-3"},
		{"both differ", "PC-4", "PC-5", 400, ""},
		{"neither", "", "", 200, ""},
		{"not printable", "PC\x01", "", 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			if tc.now != "" {
				req.Header.Set(HeaderWorkstation, tc.now)
			}
			if tc.old != "" {
				req.Header.Set(HeaderWorkstationOld, tc.old)
			}
			resp, err := app.Test(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || (tc.status == 200 && string(b) != tc.want) {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, b, tc.status, tc.want)
			}
		})
	}
}
