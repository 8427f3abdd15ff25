package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/varco-anpr/varco/internal/config"
)

func init() {
	register(&command{name: "temporal jwks", args: "[flags]",
		short:  "print the JWKS of temporal-jwt-key, for a Temporal cluster's jwtKeyProvider",
		groups: []config.Group{config.GroupCommon, config.GroupTemporal}, run: runTemporalJWKS, long: `
Prints the JSON Web Key Set with the public half of temporal-jwt-key (the same set Varco serves
at <oidc-issuer>/keys). A Temporal cluster reads it from a file (keySourceURIs: file://...):
it then trusts Varco's tokens without depending on a running varco api, which itself needs
Temporal to start (docs/operations.md).

Example:
  varco temporal jwks > /etc/temporal/varco-jwks.json`})
}

func runTemporalJWKS(_ context.Context, cfg config.Config, _ *slog.Logger) error {
	k, _, err := loadTemporalKey(cfg)
	if err != nil {
		return err
	}
	set, err := jwks(&k.PublicKey, cfg.TemporalJWTKID)
	if err != nil {
		return err
	}
	out, err := json.Marshal(set)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}

// jwk is one P-256 public key in RFC 7517/7518 form.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

func jwks(pub *ecdsa.PublicKey, kid string) (map[string][]jwk, error) {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	pt, err := pub.Bytes() // 0x04 || X || Y, 32 bytes each
	if err != nil || len(pt) != 65 {
		return nil, fmt.Errorf("temporal-jwt-key: not a P-256 key")
	}
	x, y := pt[1:33], pt[33:]
	return map[string][]jwk{"keys": {{Kty: "EC", Crv: "P-256", X: b64(x), Y: b64(y), Kid: kid, Alg: "ES256", Use: "sig"}}}, nil
}
