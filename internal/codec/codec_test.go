package codec

import (
	"bytes"
	"errors"
	"testing"

	"go.temporal.io/sdk/converter"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func TestRoundTripAndOpacity(t *testing.T) {
	c, err := New("k1", map[string][]byte{"k1": key(1)})
	if err != nil {
		t.Fatal(err)
	}
	dc := c.DataConverter()
	secret := map[string]string{"codiceFiscale": "STTSGT90A01H501J"}
	p, err := dc.ToPayload(secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Data, []byte("STTSGT90A01H501J")) || bytes.Contains(p.Data, []byte("codiceFiscale")) {
		t.Fatal("encrypted payload contains the plain text")
	}
	if string(p.Metadata[converter.MetadataEncoding]) != MetadataEncoding || string(p.Metadata[MetadataKeyID]) != "k1" {
		t.Fatalf("metadata %v", p.Metadata)
	}
	var back map[string]string
	if err := dc.FromPayload(p, &back); err != nil {
		t.Fatal(err)
	}
	if back["codiceFiscale"] != "STTSGT90A01H501J" {
		t.Fatalf("round trip gave %v", back)
	}
}

func TestRotationAndTampering(t *testing.T) {
	old, _ := New("k1", map[string][]byte{"k1": key(1)})
	rotated, err := New("k2", map[string][]byte{"k1": key(1), "k2": key(2)})
	if err != nil {
		t.Fatal(err)
	}
	onlyNew, _ := New("k2", map[string][]byte{"k2": key(2)})
	p, _ := old.DataConverter().ToPayload("hello")
	var s string
	if err := rotated.DataConverter().FromPayload(p, &s); err != nil || s != "hello" {
		t.Fatalf("rotated codec must read old payloads: %v %q", err, s)
	}
	if err := onlyNew.DataConverter().FromPayload(p, &s); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("want ErrUnknownKey, got %v", err)
	}
	p.Data[len(p.Data)-1] ^= 1
	if err := old.DataConverter().FromPayload(p, &s); err == nil {
		t.Fatal("a tampered payload must not decrypt")
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	cases := map[string]struct {
		cur  string
		keys map[string][]byte
	}{
		"short key":       {"k", map[string][]byte{"k": []byte("short")}},
		"missing current": {"x", map[string][]byte{"k": key(1)}},
	}
	for name, tc := range cases {
		if _, err := New(tc.cur, tc.keys); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}
