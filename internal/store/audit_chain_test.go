package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// TestInsertAuditChains: each Comune's records get seq 1, 2, 3…, point at their predecessor's
// hash and carry the hash of their own fields; a duplicate request ID does not advance it.
func TestInsertAuditChains(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 12 {
			r := &store.AuditRecord{RequestID: fmt.Sprintf("c-%d", i), ComuneCode: []string{"H501", "F205"}[i%2],
				UserID: int64(i), Outcome: "ok", SubjectHash: "h", SubjectSealed: "v1:x"}
			ins, err := store.InsertAudit(ctx, db.DB, r)
			mustNoErr(t, err)
			if !ins || r.Seq != int64(i/2+1) || r.Hash != store.ChainHash(r) {
				t.Fatalf("record %d: inserted=%v seq=%d hash ok=%v", i, ins, r.Seq, r.Hash == store.ChainHash(r))
			}
		}
		dup := &store.AuditRecord{RequestID: "c-3", ComuneCode: "F205"}
		ins, err := store.InsertAudit(ctx, db.DB, dup)
		mustNoErr(t, err)
		if ins || dup.Seq != 0 || dup.Hash != "" {
			t.Fatalf("duplicate: inserted=%v seq=%d hash=%q", ins, dup.Seq, dup.Hash)
		}
		for _, comune := range []string{"H501", "F205"} {
			page, err := store.AuditChainPage(ctx, db.DB, comune, 0, 1<<62, 100)
			mustNoErr(t, err)
			prev := ""
			for i, r := range page {
				if r.Seq != int64(i+1) || r.PrevHash != prev || store.ChainHash(&r) != r.Hash {
					t.Fatalf("%s seq %d: broken link (prev %q, want %q)", comune, r.Seq, r.PrevHash, prev)
				}
				prev = r.Hash
			}
			head, err := store.GetChainHead(ctx, db.DB, comune)
			mustNoErr(t, err)
			if head.Seq != 6 || head.Hash != prev {
				t.Fatalf("%s head = %+v, want seq 6 hash %s", comune, head, prev)
			}
		}
	})
}

// TestChainHashCoversEveryField: changing any stored field (except the surrogate id) changes the hash.
func TestChainHashCoversEveryField(t *testing.T) {
	base := store.AuditRecord{RequestID: "r", CreatedAt: time.Unix(1, 0), ComuneCode: "H501", Seq: 1}
	h := store.ChainHash(&base)
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
		if store.ChainHash(&r) == h {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
	if r := base; store.ChainHash(&r) != h {
		t.Fatal("hash is not deterministic")
	}
	r := base
	r.ID = 99
	if store.ChainHash(&r) != h {
		t.Fatal("the surrogate id is hashed")
	}
}

// TestAuditIsAppendOnly: the database itself refuses to change or remove a record (or a
// checkpoint) outside the retention purge, and the purge's permission ends with it.
func TestAuditIsAppendOnly(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 3 {
			_, err := store.InsertAudit(ctx, db.DB, &store.AuditRecord{RequestID: fmt.Sprintf("a-%d", i),
				ComuneCode: "H501", CreatedAt: old.Add(time.Duration(i) * time.Hour)})
			mustNoErr(t, err)
		}
		_, err := store.InsertCheckpoint(ctx, db.DB, &store.AuditCheckpoint{Comune: "H501", Seq: 1, Hash: "h",
			SignedAt: time.Now(), Signature: "s", KeyID: "k"})
		mustNoErr(t, err)
		refused := []struct{ name, stmt string }{
			{"update", "UPDATE audit_events SET outcome = 'ok' WHERE request_id = 'a-1'"},
			{"update hash", "UPDATE audit_events SET hash = '' WHERE seq = 1"},
			{"delete", "DELETE FROM audit_events WHERE request_id = 'a-1'"},
			{"delete all", "DELETE FROM audit_events"},
			{"update checkpoint", "UPDATE audit_checkpoints SET hash = 'x'"},
			{"delete checkpoint", "DELETE FROM audit_checkpoints"},
		}
		if db.Kind == store.DialectPostgres {
			refused = append(refused,
				struct{ name, stmt string }{"truncate", "TRUNCATE audit_events"},
				struct{ name, stmt string }{"truncate checkpoints", "TRUNCATE audit_checkpoints"},
				// The setting names the Comune it lets the purge delete from.
				struct{ name, stmt string }{"other comune's setting", "SELECT set_config('varco.audit_purge', 'F205', false); DELETE FROM audit_events"})
		}
		for _, tc := range refused {
			_, err := db.ExecContext(ctx, tc.stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: want an append-only refusal, got %v", tc.name, err)
			}
		}
		if db.Kind == store.DialectSQLite {
			// A guard row for another Comune or a later cutoff lets nothing else go.
			_, err := db.ExecContext(ctx, "INSERT INTO audit_purge_guard (comune_code, before) VALUES ('F205', ?)", time.Now().UTC())
			mustNoErr(t, err)
			_, err = db.ExecContext(ctx, "DELETE FROM audit_events")
			if err == nil {
				t.Error("a guard row for another Comune let H501's records go")
			}
		}
		var n int
		mustNoErr(t, store.Tx(ctx, db.DB, func(tx bun.Tx) error {
			var err error
			n, err = store.DeleteAuditThrough(ctx, tx, "H501", 2, old.Add(24*time.Hour))
			return err
		}))
		if n != 2 {
			t.Fatalf("purge removed %d, want 2", n)
		}
		_, err = db.ExecContext(ctx, "DELETE FROM audit_events WHERE request_id = 'a-2'")
		if err == nil {
			t.Fatal("delete allowed after the purge's transaction")
		}
		left, err := db.NewSelect().Model((*store.AuditRecord)(nil)).Count(ctx)
		mustNoErr(t, err)
		if left != 1 {
			t.Fatalf("%d records left, want 1", left)
		}
	})
}

