package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/varco-anpr/varco/internal/config"
)

func init() {
	register(&command{name: "temporal jwks", args: "[-out FILE] [flags]",
		short:  "print the JWKS of temporal-jwt-key, for a Temporal cluster's jwtKeyProvider",
		groups: []config.Group{config.GroupCommon, config.GroupTemporal}, flags: temporalJWKSFlags, long: `
Prints the JSON Web Key Set with the public half of temporal-jwt-key (the same set Varco serves
at <oidc-issuer>/keys). A Temporal cluster reads it from a file (keySourceURIs: file://...):
it then trusts Varco's tokens without depending on a running varco api, which itself needs
Temporal to start (docs/operations.md).

Examples:
  varco temporal jwks > /etc/temporal/varco-jwks.json
  varco temporal jwks -out /jwks/varco-jwks.json     # an image without a shell (docker-compose.yml)`})
}

func temporalJWKSFlags(fs *flag.FlagSet) commandFunc {
	out := fs.String("out", "", "write the set to this file (mode 0644) instead of standard output")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		return runTemporalJWKS(ctx, cfg, *out)
	}
}

func runTemporalJWKS(_ context.Context, cfg config.Config, file string) error {
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
	if file != "" {
		// A public key: readable by the Temporal server's user.
		return os.WriteFile(file, append(out, '\n'), 0o644) //nolint:gosec // public key set
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
