package codec

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// ParseKeys reads earlier keys of the ring from configuration: comma-separated
// "<key id>=<base64 32-byte key>". With them, New decrypts the history they encrypted while
// the current key alone encrypts: a rotation adds the new key as current and keeps the old one
// here until Temporal's retention has dropped every workflow it wrote.
func ParseKeys(specs string) (map[string][]byte, error) {
	out := map[string][]byte{}
	for spec := range strings.SplitSeq(specs, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		id, b64, ok := strings.Cut(spec, "=")
		if !ok || id == "" {
			return nil, fmt.Errorf("codec key: want <id>=<base64 key>, got an entry without an id")
		}
		k, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(k) != KeySize {
			return nil, fmt.Errorf("codec key %q: want %d bytes of base64", id, KeySize)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("codec key %q: given twice", id)
		}
		out[id] = k
	}
	return out, nil
}