func TestPurgeBoundIsAPrefix(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := func(d int) time.Time { return time.Date(2024, 1, d, 12, 0, 0, 0, time.UTC) }
		// Chain order differs from creation order: seq 3 is newer than seq 4.
		for i, d := range []int{1, 2, 20, 3, 21} {
			_, err := store.InsertAudit(ctx, db.DB, &store.AuditRecord{RequestID: fmt.Sprintf("p-%d", i), ComuneCode: "H501", CreatedAt: day(d)})
			mustNoErr(t, err)
		}
		cases := []struct {
			before time.Time
			want   int64
		}{{day(1), 0}, {day(2), 1}, {day(10), 2}, {day(21), 4}, {day(30), 5}}
		for _, tc := range cases {
			got, err := store.PurgeBound(ctx, db.DB, "H501", tc.before)
			mustNoErr(t, err)
			if got != tc.want {
				t.Errorf("before %s: bound %d, want %d", tc.before.Format(time.DateOnly), got, tc.want)
			}
		}
		got, err := store.PurgeBound(ctx, db.DB, "F205", day(30))
		mustNoErr(t, err)
		if got != 0 {
			t.Fatalf("empty Comune: bound %d", got)
		}
	})
}

func TestAuditRetention(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fixture(t, db, "H501")
		fixture(t, db, "F205")
		mustNoErr(t, store.SetAuditRetention(ctx, db.DB, "F205", 6))
		got, err := store.AuditRetentions(ctx, db.DB)
		mustNoErr(t, err)
		if got["H501"] != 24 || got["F205"] != 6 || len(got) != 2 {
			t.Fatalf("retentions = %v", got)
		}
		wantErr(t, store.SetAuditRetention(ctx, db.DB, "H501", 5), store.ErrRetentionTooShort)
		wantErr(t, store.SetAuditRetention(ctx, db.DB, "X999", 12), store.ErrNotFound)
		// The table's CHECK holds even for SQL that bypasses the function.
		if _, err := db.ExecContext(ctx, "UPDATE comuni SET audit_retention_months = 3"); err == nil {
			t.Fatal("the database accepted a 3-month retention")
		}
	})
}

func TestListAuditBySubject(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		recs := []store.AuditRecord{
			{RequestID: "s1", SubjectHash: "id-A"},                        // by idANPR
			{RequestID: "s2", SubjectHash: "id-A", SubjectHashCF: "cf-A"}, // by CF, idANPR resolved
			{RequestID: "s3", SubjectHash: "cf-A"},                        // by CF, not resolved
			{RequestID: "s4", SubjectHash: "id-B", SubjectHashCF: "cf-B"},
			{RequestID: "s5"},
		}
		for i := range recs {
			recs[i].ComuneCode = "H501"
			recs[i].CreatedAt = time.Date(2025, 1, 1, 0, i, 0, 0, time.UTC)
			_, err := store.InsertAudit(ctx, db.DB, &recs[i])
			mustNoErr(t, err)
		}
		cases := map[string]string{"id-A": "s2 s1", "cf-A": "s3 s2", "cf-B": "s4", "nobody": "", "unresolved": ""}
		for subject, want := range cases {
			got := listAll(t, db, store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}, Subject: subject})
			if strings.Join(got, " ") != want {
				t.Errorf("subject %s: got %v, want %s", subject, got, want)
			}
		}
	})
}
