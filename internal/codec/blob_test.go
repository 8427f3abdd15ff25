package codec_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/varco-anpr/varco/internal/codec"
)

func TestBlob(t *testing.T) {
	c, err := codec.New("k1", map[string][]byte{"k1": bytes.Repeat([]byte{7}, codec.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := c.SealBlob("batch-result:H501", []byte(`{"line":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "line") {
		t.Fatal("the blob is not encrypted")
	}
	plain, err := c.OpenBlob("batch-result:H501", sealed)
	if err != nil || string(plain) != `{"line":2}` {
		t.Fatalf("OpenBlob = %q, %v", plain, err)
	}
	if _, err := c.OpenBlob("batch-result:F205", sealed); err == nil {
		t.Fatal("a blob opened for another purpose")
	}
	other, _ := codec.New("k2", map[string][]byte{"k2": bytes.Repeat([]byte{8}, codec.KeySize)})
	if _, err := other.OpenBlob("batch-result:H501", sealed); err == nil {
		t.Fatal("a blob opened without its key")
	}
}
