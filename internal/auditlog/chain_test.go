package auditlog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestInsertAuditChains: each Comune's records get seq 1, 2, 3…, point at their predecessor's
// hash and carry the hash of their own fields; a duplicate request ID does not advance it.
func TestInsertAuditChains(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 12 {
			r := &store.AuditRecord{RequestID: fmt.Sprintf("c-%d", i), ComuneCode: []string{"H501", "F205"}[i%2],
				UserID: int64(i), Outcome: "ok", SubjectHash: "h", SubjectSealed: "v1:x"}
			ins, err := (&auditlog.Writer{DB: db.DB}).Insert(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if !ins || r.Seq != int64(i/2+1) || r.Hash != auditlog.ChainHash(r) {
				t.Fatalf("record %d: inserted=%v seq=%d hash ok=%v", i, ins, r.Seq, r.Hash == auditlog.ChainHash(r))
			}
		}
		dup := &store.AuditRecord{RequestID: "c-3", ComuneCode: "F205"}
		ins, err := (&auditlog.Writer{DB: db.DB}).Insert(ctx, dup)
		if err != nil {
			t.Fatal(err)
		}
		if ins || dup.Seq != 0 || dup.Hash != "" {
			t.Fatalf("duplicate: inserted=%v seq=%d hash=%q", ins, dup.Seq, dup.Hash)
		}
		for _, comune := range []string{"H501", "F205"} {
			page, err := store.AuditChainPage(ctx, db.DB, comune, 0, 1<<62, 100)
			if err != nil {
				t.Fatal(err)
			}
			prev := ""
			for i, r := range page {
				if r.Seq != int64(i+1) || r.PrevHash != prev || auditlog.ChainHash(&r) != r.Hash {
					t.Fatalf("%s seq %d: broken link (prev %q, want %q)", comune, r.Seq, r.PrevHash, prev)
				}
				prev = r.Hash
			}
			head, err := store.GetChainHead(ctx, db.DB, comune)
			if err != nil {
				t.Fatal(err)
			}
			if head.Seq != 6 || head.Hash != prev {
				t.Fatalf("%s head = %+v, want seq 6 hash %s", comune, head, prev)
			}
		}
	})
}

// TestChainHashCoversEveryField: changing any stored field (except the surrogate id) changes the hash.
func TestChainHashCoversEveryField(t *testing.T) {
	base := store.AuditRecord{RequestID: "r", CreatedAt: time.Unix(1, 0), ComuneCode: "H501", Seq: 1}
	h := auditlog.ChainHash(&base)
	muts := map[string]func(r *store.AuditRecord){
		"request_id": func(r *store.AuditRecord) { r.RequestID = "s" },
		"created_at": func(r *store.AuditRecord) { r.CreatedAt = r.CreatedAt.Add(time.Microsecond) },
		"user":       func(r *store.AuditRecord) { r.UserID = 1 },
		"ente":       func(r *store.AuditRecord) { r.EnteID = 1 },
		"comune":     func(r *store.AuditRecord) { r.ComuneCode = "F205" },
		"service":    func(r *store.AuditRecord) { r.Service = "C020" },
		"motivo":     func(r *store.AuditRecord) { r.Motivo = "m" },
		"outcome":    func(r *store.AuditRecord) { r.Outcome = "ok" },
		"error":      func(r *store.AuditRecord) { r.ErrorCode = "e" },
		"status":     func(r *store.AuditRecord) { r.HTTPStatus = 200 },
		"idopc":      func(r *store.AuditRecord) { r.IDOperazioneClient = "x" },
		"idopa":      func(r *store.AuditRecord) { r.IDOperazioneANPR = "x" },
		"govway":     func(r *store.AuditRecord) { r.GovWayTransactionID = "x" },
		"jti":        func(r *store.AuditRecord) { r.VoucherJTI = "x" },
		"corr":       func(r *store.AuditRecord) { r.CorrelationID = "x" },
		"duration":   func(r *store.AuditRecord) { r.DurationMS = 1 },
		"ws":         func(r *store.AuditRecord) { r.Workstation = "x" },
		"subject":    func(r *store.AuditRecord) { r.SubjectHash = "x" },
		"subject_cf": func(r *store.AuditRecord) { r.SubjectHashCF = "x" },
		"sealed":     func(r *store.AuditRecord) { r.SubjectSealed = "x" },
		"reason":     func(r *store.AuditRecord) { r.Reason = "x" },
		"seq":        func(r *store.AuditRecord) { r.Seq = 2 },
		"prev":       func(r *store.AuditRecord) { r.PrevHash = "x" },
		// Length prefixes: moving a character between adjacent fields is a different record.
		"boundary": func(r *store.AuditRecord) { r.RequestID, r.PrevHash = "", "r" },
	}
	for name, mut := range muts {
		r := base
		mut(&r)
		if auditlog.ChainHash(&r) == h {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
	if r := base; auditlog.ChainHash(&r) != h {
		t.Fatal("hash is not deterministic")
	}
	r := base
	r.ID = 99
	if auditlog.ChainHash(&r) != h {
		t.Fatal("the surrogate id is hashed")
	}
}
