// Package edkeys reads and writes Ed25519 public keys as comma-separated "<key id>=<base64
// key>" lists: how the audit's retired signing keys and the workers' seal keys are configured,
// so that keys can rotate while what the old ones signed still verifies.
package edkeys

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"strings"
)

// Spec is one key as Parse reads it.
func Spec(id string, pub ed25519.PublicKey) string {
	return id + "=" + base64.StdEncoding.EncodeToString(pub)
}

// Parse reads a comma-separated list of Spec values; blanks are skipped, a malformed entry or
// an id given twice is an error that names the id, never the key.
func Parse(specs string) (map[string]ed25519.PublicKey, error) {
	out := map[string]ed25519.PublicKey{}
	for _, spec := range strings.Split(specs, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		id, key, ok := strings.Cut(spec, "=")
		pub, err := base64.StdEncoding.DecodeString(key)
		if !ok || id == "" || err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("public key %q: want <key id>=<base64 Ed25519 public key>", id)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("public key id %q given twice", id)
		}
		out[id] = pub
	}
	return out, nil
}
