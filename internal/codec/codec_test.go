package codec

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

// bound is a codec of the key ring keys bound to ns, failing the test on error.
func bound(t *testing.T, current string, keys map[string][]byte, ns string) *Codec {
	t.Helper()
	ring, err := New(current, keys)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ring.ForNamespace(ns)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTripAndOpacity(t *testing.T) {
	c := bound(t, "k1", map[string][]byte{"k1": key(1)}, "comune-h501")
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
	const ns = "comune-h501"
	old := bound(t, "k1", map[string][]byte{"k1": key(1)}, ns)
	rotated := bound(t, "k2", map[string][]byte{"k1": key(1), "k2": key(2)}, ns)
	onlyNew := bound(t, "k2", map[string][]byte{"k2": key(2)}, ns)
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

// TestBoundToNamespace is the F205 replay: a payload of H501 decoded under F205's namespace —
// through the data converter or the codec directly, metadata forged or not — does not open.
func TestBoundToNamespace(t *testing.T) {
	keys := map[string][]byte{"k1": key(1)}
	h501 := bound(t, "k1", keys, "comune-h501")
	f205 := bound(t, "k1", keys, "comune-f205")
	p, err := h501.DataConverter().ToPayload(map[string]string{"idANPR": "AF41450AS"})
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]string
	if err := f205.DataConverter().FromPayload(p, &back); !errors.Is(err, ErrWrongNamespace) {
		t.Fatalf("F205 opened H501's payload: err %v, got %v", err, back)
	}
	// Relabelled to F205, it still fails: the key and the authenticated data are F205's.
	forged := proto.Clone(p).(*commonpb.Payload)
	forged.Metadata[MetadataNamespace] = []byte("comune-f205")
	if _, err := f205.Decode([]*commonpb.Payload{forged}); err == nil {
		t.Fatal("a relabelled payload opened in another namespace")
	}
	if err := h501.DataConverter().FromPayload(p, &back); err != nil || back["idANPR"] != "AF41450AS" {
		t.Fatalf("own namespace: %v %v", err, back)
	}
	ring, _ := New("k1", keys)
	if _, err := ring.Encode([]*commonpb.Payload{p}); !errors.Is(err, ErrUnbound) {
		t.Fatalf("the unbound key ring encoded: %v", err)
	}
}

// TestLegacyPayloadsStayReadable: histories written before namespace binding (master key, key
// id as authenticated data) still open, within their retention.
func TestLegacyPayloadsStayReadable(t *testing.T) {
	legacy := legacyEncode(t, key(1), "k1", []byte(`"hello"`))
	c := bound(t, "k1", map[string][]byte{"k1": key(1)}, "comune-h501")
	var s string
	if err := c.DataConverter().FromPayload(legacy, &s); err != nil || s != "hello" {
		t.Fatalf("legacy payload: %v %q", err, s)
	}
}

// legacyEncode writes a payload as the codec did before namespace binding.
func legacyEncode(t *testing.T, k []byte, id string, data []byte) *commonpb.Payload {
	t.Helper()
	inner := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/plain")}, Data: data}
	plain, err := inner.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	aead, err := gcm(k)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	return &commonpb.Payload{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte(MetadataEncoding), MetadataKeyID: []byte(id)},
		Data:     aead.Seal(nonce, nonce, plain, []byte(id)),
	}
}

// TestStrictRefusesPlain: Varco's own converters never decode a hand-written plain payload;
// the codec endpoint's lenient codec passes it on for display.
func TestStrictRefusesPlain(t *testing.T) {
	c := bound(t, "k1", map[string][]byte{"k1": key(1)}, "comune-h501")
	plain, err := converter.GetDefaultDataConverter().ToPayload(map[string]any{"userId": 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Strict().Decode([]*commonpb.Payload{plain})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypePlain || !appErr.NonRetryable() {
		t.Fatalf("strict decode of a plain payload: %v", err)
	}
	out, err := c.Decode([]*commonpb.Payload{plain})
	if err != nil || !proto.Equal(out[0], plain) {
		t.Fatalf("lenient decode: %v", err)
	}
}

// TestRotationFromConfiguration: after a rotation configured as ParseKeys reads it, the ring
// opens what the old key wrote and encrypts under the new one only; without the old key, the
// old history stays closed.
func TestRotationFromConfiguration(t *testing.T) {
	const ns = "comune-h501"
	old := bound(t, "k1", map[string][]byte{"k1": key(1)}, ns)
	written, err := old.Encode([]*commonpb.Payload{{Data: []byte("old history")}})
	if err != nil {
		t.Fatal(err)
	}
	retired, err := ParseKeys(" k1=" + base64.StdEncoding.EncodeToString(key(1)) + " , ")
	if err != nil {
		t.Fatal(err)
	}
	retired["k2"] = key(2)
	rotated := bound(t, "k2", retired, ns)
	got, err := rotated.Decode(written)
	if err != nil || string(got[0].Data) != "old history" {
		t.Fatalf("old payload after rotation: %v %q", err, got)
	}
	fresh, err := rotated.Encode([]*commonpb.Payload{{Data: []byte("new")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Decode(fresh); err == nil {
		t.Fatal("the retired key opened a payload written after the rotation")
	}
	if _, err := bound(t, "k2", map[string][]byte{"k2": key(2)}, ns).Decode(written); err == nil {
		t.Fatal("the old history opened without the old key")
	}
	for _, bad := range []string{"k1", "=AAAA", "k1=not-base64", "k1=" + base64.StdEncoding.EncodeToString(key(1)[:16]),
		"k1=" + base64.StdEncoding.EncodeToString(key(1)) + ",k1=" + base64.StdEncoding.EncodeToString(key(2))} {
		if _, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}
