package api

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// FuzzBadInput: whatever arrives on the public endpoints, the answer is a problem+json with a
// client status or a success — never a panic, never a 500.
func FuzzBadInput(f *testing.F) {
	for _, seed := range []string{
		`{"username":"demo","password":"x"}`, `{"username":`, `[]`, `null`, `{"username":1}`,
		`{"refresh_token":"abc"}`, "\xff\xfe", `{"username":"a","password":"b","x":{}}`,
	} {
		f.Add(seed, "/api/v1/auth/token")
		f.Add(seed, "/api/v1/auth/refresh")
	}
	env := newAuthEnv(f)
	f.Fuzz(func(t *testing.T, body, path string) {
		if path != "/api/v1/auth/token" && path != "/api/v1/auth/refresh" {
			path = "/api/v1/auth/token"
		}
		req := httptest.NewRequest("POST", path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := env.s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q → %d %s", path, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && resp.Header.Get(fiber.HeaderContentType) != problemJSON {
			t.Fatalf("%s %q → %d without problem+json", path, body, resp.StatusCode)
		}
	})
}

// FuzzAnchorCheck: whatever body a signed-in TOP sends to the anchor check, the answer is a
// result or a problem+json with a client status — never a panic, never a 500.
func FuzzAnchorCheck(f *testing.F) {
	for _, seed := range []string{
		`{"anchors":[{"comune":"H501","seq":8,"hash":"x","signedAt":"2026-01-01T00:00:00Z","signature":"AA==","keyId":"test"}]}`,
		`{"anchors":[{"comune":"H501","seq":1,"signedAt":"nope"}]}`, `{"anchors":null}`, `{"anchors":[{}]}`,
		`{"anchors":[{"comune":"H501","seq":99999999999999999999}]}`, `{"anchors":[{"comune":"F205","seq":1}]}`,
		`{"anchors":[{"comune":"H501","seq":2,"signature":"` + string(bytes.Repeat([]byte("A"), 300)) + `"}]}`,
	} {
		f.Add(seed)
	}
	env := newAuditEnv(f)
	token := env.tokens["top.h501"]
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/api/v1/audit/anchor/check", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := env.s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%q → %d %s", body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && resp.Header.Get(fiber.HeaderContentType) != problemJSON {
			t.Fatalf("%q → %d without problem+json", body, resp.StatusCode)
		}
	})
}
