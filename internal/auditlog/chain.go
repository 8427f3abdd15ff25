package auditlog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"

	"github.com/varco-anpr/varco/internal/store"
)

// chainVersion opens every hashed encoding, so a future change of the field list cannot
// produce a hash that an older encoding also produces.
const chainVersion = "varco-audit-chain-v1"

// ChainHash is the hex SHA-256 of the canonical encoding of every stored field of r except
// ID (a surrogate the database assigns after the hash is computed; Seq orders the chain):
// each field is written as a 4-byte big-endian length and its bytes, integers and the
// creation time (Unix microseconds, what both databases keep) in decimal. Length prefixes
// make the encoding injective: no two different records encode to the same bytes.
func ChainHash(r *store.AuditRecord) string {
	h := sha256.New()
	for _, s := range []string{
		chainVersion, r.ComuneCode, itoa(r.Seq), r.PrevHash, r.RequestID, itoa(r.CreatedAt.UnixMicro()),
		itoa(r.UserID), itoa(r.EnteID), r.Service, r.Motivo, r.Outcome, string(r.ErrorCode), itoa(int64(r.HTTPStatus)),
		r.IDOperazioneClient, r.IDOperazioneANPR, r.GovWayTransactionID, r.VoucherJTI, r.CorrelationID,
		itoa(r.DurationMS), r.Workstation, r.SubjectHash, r.SubjectHashCF, r.SubjectSealed, r.Reason,
	} {
		writeField(h, s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func writeField(h hash.Hash, s string) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// link makes r the next link after head: its seq, its predecessor's hash, its own hash.
func link(r *store.AuditRecord, head store.ChainHead) {
	r.Seq, r.PrevHash = head.Seq+1, head.Hash
	r.Hash = ChainHash(r)
}
