package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/varco-anpr/varco/internal/temporalauth"
)

// TestTemporalJWKS: the set `varco temporal jwks` prints is what Temporal's key provider
// parses (go-jose, as the server does), and it verifies a token Varco mints with the key.
func TestTemporalJWKS(t *testing.T) {
	key, _ := temporalauth.GenerateKey()
	t.Setenv("VARCO_TEMPORAL_JWT_KEY", key)
	t.Setenv("VARCO_TEMPORAL_JWT_KEY_ID", "t7")
	t.Setenv("VARCO_LOG_LEVEL", "error")
	file := filepath.Join(t.TempDir(), "jwks.json")
	if err := run([]string{"temporal", "jwks", "-out", file}, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("not a JWKS: %v\n%s", err, raw)
	}
	keys := set.Key("t7")
	if len(keys) != 1 || !keys[0].IsPublic() {
		t.Fatalf("keys for t7: %+v", set.Keys)
	}
	priv, _ := temporalauth.ParsePrivateKey(key)
	m, _ := temporalauth.NewMinter(priv, "t7", "test")
	tok, _, err := m.Mint("svc", []string{temporalauth.SystemAdmin}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return keys[0].Key, nil }, jwt.WithValidMethods([]string{"ES256"})); err != nil {
		t.Fatalf("the set does not verify Varco's token: %v", err)
	}
	other, _ := temporalauth.GenerateKey()
	op, _ := temporalauth.ParsePrivateKey(other)
	m2, _ := temporalauth.NewMinter(op, "t7", "test")
	forged, _, _ := m2.Mint("svc", []string{temporalauth.SystemAdmin}, time.Minute)
	if _, err := jwt.Parse(forged, func(*jwt.Token) (any, error) { return keys[0].Key, nil }); err == nil {
		t.Fatal("the set verifies a token of another key")
	}
}

func TestProbe(t *testing.T) {
	t.Setenv("VARCO_LOG_LEVEL", "error")
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	if err := run([]string{"probe", "-url", srv.URL}, &strings.Builder{}); err != nil {
		t.Fatalf("200: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := run([]string{"probe", "-url", srv.URL}, &strings.Builder{}); err == nil {
		t.Fatal("503 accepted")
	}
}
