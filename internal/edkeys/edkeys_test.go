package edkeys

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

func TestParse(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)).Public().(ed25519.PublicKey)
	keys, err := Parse(" " + Spec("a1", pub) + " , ,")
	if err != nil || !bytes.Equal(keys["a1"], pub) || len(keys) != 1 {
		t.Fatalf("Parse = %v, %v", keys, err)
	}
	for _, bad := range []string{"a1", "=AAAA", "a1=notbase64!", "a1=AAAA", Spec("a1", pub) + "," + Spec("a1", pub)} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
