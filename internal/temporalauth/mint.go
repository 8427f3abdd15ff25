package temporalauth

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Minter signs tokens for Temporal's frontend with one key.
type Minter struct {
	key    *ecdsa.PrivateKey
	kid    string
	issuer string
	now    func() time.Time
}

// NewMinter signs with key under key id kid; issuer is written in each token's iss.
func NewMinter(key *ecdsa.PrivateKey, kid, issuer string) (*Minter, error) {
	if key == nil || kid == "" {
		return nil, errors.New("temporalauth: key and key id required")
	}
	return &Minter{key: key, kid: kid, issuer: issuer, now: time.Now}, nil
}

// KeyID is the id of the signing key, in each token's kid header.
func (m *Minter) KeyID() string { return m.kid }

// Public is the key that verifies the tokens.
func (m *Minter) Public() *ecdsa.PublicKey { return &m.key.PublicKey }

// Mint signs a token for subject with the given permissions, valid for ttl.
func (m *Minter) Mint(subject string, permissions []string, ttl time.Duration) (string, time.Time, error) {
	if subject == "" || ttl <= 0 {
		return "", time.Time{}, errors.New("temporalauth: subject and a positive ttl required")
	}
	now := m.now()
	exp := now.Add(ttl)
	claims := jwt.MapClaims{
		"iss":         m.issuer,
		"sub":         subject,
		"iat":         now.Unix(),
		"nbf":         now.Add(-time.Minute).Unix(), // the frontend's clock may be a little behind
		"exp":         exp.Unix(),
		"jti":         uuid.NewString(),
		"permissions": permissions,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = m.kid
	s, err := t.SignedString(m.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign temporal token: %w", err)
	}
	return s, exp, nil
}
