// Package codec encrypts every Temporal payload with AES-256-GCM, so workflow inputs and
// results — which hold codici fiscali and ANPR's answers — are never stored in clear in
// Temporal's history. The key id travels in each payload's metadata so keys can rotate:
// old payloads stay readable while any key that wrote them is still configured.
//
// Each payload is bound to its namespace, that is to its Comune: it is encrypted under a key
// derived from the master key for that namespace (HKDF-SHA256), with the namespace as
// authenticated data. A payload copied from one Comune's history into another's, or posted to
// the codec endpoint under another Comune's namespace, does not open.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

const (
	// MetadataEncoding marks an encrypted payload.
	MetadataEncoding = "binary/encrypted"
	// MetadataKeyID names the key that encrypted a payload.
	MetadataKeyID = "encryption-key-id"
	// MetadataNamespace names the namespace a payload is bound to. Payloads written before
	// namespace binding lack it and open with the master key itself ("legacy").
	MetadataNamespace = "encryption-namespace"
	// KeySize is the AES-256 key size in bytes.
	KeySize = 32
	// ErrTypePlain is the error type of a plain payload refused by a strict codec.
	ErrTypePlain = "unencrypted_payload"
)

var (
	// ErrUnknownKey is returned when a payload was encrypted with a key that is not configured.
	ErrUnknownKey = errors.New("payload encrypted with an unknown key")
	// ErrWrongNamespace is returned for a payload bound to another namespace.
	ErrWrongNamespace = errors.New("payload bound to another namespace")
	// ErrUnbound is returned when encoding with a codec not bound to a namespace.
	ErrUnbound = errors.New("codec not bound to a namespace")
)

// Codec is a converter.PayloadCodec. New returns the key ring; ForNamespace binds it to a
// namespace, which Encode requires. The current key encrypts; every configured key decrypts.
type Codec struct {
	current string
	masters map[string][]byte
	legacy  map[string]cipher.AEAD // master keys, for payloads written before binding
	ns      string
	bound   map[string]cipher.AEAD // keys derived for ns
	strict  bool
}

// New builds the key ring: keys maps key id → 32-byte key, and current names the one that
// encrypts.
func New(current string, keys map[string][]byte) (*Codec, error) {
	c := &Codec{current: current, masters: maps.Clone(keys), legacy: make(map[string]cipher.AEAD, len(keys))}
	for id, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("codec key %q: %d bytes, want %d", id, len(k), KeySize)
		}
		aead, err := gcm(k)
		if err != nil {
			return nil, fmt.Errorf("codec key %q: %w", id, err)
		}
		c.legacy[id] = aead
	}
	if _, ok := c.legacy[current]; !ok {
		return nil, fmt.Errorf("codec: current key %q is not among the configured keys", current)
	}
	return c, nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ForNamespace returns the codec of one namespace: it encrypts under that namespace's keys
// and opens only payloads bound to it (or written before binding).
func (c *Codec) ForNamespace(ns string) (*Codec, error) {
	b := *c
	b.ns, b.bound = ns, make(map[string]cipher.AEAD, len(c.masters))
	for id, master := range c.masters {
		k, err := hkdf.Key(sha256.New, master, nil, "varco temporal payload key; namespace="+ns, KeySize)
		if err != nil {
			return nil, fmt.Errorf("codec key %q for %s: %w", id, ns, err)
		}
		aead, err := gcm(k)
		if err != nil {
			return nil, fmt.Errorf("codec key %q for %s: %w", id, ns, err)
		}
		b.bound[id] = aead
	}
	return &b, nil
}

// Strict returns a copy that refuses plain payloads instead of passing them through: what
// Varco's clients and workers use, so a workflow started with a hand-written plain input is
// never decoded. Only the Web UI's codec endpoint passes plain payloads on, for display.
func (c *Codec) Strict() *Codec {
	s := *c
	s.strict = true
	return &s
}

// Namespace is the namespace the codec is bound to, "" for the key ring.
func (c *Codec) Namespace() string { return c.ns }

func (c *Codec) aad(keyID string) []byte { return []byte(keyID + "\x00" + c.ns) }

// Encode encrypts each payload (its metadata and data) under the namespace's current key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.ns == "" {
		return nil, ErrUnbound
	}
	out := make([]*commonpb.Payload, len(payloads))
	aead := c.bound[c.current]
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("codec encode: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("codec nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(MetadataEncoding),
				MetadataKeyID:              []byte(c.current),
				MetadataNamespace:          []byte(c.ns),
			},
			Data: aead.Seal(nonce, nonce, plain, c.aad(c.current)),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads. A plain payload passes through unchanged, unless the
// codec is strict: then it is refused with a non-retryable error of type ErrTypePlain.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != MetadataEncoding {
			if c.strict {
				return nil, temporal.NewNonRetryableApplicationError(
					"codec: refused an unencrypted payload (Varco's workflows take only encrypted input)", ErrTypePlain, nil)
			}
			out[i] = p
			continue
		}
		d, err := c.decodeOne(p)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

func (c *Codec) decodeOne(p *commonpb.Payload) (*commonpb.Payload, error) {
	keyID := string(p.GetMetadata()[MetadataKeyID])
	aead, aad, err := c.opener(keyID, p.GetMetadata())
	if err != nil {
		return nil, err
	}
	data := p.GetData()
	if len(data) < aead.NonceSize() {
		return nil, errors.New("codec decode: payload too short")
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("codec decode: %w", err)
	}
	var d commonpb.Payload
	if err := d.Unmarshal(plain); err != nil {
		return nil, fmt.Errorf("codec decode: %w", err)
	}
	return &d, nil
}

// opener picks the key and authenticated data of a payload: the namespace's derived key for a
// bound payload, the master key for one written before binding.
func (c *Codec) opener(keyID string, md map[string][]byte) (cipher.AEAD, []byte, error) {
	ns, bound := md[MetadataNamespace]
	if !bound {
		aead, ok := c.legacy[keyID]
		if !ok {
			return nil, nil, fmt.Errorf("codec decode (key %q): %w", keyID, ErrUnknownKey)
		}
		return aead, []byte(keyID), nil
	}
	if string(ns) != c.ns {
		return nil, nil, fmt.Errorf("codec decode: %w: written in %q, read in %q", ErrWrongNamespace, ns, c.ns)
	}
	aead, ok := c.bound[keyID]
	if !ok {
		return nil, nil, fmt.Errorf("codec decode (key %q): %w", keyID, ErrUnknownKey)
	}
	return aead, c.aad(keyID), nil
}

// DataConverter wraps the default converter with this codec: what every client and worker
// uses, from a codec bound to the client's namespace.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}
