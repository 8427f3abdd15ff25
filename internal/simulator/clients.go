package simulator

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// The integrator's client file, used by `varco simulate --register-client FILE` and by
// POST /admin/clients: what the PDND back office would hold for a client.
//
//	{"clientId":"<uuid>","kid":"…","publicKeyPem":"-----BEGIN PUBLIC KEY-----…","purposes":{"<purposeId>":"C020"}}

// ErrInvalidClient is wrapped by every ParseClientJSON error.
var ErrInvalidClient = errors.New("invalid client")

type clientFile struct {
	ClientID     string            `json:"clientId"`
	Kid          string            `json:"kid"`
	PublicKeyPEM string            `json:"publicKeyPem"`
	Purposes     map[string]string `json:"purposes"`
}

func invalidClient(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidClient}, args...)...)
}

// ParseClientJSON reads a client file strictly: unknown fields, a clientId or purposeId that
// is not a UUID, a key that is not RSA ≥ 2048 bits, or an unknown service code are errors.
func ParseClientJSON(data []byte) (Client, error) {
	var f clientFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Client{}, invalidClient("%w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Client{}, invalidClient("data after the JSON object")
	}
	if err := uuid.Validate(f.ClientID); err != nil {
		return Client{}, invalidClient("clientId %q is not a UUID", f.ClientID)
	}
	if strings.TrimSpace(f.Kid) == "" {
		return Client{}, invalidClient("kid is empty")
	}
	pub, err := parseRSAPublicKeyPEM(f.PublicKeyPEM)
	if err != nil {
		return Client{}, invalidClient("publicKeyPem: %w", err)
	}
	if len(f.Purposes) == 0 {
		return Client{}, invalidClient("purposes is empty: map each purposeId to a service code")
	}
	for pid, code := range f.Purposes {
		if err := uuid.Validate(pid); err != nil {
			return Client{}, invalidClient("purposeId %q is not a UUID", pid)
		}
		if _, ok := catalogue.Lookup(code); !ok {
			return Client{}, invalidClient("purpose %s: unknown service code %q", pid, code)
		}
	}
	return Client{ClientID: f.ClientID, Kid: f.Kid, PublicKey: pub, Purposes: f.Purposes}, nil
}

// parseRSAPublicKeyPEM accepts one "PUBLIC KEY" (SPKI, what PDND asks for) or "RSA PUBLIC
// KEY" (PKCS#1) block.
func parseRSAPublicKeyPEM(s string) (*rsa.PublicKey, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("more than one PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q, want PUBLIC KEY (a private key must never be uploaded)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w", err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%T is not an RSA key (PDND accepts RS256 only)", key)
	}
	if pub.N.BitLen() < minClientKeyBits {
		return nil, fmt.Errorf("RSA key of %d bits, want ≥ %d", pub.N.BitLen(), minClientKeyBits)
	}
	return pub, nil
}

// JSON returns the client in the client-file format (indented), e.g. for the CLI to print.
func (c Client) JSON() ([]byte, error) {
	if c.PublicKey == nil {
		return nil, errors.New("simulator: client without public key")
	}
	der, err := x509.MarshalPKIXPublicKey(c.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("simulator: encoding public key: %w", err)
	}
	b, err := json.MarshalIndent(clientFile{
		ClientID: c.ClientID, Kid: c.Kid, Purposes: c.Purposes,
		PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("simulator: encoding client: %w", err)
	}
	return b, nil
}

// NewDemoClient creates a ready client for integrators who have none: an RSA-2048 key
// written as PKCS#8 PEM to a new file in dir (mode 0600), a UUID client id, a kid, and one
// purposeId per catalogue service. It does not register the client.
func NewDemoClient(dir string) (Client, string, error) {
	key, err := rsa.GenerateKey(rand.Reader, minClientKeyBits)
	if err != nil {
		return Client{}, "", fmt.Errorf("simulator: generating demo key: %w", err)
	}
	c := Client{ClientID: uuid.NewString(), Kid: keyID(&key.PublicKey), PublicKey: &key.PublicKey, Purposes: map[string]string{}}
	for _, svc := range catalogue.All() {
		c.Purposes[uuid.NewString()] = svc.Code
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Client{}, "", fmt.Errorf("simulator: encoding demo key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Client{}, "", fmt.Errorf("simulator: demo key directory: %w", err)
	}
	path := filepath.Join(dir, "varco-demo-client-"+c.ClientID+".key.pem")
	// O_EXCL: never overwrite a key someone may be using.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Client{}, "", fmt.Errorf("simulator: writing demo key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		_ = f.Close()
		return Client{}, "", fmt.Errorf("simulator: writing demo key: %w", err)
	}
	if err := f.Close(); err != nil {
		return Client{}, "", fmt.Errorf("simulator: writing demo key: %w", err)
	}
	return c, path, nil
}
