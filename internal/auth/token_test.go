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

// TestBrowserSessionTokens: a browser session token lives BrowserSessionTTL, opens only
// VerifyBrowser, and an access token does not pass for one.
func TestBrowserSessionTokens(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tk, err := NewTokens(bytes.Repeat([]byte{7}, 32), 15*time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	browser, exp, err := tk.IssueBrowser(42, 3, "LoA2")
	if err != nil || !exp.Equal(now.Add(BrowserSessionTTL)) {
		t.Fatalf("issue: exp %v, err %v", exp, err)
	}
	access, _ := tk.IssueVersioned(42, 3, "LoA2")
	otherAud, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": "varco", "sub": "42", "aud": "elsewhere",
		"exp": now.Add(time.Hour).Unix()}).SignedString(bytes.Repeat([]byte{7}, 32))
	for _, tc := range []struct {
		name   string
		verify func(string) (Claims, error)
		token  string
		after  time.Duration
		wantOK bool
	}{
		{"browser token as browser session", tk.VerifyBrowser, browser, 0, true},
		{"browser token after 7 h", tk.VerifyBrowser, browser, 7 * time.Hour, true},
		{"browser token after 9 h", tk.VerifyBrowser, browser, 9 * time.Hour, false},
		{"browser token as access token", tk.Verify, browser, 0, false},
		{"access token as browser session", tk.VerifyBrowser, access, 0, false},
		{"another audience as access token", tk.Verify, otherAud, 0, false},
		{"another audience as browser session", tk.VerifyBrowser, otherAud, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			saved := now
			now = now.Add(tc.after)
			defer func() { now = saved }()
			c, err := tc.verify(tc.token)
			if (err == nil) != tc.wantOK {
				t.Fatalf("err = %v, want ok=%v", err, tc.wantOK)
			}
			if tc.wantOK && (c.UserID != 42 || c.Version != 3 || c.LoA != "LoA2") {
				t.Fatalf("claims %+v", c)
			}
		})
	}
}
