package auditlog

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/varco-anpr/varco/internal/edkeys"
	"github.com/varco-anpr/varco/internal/store"
)

// checkpointVersion opens every signed message, so a signature can never be replayed as a
// signature over another kind of statement made with the same key.
const checkpointVersion = "varco-audit-checkpoint-v1"

// Signer signs checkpoints with one Ed25519 key from configuration, and checks them with that
// key or with the public keys of the keys it replaced (rotation: see Retire).
type Signer struct {
	keyID   string
	priv    ed25519.PrivateKey
	pub     ed25519.PublicKey
	retired map[string]ed25519.PublicKey
}

// NewSigner derives the Ed25519 key from a 32-byte seed (the configured secret); keyID names
// it in each checkpoint, so a verifier can tell which key to use after a rotation.
func NewSigner(seed []byte, keyID string) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("auditlog: signing seed has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	if keyID == "" {
		return nil, errors.New("auditlog: signing key needs an id")
	}
	priv := ed25519.NewKeyFromSeed(seed)
	return &Signer{keyID: keyID, priv: priv, pub: priv.Public().(ed25519.PublicKey)}, nil
}

// NewVerifier returns a Signer that holds public keys only (comma-separated PublicKeySpec
// values, current and retired alike): it checks checkpoints and anchors and cannot sign, so
// an auditor verifies the chain without any private key.
func NewVerifier(specs string) (*Signer, error) {
	keys, err := edkeys.Parse(specs)
	if err != nil {
		return nil, fmt.Errorf("auditlog: public key: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("auditlog: a verifier needs at least one public key")
	}
	return &Signer{retired: keys}, nil
}

// KeyID names the signing key.
func (s *Signer) KeyID() string { return s.keyID }

// PublicKey is the key that verifies this signer's checkpoints (publishable).
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

// Sign returns a checkpoint of the Comune's chain at (seq, hash), signed now.
func (s *Signer) Sign(comune string, seq int64, hash string, now time.Time) store.AuditCheckpoint {
	if s.priv == nil {
		panic("auditlog: a verifier (NewVerifier) cannot sign") // a wiring error, never input
	}
	at := now.UTC().Truncate(time.Microsecond) // what the databases keep: the signed value must survive a round trip
	sig := ed25519.Sign(s.priv, checkpointMessage(comune, seq, hash, at))
	return store.AuditCheckpoint{Comune: comune, Seq: seq, Hash: hash, SignedAt: at,
		Signature: base64.StdEncoding.EncodeToString(sig), KeyID: s.keyID}
}

// PublicKeySpec is the signer's public key as Retire reads it: "<key id>=<base64 key>". Keep
// it (in VARCO_AUDIT_RETIRED_KEYS) before rotating to a new key, so the checkpoints this key
// signed stay verifiable.
func (s *Signer) PublicKeySpec() string { return edkeys.Spec(s.keyID, s.pub) }

// Retire adds the public keys of earlier signing keys, as a comma-separated list of
// PublicKeySpec values; Check accepts checkpoints they signed. A retired key cannot sign, and
// an id may name one key only.
func (s *Signer) Retire(specs string) error {
	keys, err := edkeys.Parse(specs)
	if err != nil {
		return fmt.Errorf("auditlog: retired key: %w", err)
	}
	for id, pub := range keys {
		if _, dup := s.retired[id]; dup || id == s.keyID {
			return fmt.Errorf("auditlog: retired key %q: the id is already in use", id)
		}
		if s.retired == nil {
			s.retired = map[string]ed25519.PublicKey{}
		}
		s.retired[id] = pub
	}
	return nil
}

// Check reports why cp's signature does not hold, or nil.
func (s *Signer) Check(cp *store.AuditCheckpoint) error {
	pub, known := s.retired[cp.KeyID]
	if s.priv == nil && !known {
		return fmt.Errorf("signed with key %q, which is not among the public keys given", cp.KeyID)
	}
	if cp.KeyID == s.keyID && s.priv != nil {
		pub, known = s.pub, true
	}
	if !known {
		return fmt.Errorf("signed with key %q, which is neither the current key %q nor a retired one", cp.KeyID, s.keyID)
	}
	sig, err := base64.StdEncoding.DecodeString(cp.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("malformed signature")
	}
	if !ed25519.Verify(pub, checkpointMessage(cp.Comune, cp.Seq, cp.Hash, cp.SignedAt), sig) {
		return errors.New("signature does not match")
	}
	return nil
}

// checkpointMessage is what a checkpoint signs: the fields, length-prefixed like the chain's
// encoding, with the time in Unix microseconds.
func checkpointMessage(comune string, seq int64, hash string, at time.Time) []byte {
	var b []byte
	for _, f := range []string{checkpointVersion, comune, strconv.FormatInt(seq, 10), hash,
		strconv.FormatInt(at.UTC().UnixMicro(), 10)} {
		b = append(b, byte(len(f)>>24), byte(len(f)>>16), byte(len(f)>>8), byte(len(f)))
		b = append(b, f...)
	}
	return b
}
