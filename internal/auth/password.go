// Package auth authenticates Varco's users: password hashing here, tokens elsewhere in the
// package.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: RFC 9106's second recommended option (64 MiB, 3 passes)
// with parallelism 2 to match the 2-core machines Varco runs on. Hashes record their own
// parameters, so raising these later keeps old hashes verifiable (see NeedsRehash).
const (
	argonMemoryKiB = 64 * 1024
	argonTime      = 3
	argonThreads   = 2
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Bounds on parameters read back from a stored hash: a tampered row must not make one
// verification allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB = 1024 * 1024
	maxTime      = 16
	maxKeyLen    = 128
)

// ErrInvalidHash: the encoded string is not an argon2id hash this package can read.
var ErrInvalidHash = errors.New("auth: invalid password hash")

var b64 = base64.RawStdEncoding

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

// HashPassword returns pw hashed with argon2id and a random salt, in the PHC string format
// "$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>" (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches encoded. A wrong password is (false, nil); an
// unreadable hash is (false, error wrapping ErrInvalidHash). The comparison is constant-time.
func VerifyPassword(encoded, pw string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with other parameters than HashPassword uses
// now, so a caller can store a fresh hash after a successful login.
func NeedsRehash(encoded string) bool {
	p, _, key, err := decodeHash(encoded)
	if err != nil {
		return true
	}
	return p != argonParams{memory: argonMemoryKiB, time: argonTime, threads: argonThreads} || len(key) != argonKeyLen
}

func decodeHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not argon2id PHC format", ErrInvalidHash)
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: unsupported version", ErrInvalidHash)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, fmt.Errorf("%w: parameters: %w", ErrInvalidHash, err)
	}
	if p.memory == 0 || p.memory > maxMemoryKiB || p.time == 0 || p.time > maxTime || p.threads == 0 {
		return p, nil, nil, fmt.Errorf("%w: parameters out of range", ErrInvalidHash)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrInvalidHash)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > maxKeyLen {
		return p, nil, nil, fmt.Errorf("%w: key", ErrInvalidHash)
	}
	return p, salt, key, nil
}
