package auth

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	key := bytes.Repeat([]byte{7}, 32)
	tk, err := NewTokens(key, time.Minute, clock)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := tk.Issue(42, "LoA2")
	other, _ := NewTokens(bytes.Repeat([]byte{8}, 32), time.Minute, clock)
	forged, _ := other.Issue(42, "LoA2")
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": "varco", "sub": "42", "exp": now.Add(time.Hour).Unix()}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	cases := []struct {
		name  string
		token string
		at    time.Time
		ok    bool
	}{
		{"valid", good, now, true},
		{"expired", good, now.Add(2 * time.Minute), false},
		{"other key", forged, now, false},
		{"alg none", none, now, false},
		{"garbage", "abc.def.ghi", now, false},
		{"empty", "", now, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now = tc.at
			c, err := tk.Verify(tc.token)
			if tc.ok && (err != nil || c.UserID != 42 || c.LoA != "LoA2") {
				t.Fatalf("want valid, got %+v %v", c, err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("want ErrInvalidToken, got %v", err)
			}
		})
	}
	if _, err := NewTokens([]byte("short"), time.Minute, nil); err == nil {
		t.Fatal("short key accepted")
	}
}

// TestVerifyRefusesAudience: a token meant for another party (it names an audience) is not
// an access token, even signed with the right key.
func TestVerifyRefusesAudience(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	now := time.Unix(1_800_000_000, 0)
	tk, err := NewTokens(key, 15*time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{"iss": "varco", "sub": "42", "exp": now.Add(time.Hour).Unix()}
	plain, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if _, err := tk.Verify(plain); err != nil {
		t.Fatalf("the same token without an audience is refused: %v", err)
	}
	claims["aud"] = "elsewhere"
	other, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if _, err := tk.Verify(other); err == nil {
		t.Fatal("a token with an audience was accepted")
	}
}
