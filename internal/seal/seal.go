// Package seal authenticates the input of an AnprQuery workflow. The API signs what it
// authenticated (user, Comune, service, request id, a digest of the criteria, motivo and the
// rest, the times) with an Ed25519 key only it holds; the worker checks the signature before
// anything else. Whoever reaches Temporal's frontend can start a workflow, but without the key
// cannot make one that calls ANPR or writes an audit record in an operator's name.
//
// Ed25519 rather than HMAC: the worker needs only the public key, so a worker's secrets cannot
// forge a request either. Keys carry an id, as the audit's do, so they can rotate: retired
// public keys keep verifying until the longest request deadline has passed.
package seal

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/varco-anpr/varco/internal/edkeys"
	"github.com/varco-anpr/varco/workflows"
)

const version = "v1"

// Stable causes of a refused seal; all of them are audited as unauthenticated_request.
var (
	ErrMissing    = errors.New("seal: the input carries no seal")
	ErrMalformed  = errors.New("seal: malformed seal")
	ErrUnknownKey = errors.New("seal: signed with an unknown key")
	ErrMismatch   = errors.New("seal: the signature does not match the input")
	ErrExpired    = errors.New("seal: the request deadline has passed")
)

// Signer seals workflow inputs (the API's side).
type Signer struct {
	id   string
	priv ed25519.PrivateKey
}

// NewSigner builds a signer from a 32-byte Ed25519 seed and its key id.
func NewSigner(seed []byte, id string) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("seal key: %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	if id == "" || strings.ContainsAny(id, ".=,") {
		return nil, fmt.Errorf("seal key id %q: required, without '.', '=' or ','", id)
	}
	return &Signer{id: id, priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// Public returns the signer's key id and public key, for the workers' Verifier.
func (s *Signer) Public() (string, ed25519.PublicKey) {
	return s.id, s.priv.Public().(ed25519.PublicKey)
}

// Seal returns in with its Seal set.
func (s *Signer) Seal(in workflows.QueryInput) workflows.QueryInput {
	d := Digest(in)
	sig := ed25519.Sign(s.priv, d[:])
	in.Seal = version + "." + s.id + "." + base64.RawURLEncoding.EncodeToString(sig)
	return in
}

// Verifier checks seals (the worker's side).
type Verifier struct {
	keys map[string]ed25519.PublicKey
}

// NewVerifier accepts seals by any of the given keys (id → public key).
func NewVerifier(keys map[string]ed25519.PublicKey) (*Verifier, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no verification key")
	}
	v := &Verifier{keys: make(map[string]ed25519.PublicKey, len(keys))}
	for id, k := range keys {
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("seal: public key %q: %d bytes", id, len(k))
		}
		v.keys[id] = k
	}
	return v, nil
}

// Verify checks that in was sealed by a known key, unchanged, and that its deadline has not
// passed at now.
func (v *Verifier) Verify(in workflows.QueryInput, now time.Time) error {
	return v.verify(in.Seal, Digest(in), in.Deadline, now)
}

// verify checks a seal over digest, by a known key, and the deadline: the one check of a
// query's and a batch's seal.
func (v *Verifier) verify(seal string, digest [32]byte, deadline, now time.Time) error {
	if seal == "" {
		return ErrMissing
	}
	parts := strings.Split(seal, ".")
	if len(parts) != 3 || parts[0] != version {
		return ErrMalformed
	}
	key, ok := v.keys[parts[1]]
	if !ok {
		return fmt.Errorf("%w (%q)", ErrUnknownKey, parts[1])
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrMalformed
	}
	if !ed25519.Verify(key, digest[:], sig) {
		return ErrMismatch
	}
	if !now.Before(deadline) {
		return ErrExpired
	}
	return nil
}

// sealed is what the signature covers: every field of the input but the seal itself, in a
// fixed order, times as Unix nanoseconds (a JSON round trip keeps the instant, not always the
// zone), and verifica compacted (it is a raw JSON value).
type sealed struct {
	Purpose         string             `json:"p"`
	RequestID       string             `json:"r"`
	UserID          int64              `json:"u"`
	Comune          string             `json:"c"`
	Service         string             `json:"s"`
	Criteria        workflows.Criteria `json:"k"`
	Motivo          string             `json:"m"`
	DataRiferimento string             `json:"d"`
	Verifica        string             `json:"v"`
	Workstation     string             `json:"w"`
	LoA             string             `json:"l"`
	ReceivedAt      int64              `json:"t0"`
	Deadline        int64              `json:"t1"`
	Mode            string             `json:"o"`
	Fingerprint     string             `json:"f"`
	Refused         string             `json:"x"`
}

// Digest is the SHA-256 of the sealed fields of in.
func Digest(in workflows.QueryInput) [32]byte {
	var verifica bytes.Buffer
	if len(in.Verifica) > 0 && json.Compact(&verifica, in.Verifica) != nil {
		verifica.Reset()
		verifica.Write(in.Verifica) // not JSON: signed as it is
	}
	b, _ := json.Marshal(sealed{
		Purpose: "varco-anpr-query", RequestID: in.RequestID, UserID: in.UserID, Comune: in.Comune,
		Service: in.Service, Criteria: in.Criteria, Motivo: in.Motivo, DataRiferimento: in.DataRiferimento,
		Verifica: verifica.String(), Workstation: in.Workstation, LoA: in.LoA,
		ReceivedAt: in.ReceivedAt.UnixNano(), Deadline: in.Deadline.UnixNano(), Mode: string(in.Mode),
		Fingerprint: in.Fingerprint, Refused: in.Refused,
	})
	return sha256.Sum256(b)
}

// PublicKeySpec is the signer's public key as edkeys.Parse reads it: give it to workers that
// should verify without holding the private key, and keep it there for one request deadline
// after a rotation.
func (s *Signer) PublicKeySpec() string {
	id, pub := s.Public()
	return edkeys.Spec(id, pub)
}
