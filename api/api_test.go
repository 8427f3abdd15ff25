package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/errcode"
)

func knownCode(c string) bool { return errcode.Known(c) }

func TestValidateCriteri(t *testing.T) {
	cases := []struct {
		name string
		in   Criteri
		code string
	}{
		{"idANPR", Criteri{IDANPR: "AF41450AS"}, ""},
		{"idANPR lower case normalised", Criteri{IDANPR: "af41450as"}, ""},
		{"valid CF", Criteri{CodiceFiscale: "STTSGT90A01H501J"}, ""},
		{"omocodic CF", Criteri{CodiceFiscale: "RSSMRA80A01H50MM"}, ""},
		{"neither", Criteri{}, errcode.InvalidRequest.String()},
		{"both", Criteri{IDANPR: "AF41450AS", CodiceFiscale: "STTSGT90A01H501J"}, errcode.InvalidRequest.String()},
		{"short idANPR", Criteri{IDANPR: "AF4145"}, errcode.InvalidIDANPR.String()},
		{"idANPR with symbols", Criteri{IDANPR: "AF41450A$"}, errcode.InvalidIDANPR.String()},
		{"CF check char", Criteri{CodiceFiscale: "STTSGT90A01H501K"}, errcode.InvalidCF.String()},
		{"CF format", Criteri{CodiceFiscale: "STTSGT90A01H501"}, errcode.InvalidCF.String()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := validateCriteri(tc.in)
			got := ""
			if ae, ok := err.(*apiError); ok {
				got = string(ae.code)
			} else if err != nil {
				t.Fatalf("unexpected error type %T", err)
			}
			if got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
		})
	}
}

func TestRequestIDIsStableAndOpaque(t *testing.T) {
	a, _ := requestID("fascicolo-42", "H501", 3)
	b, _ := requestID("fascicolo-42", "H501", 3)
	c, _ := requestID("fascicolo-42", "H501", 4)
	d, _ := requestID("fascicolo-42", "F205", 3)
	if a != b || a == c || a == d || strings.Contains(a, "fascicolo") || !reRequestID.MatchString(a) {
		t.Fatalf("ids %s %s %s %s", a, b, c, d)
	}
	r, _ := requestID("", "H501", 3)
	if !reRequestID.MatchString(r) {
		t.Fatalf("random id %s does not match the request id pattern", r)
	}
	if _, err := requestID(strings.Repeat("k", 129), "H501", 3); err == nil {
		t.Fatal("an over-long key must be refused")
	}
}

func TestReferenceDay(t *testing.T) {
	now := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC) // already 27 Nov in Rome
	if d, _ := referenceDay("", now); d != "2026-11-27" {
		t.Fatalf("default day %s, want Europe/Rome's 2026-11-27", d)
	}
	for _, bad := range []string{"26/11/2026", "2026-13-01", "2026-11-28", "1700-01-01"} {
		if _, err := referenceDay(bad, now); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestProblemsWithoutBackends drives the error paths that need no database or Temporal.
func TestProblemsWithoutBackends(t *testing.T) {
	s := New(Deps{RequestTimeout: time.Second, Logger: discard()})
	cases := []struct {
		method, path, ctype, body string
		status                    int
		code                      string
	}{
		{"POST", "/api/v1/auth/token", "text/plain", "x", 415, errcode.UnsupportedMedia.String()},
		{"POST", "/api/v1/auth/token", "application/json", `{"username":"a"`, 400, errcode.InvalidRequest.String()},
		{"POST", "/api/v1/auth/token", "application/json", `{"username":"a","password":"b","otp":1}`, 400, errcode.InvalidRequest.String()},
		{"POST", "/api/v1/auth/token", "application/json", `{"username":"a","password":"b"} {}`, 400, errcode.InvalidRequest.String()},
		{"POST", "/api/v1/auth/token", "application/json", `{"username":"","password":""}`, 400, errcode.InvalidRequest.String()},
		{"POST", "/api/v1/anpr/C020", "application/json", `{}`, 401, errcode.Unauthorized.String()},
		{"GET", "/api/v1/audit", "", "", 401, errcode.Unauthorized.String()},
		{"GET", "/api/v1/nothing", "", "", 404, errcode.NotFound.String()},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path+" "+tc.body, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := s.App().Test(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), `"code":"`+tc.code+`"`) {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, b, tc.status, tc.code)
			}
			if ct := resp.Header.Get(fiber.HeaderContentType); ct != problemJSON {
				t.Fatalf("content type %q", ct)
			}
		})
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestValidateVerifica(t *testing.T) {
	c020, _ := catalogue.Lookup("C020")
	c008, _ := catalogue.Lookup("C008")
	cases := []struct {
		name string
		svc  catalogue.Service
		v    string
		ok   bool
	}{
		{"plain service without verifica", c020, "", true},
		{"plain service with verifica", c020, `{"generalita":{}}`, false},
		{"verification with its block", c008, `{"residenza":{"tipoIndirizzo":"1"}}`, true},
		{"its block and the subject's generalita", c008, `{"generalita":{"cognome":"ROSSI"},"residenza":{"tipoIndirizzo":"1"}}`, true},
		{"another service's block", c008, `{"cittadinanza":{"codiceStato":"100"}}`, false},
		{"its block beside another", c008, `{"residenza":{},"matrimonio":{}}`, false},
		{"only the subject's generalita", c008, `{"generalita":{"cognome":"ROSSI"}}`, false},
		{"block not an object", c008, `{"residenza":[{"tipoIndirizzo":"1"}]}`, false},
		{"block null", c008, `{"residenza":null}`, false},
		{"verification without verifica", c008, "", false},
		{"verification with null", c008, "null", false},
		{"verification with empty object", c008, "{}", false},
		{"verification with array", c008, "[1]", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := validateVerifica(tc.svc, json.RawMessage(tc.v))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
