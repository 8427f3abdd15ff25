package secretbox

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := New(bytes.Repeat([]byte{2}, 32))
	secret := []byte("-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n")
	s, err := b.Seal("pdnd-key:H501", secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "PRIVATE KEY") {
		t.Fatal("sealed value shows the secret")
	}
	cases := []struct {
		name    string
		box     *Box
		purpose string
		value   string
		ok      bool
	}{
		{"round trip", b, "pdnd-key:H501", s, true},
		{"other purpose", b, "pdnd-key:F205", s, false},
		{"other key", other, "pdnd-key:H501", s, false},
		{"clear text", b, "pdnd-key:H501", string(secret), false},
		{"garbage", b, "pdnd-key:H501", "v1:!!!", false},
		{"truncated", b, "pdnd-key:H501", s[:10], false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.box.Open(tc.purpose, tc.value)
			if tc.ok != (err == nil) || (tc.ok && !bytes.Equal(got, secret)) {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	if _, err := b.Open("x", "plain"); !errors.Is(err, ErrNotSealed) {
		t.Fatalf("want ErrNotSealed, got %v", err)
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}
