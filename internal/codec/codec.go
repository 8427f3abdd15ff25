// Package codec encrypts every Temporal payload with AES-256-GCM, so workflow inputs and
// results — which hold codici fiscali and ANPR's answers — are never stored in clear in
// Temporal's history. The key id travels in each payload's metadata so keys can rotate:
// old payloads stay readable while any key that wrote them is still configured.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

const (
	// MetadataEncoding marks an encrypted payload.
	MetadataEncoding = "binary/encrypted"
	// MetadataKeyID names the key that encrypted a payload.
	MetadataKeyID = "encryption-key-id"
	// KeySize is the AES-256 key size in bytes.
	KeySize = 32
)

// ErrUnknownKey is returned when a payload was encrypted with a key that is not configured.
var ErrUnknownKey = errors.New("payload encrypted with an unknown key")

// Codec is a converter.PayloadCodec. The current key encrypts; every configured key decrypts.
type Codec struct {
	current string
	aeads   map[string]cipher.AEAD
}

// New builds a codec: keys maps key id → 32-byte key, and current names the one that encrypts.
func New(current string, keys map[string][]byte) (*Codec, error) {
	c := &Codec{current: current, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("codec key %q: %d bytes, want %d", id, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("codec key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("codec key %q: %w", id, err)
		}
		c.aeads[id] = aead
	}
	if _, ok := c.aeads[current]; !ok {
		return nil, fmt.Errorf("codec: current key %q is not among the configured keys", current)
	}
	return c, nil
}

// Encode encrypts each payload (its metadata and data) under the current key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	aead := c.aeads[c.current]
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
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(c.current)),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads and passes others through unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != MetadataEncoding {
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
	aead, ok := c.aeads[keyID]
	if !ok {
		return nil, fmt.Errorf("codec decode (key %q): %w", keyID, ErrUnknownKey)
	}
	data := p.GetData()
	if len(data) < aead.NonceSize() {
		return nil, errors.New("codec decode: payload too short")
	}
	plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(keyID))
	if err != nil {
		return nil, fmt.Errorf("codec decode: %w", err)
	}
	var d commonpb.Payload
	if err := d.Unmarshal(plain); err != nil {
		return nil, fmt.Errorf("codec decode: %w", err)
	}
	return &d, nil
}

// DataConverter wraps the default converter with this codec: what every client and worker uses.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}
