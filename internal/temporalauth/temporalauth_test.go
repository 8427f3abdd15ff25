package temporalauth

import (
	"context"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func newMinter(t *testing.T) *Minter {
	t.Helper()
	b64, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePrivateKey(b64)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMinter(k, "t1", "varco")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMintVerifiesWithThePublicKey(t *testing.T) {
	m := newMinter(t)
	tok, _, err := m.Mint("varco-worker", []string{SystemAdmin, Permission("comune-h501", RoleRead)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.Parse(tok, func(tk *jwt.Token) (any, error) {
		if tk.Header["kid"] != "t1" {
			t.Errorf("kid %v", tk.Header["kid"])
		}
		return m.Public(), nil
	}, jwt.WithValidMethods([]string{"ES256"}))
	if err != nil {
		t.Fatal(err)
	}
	c := parsed.Claims.(jwt.MapClaims)
	perms := c["permissions"].([]any)
	if c["sub"] != "varco-worker" || len(perms) != 2 || perms[1] != "comune-h501:read" {
		t.Fatalf("claims %v", c)
	}
}

func TestParsePrivateKeyRefusesOtherKeys(t *testing.T) {
	for _, in := range []string{"", "!!", "AAAA"} {
		if _, err := ParsePrivateKey(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestHeadersProviderRefreshesBeforeExpiry(t *testing.T) {
	m := newMinter(t)
	now := time.Unix(1_800_000_000, 0)
	m.now = func() time.Time { return now }
	h := NewHeadersProvider(m, "varco-api", []string{SystemAdmin}, 8*time.Minute)
	first, err := h.GetHeaders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(5 * time.Minute) // 3 of 8 minutes left: still more than a quarter
	same, _ := h.GetHeaders(context.Background())
	if same["authorization"] != first["authorization"] {
		t.Fatal("renewed too early")
	}
	now = now.Add(90 * time.Second) // 1.5 minutes left: less than a quarter
	renewed, _ := h.GetHeaders(context.Background())
	if renewed["authorization"] == first["authorization"] {
		t.Fatal("not renewed before expiry")
	}
}
