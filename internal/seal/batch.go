package seal

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/varco-anpr/varco/workflows"
)

// SealBatch returns a batch workflow's input with its Seal set: the same key and format as a
// query's seal, over a digest of another purpose, so neither can pass for the other.
func (s *Signer) SealBatch(in workflows.BatchInput) workflows.BatchInput {
	d := BatchDigest(in)
	in.Seal = version + "." + s.id + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(s.priv, d[:]))
	return in
}

// VerifyBatch checks a batch input's seal and that its deadline has not passed at now.
func (v *Verifier) VerifyBatch(in workflows.BatchInput, now time.Time) error {
	return v.verify(in.Seal, BatchDigest(in), in.Deadline, now)
}

// BatchDigest is the SHA-256 of every sealed field of a batch input: all but Seal and Cursor.
func BatchDigest(in workflows.BatchInput) [32]byte {
	b, _ := json.Marshal(struct {
		Purpose         string                   `json:"p"`
		BatchID         string                   `json:"b"`
		UserID          int64                    `json:"u"`
		Comune          string                   `json:"c"`
		Service         string                   `json:"s"`
		Motivo          string                   `json:"m"`
		DataRiferimento string                   `json:"d"`
		Workstation     string                   `json:"w"`
		LoA             string                   `json:"l"`
		ReceivedAt      int64                    `json:"t0"`
		Deadline        int64                    `json:"t1"`
		Subjects        []workflows.BatchSubject `json:"k"`
	}{"varco-anpr-batch", in.BatchID, in.UserID, in.Comune, in.Service, in.Motivo, in.DataRiferimento,
		in.Workstation, in.LoA, in.ReceivedAt.UnixNano(), in.Deadline.UnixNano(), in.Subjects})
	return sha256.Sum256(b)
}
