package anpr

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// jwsLifetime is the exp-iat of every JWS we sign: short, since GovWay checks iat freshness.
const jwsLifetime = 5 * time.Minute

// Content type of the request body, sent and signed verbatim.
const contentTypeJSON = "application/json"

// signRS256 signs claims with the header {"alg":"RS256","kid":kid,"typ":"JWT"} PDND and GovWay expect.
func signRS256(key any, kid string, claims jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid
	tok.Header["typ"] = "JWT"
	s, err := tok.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign JWS: %w", err)
	}
	return s, nil
}

// trackingEvidence builds the AUDIT_REST_02 Agid-JWT-TrackingEvidence (docs/anpr.md §3.1).
// It must exist before the client assertion, whose digest claim binds it to the voucher.
func trackingEvidence(p Profile, op Operator, purposeID, aud string, now time.Time) (string, error) {
	nonce, err := dnonce()
	if err != nil {
		return "", err
	}
	iat := now.Unix()
	return signRS256(p.PrivateKey, p.Kid, jwt.MapClaims{
		"iss": p.ClientID, "sub": p.ClientID, "aud": aud, "purposeId": purposeID,
		"jti": uuid.NewString(), "iat": iat, "nbf": iat, "exp": now.Add(jwsLifetime).Unix(),
		"dnonce": nonce, "userID": op.UserID, "userLocation": op.UserLocation, "LoA": op.LoA,
	})
}

// clientAssertion builds the PDND client assertion (docs/anpr.md §3.2). PDND rejects any claim
// outside this set, nbf included, and a non-numeric iat/exp.
func clientAssertion(p Profile, purposeID, te string, now time.Time) (string, error) {
	return signRS256(p.PrivateKey, p.Kid, jwt.MapClaims{
		"iss": p.ClientID, "sub": p.ClientID, "aud": p.AssertionAudience,
		"jti": uuid.NewString(), "iat": now.Unix(), "exp": now.Add(jwsLifetime).Unix(),
		"purposeId": purposeID,
		"digest":    map[string]string{"alg": "SHA256", "value": sha256Hex(te)},
	})
}

// integritySignature builds the INTEGRITY_REST_02 Agid-JWT-Signature over the Digest and
// Content-Type headers actually sent (docs/anpr.md §3.3). signed_headers must be an array of
// one-key objects: GovWay rejects an object.
func integritySignature(p Profile, aud, digest string, now time.Time) (string, error) {
	iat := now.Unix()
	return signRS256(p.PrivateKey, p.Kid, jwt.MapClaims{
		"iss": p.ClientID, "sub": p.ClientID, "aud": aud,
		"iat": iat, "nbf": iat, "exp": now.Add(jwsLifetime).Unix(), "jti": uuid.NewString(),
		"signed_headers": []map[string]string{{"digest": digest}, {"content-type": contentTypeJSON}},
	})
}

// sha256Hex is the lowercase hex SHA-256 of the compact JWS bytes, as PDND's digest wants.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// dnonce is a random 13-digit integer.
func dnonce() (int64, error) {
	const lo, span = 1_000_000_000_000, 9_000_000_000_000
	n, err := rand.Int(rand.Reader, big.NewInt(span))
	if err != nil {
		return 0, fmt.Errorf("dnonce: %w", err)
	}
	return lo + n.Int64(), nil
}
