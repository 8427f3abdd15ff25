package auth

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/clock"
)

// ErrInvalidToken covers every reason a bearer token is refused; callers answer 401 and
// never tell which check failed.
var ErrInvalidToken = errors.New("invalid or expired token")

const issuer = "varco"

// Tokens issues and verifies the API's short-lived access tokens: HS256 JWTs whose subject
// is the user's internal id. They carry no name and no role: roles are looked up on every
// request, so a changed grant applies at once. The "ver" claim is the user's token version at
// issue time: revoking a user's tokens bumps the version in the database, and the API refuses
// any token carrying an older one (docs/authentication.md).
type Tokens struct {
	key []byte
	ttl time.Duration
	now clock.Clock
}

// Claims are what a verified token says.
type Claims struct {
	UserID int64
	LoA    string
	ID     string
	Expiry time.Time
	// Version is the user's token version when the token was issued; tokens from before
	// versions existed read as 0, the column's default.
	Version int64
}

// NewTokens builds a token issuer; key must hold at least 32 bytes.
func NewTokens(key []byte, ttl time.Duration, now clock.Clock) (*Tokens, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("token key: %d bytes, want at least 32", len(key))
	}
	if now == nil {
		now = clock.System
	}
	return &Tokens{key: key, ttl: ttl, now: now}, nil
}

// TTL is the lifetime of issued tokens.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs a token at token version 0 for a user who authenticated at the given level of
// assurance. Sign-in uses IssueVersioned; Issue stays for callers (tests) of users whose tokens
// were never revoked.
func (t *Tokens) Issue(userID int64, loa string) (string, error) {
	return t.IssueVersioned(userID, 0, loa)
}

// IssueVersioned signs a token carrying the user's current token version.
func (t *Tokens) IssueVersioned(userID, version int64, loa string) (string, error) {
	tok, _, err := t.issue(userID, version, loa, t.ttl, "")
	return tok, err
}

func (t *Tokens) issue(userID, version int64, loa string, ttl time.Duration, audience string) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(ttl)
	claims := jwt.MapClaims{
		"iss": issuer,
		"sub": strconv.FormatInt(userID, 10),
		"iat": now.Unix(),
		"exp": exp.Unix(),
		"jti": uuid.NewString(),
		"loa": loa,
		"ver": version,
	}
	if audience != "" {
		claims["aud"] = audience
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return s, time.Unix(exp.Unix(), 0), nil
}

// Verify checks an access token's signature, algorithm, issuer and expiry, and returns the
// claims. A token with an audience (meant for some other party) is refused.
func (t *Tokens) Verify(token string) (Claims, error) {
	return t.verify(token, "")
}

func (t *Tokens) verify(token, audience string) (Claims, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	parsed, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return t.key, nil }, opts...)
	if err != nil || !parsed.Valid {
		return Claims{}, ErrInvalidToken
	}
	mc, _ := parsed.Claims.(jwt.MapClaims)
	if _, hasAud := mc["aud"]; hasAud && audience == "" {
		return Claims{}, ErrInvalidToken // a token for another audience is not an access token
	}
	sub, _ := mc["sub"].(string)
	id, err := strconv.ParseInt(sub, 10, 64)
	if err != nil || id <= 0 {
		return Claims{}, ErrInvalidToken
	}
	exp, _ := mc.GetExpirationTime()
	loa, _ := mc["loa"].(string)
	jti, _ := mc["jti"].(string)
	var ver int64
	if v, present := mc["ver"]; present {
		f, ok := v.(float64) // JSON numbers decode as float64
		if !ok || f < 0 || f != float64(int64(f)) {
			return Claims{}, ErrInvalidToken
		}
		ver = int64(f)
	}
	return Claims{UserID: id, LoA: loa, ID: jti, Expiry: exp.Time, Version: ver}, nil
}
