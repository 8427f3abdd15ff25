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

// TestAuditIsAppendOnly: the database itself refuses to change or remove a record (or a
// checkpoint) outside the retention purge, and the purge's permission ends with it.
func TestAuditIsAppendOnly(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 3 {
			_, err := insertAudit(ctx, db.DB, &store.AuditRecord{RequestID: fmt.Sprintf("a-%d", i),
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
			_, err := insertAudit(ctx, db.DB, &store.AuditRecord{RequestID: fmt.Sprintf("p-%d", i), ComuneCode: "H501", CreatedAt: day(d)})
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
			_, err := insertAudit(ctx, db.DB, &recs[i])
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
