package auth

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestNewRefreshToken(t *testing.T) {
	a, ha, err := NewRefreshToken()
	if err != nil {
		t.Fatal(err)
	}
	b, hb, _ := NewRefreshToken()
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 || len(a) != RefreshTokenLen || a == b || ha == hb {
		t.Fatalf("tokens %q %q", a, b)
	}
	if ha != HashRefreshToken(a) || len(ha) != 64 || ha == a {
		t.Fatalf("hash %q", ha)
	}
}

func TestTokenVersionClaim(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	key := bytes.Repeat([]byte{7}, 32)
	tk, _ := NewTokens(key, time.Minute, func() time.Time { return now })
	v3, _ := tk.IssueVersioned(42, 3, "LoA2")
	if c, err := tk.Verify(v3); err != nil || c.Version != 3 || c.UserID != 42 {
		t.Fatalf("versioned: %+v %v", c, err)
	}
	v0, _ := tk.Issue(42, "LoA2")
	if c, err := tk.Verify(v0); err != nil || c.Version != 0 {
		t.Fatalf("Issue: %+v %v", c, err)
	}
	// A token from before versions existed (no "ver") reads as version 0; a malformed "ver"
	// is refused, not read as 0.
	sign := func(ver any) string {
		mc := jwt.MapClaims{"iss": issuer, "sub": "42", "exp": now.Add(time.Minute).Unix()}
		if ver != nil {
			mc["ver"] = ver
		}
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, mc).SignedString(key)
		return s
	}
	if c, err := tk.Verify(sign(nil)); err != nil || c.Version != 0 {
		t.Fatalf("legacy: %+v %v", c, err)
	}
	for _, bad := range []any{"1", -1, 1.5} {
		if _, err := tk.Verify(sign(bad)); err == nil {
			t.Errorf("ver %v accepted", bad)
		}
	}
}
