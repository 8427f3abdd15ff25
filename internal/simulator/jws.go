package simulator

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// A small, strict JWS reader. The simulator must tell integrators exactly which check failed
// (numeric iat, forbidden nbf, aud shape...), which a general-purpose validating parser hides,
// so tokens are split and verified here and the claims are inspected one by one.

// jwsHeader is the protected header fields the simulator looks at.
type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// jws is a compact JWS split into its parts; claims are kept raw for strict inspection.
type jws struct {
	header       jwsHeader
	claims       claims
	signingInput string
	signature    []byte
}

var (
	errMalformed = errors.New("token malformato")
	errSignature = errors.New("Signature verification failure")
)

// parseJWS splits and decodes a compact JWS without verifying it.
func parseJWS(token string) (*jws, error) {
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return nil, fmt.Errorf("%w: attese tre parti separate da '.'", errMalformed)
	}
	var out jws
	if err := decodeSegment(h, &out.header); err != nil {
		return nil, fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	if err := decodeSegment(p, &out.claims); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: firma: %w", errMalformed, err)
	}
	out.signingInput, out.signature = token[:len(h)+1+len(p)], sig
	return &out, nil
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// verifyRS256 checks alg and the RSA signature.
func (t *jws) verifyRS256(key *rsa.PublicKey) error {
	if t.header.Alg != "RS256" {
		return fmt.Errorf("algoritmo %q non ammesso, atteso RS256", t.header.Alg)
	}
	if err := jwt.SigningMethodRS256.Verify(t.signingInput, t.signature, key); err != nil {
		return errSignature
	}
	return nil
}

// claims is a JWT payload kept as raw JSON values.
type claims map[string]json.RawMessage

// str returns a string claim; ok is false when absent or not a string.
func (c claims) str(name string) (string, bool) {
	raw, present := c[name]
	if !present {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// num returns a numeric claim (NumericDate); ok is false when absent or not a JSON number
// ("Character array is missing 'e' notation" in GovWay parlance for strings).
func (c claims) num(name string) (int64, bool) {
	raw, present := c[name]
	if !present || len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, false
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil {
		return 0, false
	}
	return int64(f), true
}

// has reports whether the claim is present and not JSON null.
func (c claims) has(name string) bool {
	raw, ok := c[name]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// audIs reports whether aud is want, either as a string or as a one-of array.
func (c claims) audIs(want string) bool {
	if s, ok := c.str("aud"); ok {
		return s == want
	}
	var list []string
	if raw, ok := c["aud"]; ok && json.Unmarshal(raw, &list) == nil {
		for _, a := range list {
			if a == want {
				return true
			}
		}
	}
	return false
}

// digestClaim is the PDND digest claim binding a voucher to one TrackingEvidence.
type digestClaim struct {
	Alg   string `json:"alg"`
	Value string `json:"value"`
}

// digest returns the digest claim; present is false when absent.
func (c claims) digest() (d digestClaim, present bool, err error) {
	raw, ok := c["digest"]
	if !ok {
		return d, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, true, fmt.Errorf("claim 'digest' non valido: %w", err)
	}
	return d, true, nil
}
