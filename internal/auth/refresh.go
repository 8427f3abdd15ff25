package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// RefreshTTL bounds a sign-in session: a refresh token family lives this long from the
// password sign-in that started it, and rotation never extends it, so an operator enters the
// password at least once per working day.
const RefreshTTL = 12 * time.Hour

// refreshBytes is the entropy of a refresh token: 256 bits, beyond any guessing.
const refreshBytes = 32

// RefreshTokenLen is the length of an encoded refresh token (unpadded base64url of 32 bytes).
var RefreshTokenLen = base64.RawURLEncoding.EncodedLen(refreshBytes)

// NewRefreshToken returns a fresh opaque refresh token, to hand to the client once, and its
// hash, the only form Varco stores: a stolen database copy yields no usable token.
func NewRefreshToken() (token, hash string, err error) {
	b := make([]byte, refreshBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: refresh token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashRefreshToken(token), nil
}

// HashRefreshToken is the stored form of a refresh token: hex SHA-256. An unsalted fast hash
// is right here (unlike passwords): the token is 256 random bits, so there is nothing to
// brute-force, and the lookup must be an index equality.
func HashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
