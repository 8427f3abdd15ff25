// Package temporalauth is how Varco's processes, its operator and the Web UI's users prove
// who they are to Temporal's frontend: ES256 JWTs carrying a `permissions` claim in the form
// Temporal's default claim mapper reads ("<namespace>:<role>", "temporal-system:admin"), signed with
// one ECDSA P-256 key whose public half the server trusts (in-process in dev, Varco's JWKS in
// production).
//
// It deliberately does not import go.temporal.io/server: the API and the worker mint tokens,
// only the binary runs the server that checks them.
package temporalauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
)

// Roles of Temporal's default claim mapper.
const (
	RoleRead   = "read"
	RoleWrite  = "write"
	RoleWorker = "worker"
	RoleAdmin  = "admin"
	// SystemAdmin is the cluster administrator's permission. Temporal v1.32's claim mapper
	// takes the system scope from the name of its system namespace, temporal-system: a
	// "system:admin" entry would be read as admin of a namespace called "system".
	SystemAdmin = "temporal-system:admin"
)

// Permission is one entry of the permissions claim: "<namespace>:<role>".
func Permission(namespace, role string) string { return namespace + ":" + role }

// ParsePrivateKey decodes a base64 PKCS#8 ECDSA P-256 private key.
func ParsePrivateKey(b64 string) (*ecdsa.PrivateKey, error) {
	der, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("not base64")
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS#8 private key: %w", err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("not an ECDSA P-256 key (ES256)")
	}
	return ec, nil
}

// GenerateKey returns a new P-256 private key as base64 PKCS#8, the form of temporal-jwt-key.
func GenerateKey() (string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("marshal key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(der), nil
}
