// Package secretbox seals secrets kept in Varco's database — the Comuni's PDND private keys —
// with AES-256-GCM under a key from configuration, so a copy of the database alone does not
// let anyone sign ANPR calls in a Comune's name.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

const prefix = "v1:"

// ErrNotSealed is returned by Open for a value that was stored in clear.
var ErrNotSealed = errors.New("secretbox: value is not sealed")

// Box seals and opens values. Purpose binds a sealed value to what it is for (as associated
// data): a sealed private key cannot be passed off as another kind of secret.
type Box struct {
	aead cipher.AEAD
}

// New builds a Box from a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secretbox: key has %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain for purpose and returns printable text for a TEXT column.
func (b *Box) Seal(purpose string, plain []byte) (string, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secretbox: nonce: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, plain, []byte(purpose))
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value sealed for purpose.
func (b *Box) Open(purpose, sealed string) ([]byte, error) {
	enc, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return nil, ErrNotSealed
	}
	data, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil || len(data) < b.aead.NonceSize() {
		return nil, errors.New("secretbox: malformed sealed value")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, data[:n], data[n:], []byte(purpose))
	if err != nil {
		return nil, fmt.Errorf("secretbox: open: %w", err)
	}
	return plain, nil
}
