package auditlog_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

func signer(t testing.TB, b byte, id string) *auditlog.Signer {
	t.Helper()
	s, err := auditlog.NewSigner(bytes.Repeat([]byte{b}, 32), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// write stores n records of the Comune through a Writer checkpointing every `every`.
func write(t testing.TB, db *store.DB, w *auditlog.Writer, comune string, from, n int, at time.Time) {
	t.Helper()
	for i := from; i < from+n; i++ {
		_, err := w.Insert(context.Background(), &store.AuditRecord{
			RequestID: fmt.Sprintf("%s-%05d", comune, i), ComuneCode: comune, CreatedAt: at.Add(time.Duration(i) * time.Minute),
			UserID: int64(i % 3), Service: "C020", Outcome: "ok", HTTPStatus: 200, SubjectHash: "h", SubjectSealed: "v1:s"})
		must(t, err)
	}
}

// tamper runs SQL the application cannot: on SQLite it drops the append-only triggers (the
// test database is thrown away), on PostgreSQL it disables them around the statement, as the
// table's owner can.
func tamper(t *testing.T, db *store.DB, stmt string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if db.Kind == store.DialectSQLite {
		for _, tr := range []string{"audit_events_no_update", "audit_events_no_delete", "audit_checkpoints_no_update", "audit_checkpoints_no_delete"} {
			_, err := db.ExecContext(ctx, "DROP TRIGGER IF EXISTS "+tr)
			must(t, err)
		}
		_, err := db.ExecContext(ctx, stmt, args...)
		must(t, err)
		return
	}
	for _, tbl := range []string{"audit_events", "audit_checkpoints"} {
		_, err := db.ExecContext(ctx, "ALTER TABLE "+tbl+" DISABLE TRIGGER USER")
		must(t, err)
		defer func() {
			_, err := db.ExecContext(ctx, "ALTER TABLE "+tbl+" ENABLE TRIGGER USER")
			must(t, err)
		}()
	}
	_, err := db.ExecContext(ctx, stmt, args...)
	must(t, err)
}

var t0 = time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)

func TestVerifyCatchesTampering(t *testing.T) {
	cases := []struct {
		name    string
		tamper  string
		args    []any
		seq     int64
		reqID   string
		problem string
	}{
		{"intact", "", nil, 0, "", ""},
		{"altered field", "UPDATE audit_events SET outcome = 'denied' WHERE comune_code = 'H501' AND seq = 17", nil, 17, "H501-00016", auditlog.HashMismatch},
		{"altered time", "UPDATE audit_events SET created_at = ? WHERE comune_code = 'H501' AND seq = 3", []any{t0.Add(-time.Hour)}, 3, "H501-00002", auditlog.HashMismatch},
		{"deleted middle record", "DELETE FROM audit_events WHERE comune_code = 'H501' AND seq = 12", nil, 12, "", auditlog.Gap},
		{"deleted first record", "DELETE FROM audit_events WHERE comune_code = 'H501' AND seq = 1", nil, 1, "", auditlog.Gap},
		{"rewired link", "UPDATE audit_events SET prev_hash = 'ab' WHERE comune_code = 'H501' AND seq = 9", nil, 9, "H501-00008", auditlog.PrevMismatch},
		{"deleted tail", "DELETE FROM audit_events WHERE comune_code = 'H501' AND seq >= 39", nil, 39, "", auditlog.Truncated},
		{"deleted last record", "DELETE FROM audit_events WHERE comune_code = 'H501' AND seq = 40", nil, 40, "", auditlog.Truncated},
		{"forged checkpoint signature", "UPDATE audit_checkpoints SET signature = ? WHERE comune = 'H501' AND seq = 20",
			[]any{"AAAA" + string(bytes.Repeat([]byte("A"), 84))}, 20, "", auditlog.BadSignature},
		{"checkpoint moved in time", "UPDATE audit_checkpoints SET signed_at = ? WHERE comune = 'H501' AND seq = 10", []any{t0}, 10, "", auditlog.BadSignature},
		{"checkpoint of another hash", "UPDATE audit_checkpoints SET hash = 'ff' WHERE comune = 'H501' AND seq = 30", nil, 30, "", auditlog.BadSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.EachDB(t, func(t *testing.T, db *store.DB) {
				s := signer(t, 1, "k1")
				w := &auditlog.Writer{DB: db.DB, Signer: s, Every: 10}
				write(t, db, w, "H501", 0, 40, t0)
				write(t, db, w, "F205", 0, 5, t0)
				if tc.tamper != "" {
					tamper(t, db, tc.tamper, tc.args...)
				}
				rep, err := auditlog.Verify(context.Background(), db.DB, "H501", s)
				must(t, err)
				if tc.problem == "" {
					if !rep.OK || rep.Records != 40 || rep.Checkpoints != 4 || rep.FirstSeq != 1 || rep.LastSeq != 40 {
						t.Fatalf("intact chain: %+v", rep)
					}
					return
				}
				if rep.OK || rep.Break == nil {
					t.Fatalf("tampering not caught: %+v", rep)
				}
				b := rep.Break
				if b.Seq != tc.seq || b.Problem != tc.problem || b.RequestID != tc.reqID {
					t.Fatalf("break = %+v, want seq %d %s %q", b, tc.seq, tc.problem, tc.reqID)
				}
				// The other Comune's chain is untouched.
				other, err := auditlog.Verify(context.Background(), db.DB, "F205", s)
				must(t, err)
				if !other.OK || other.Records != 5 {
					t.Fatalf("F205: %+v", other)
				}
			})
		})
	}
}

func TestVerifyWithAnotherKey(t *testing.T) {
	db := storetest.SQLite(t)
	w := &auditlog.Writer{DB: db.DB, Signer: signer(t, 1, "k1"), Every: 5}
	write(t, db, w, "H501", 0, 5, t0)
	for _, s := range []*auditlog.Signer{signer(t, 2, "k1"), signer(t, 1, "k2")} {
		rep, err := auditlog.Verify(context.Background(), db.DB, "H501", s)
		must(t, err)
		if rep.OK || rep.Break.Problem != auditlog.BadSignature || rep.Break.Seq != 5 {
			t.Fatalf("key %s: %+v", s.KeyID(), rep)
		}
	}
	if _, err := auditlog.Verify(context.Background(), db.DB, "H501", nil); err == nil {
		t.Fatal("verify without a key")
	}
}

// TestKeyRotation: after the signing key is rotated, checkpoints signed by the old key verify
// only when its public key is kept as a retired key, and new checkpoints carry the new key.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	old := signer(t, 1, "a1")
	write(t, db, &auditlog.Writer{DB: db.DB, Signer: old, Every: 5}, "H501", 0, 5, t0)

	rotated := signer(t, 2, "a2")
	write(t, db, &auditlog.Writer{DB: db.DB, Signer: rotated, Every: 5}, "H501", 5, 5, t0)
	if rep, err := auditlog.Verify(ctx, db.DB, "H501", rotated); err != nil || rep.OK || rep.Break.Problem != auditlog.BadSignature {
		t.Fatalf("old checkpoints verified without the retired key: %+v %v", rep, err)
	}
	must(t, rotated.Retire(old.PublicKeySpec()))
	rep, err := auditlog.Verify(ctx, db.DB, "H501", rotated)
	if err != nil || !rep.OK || rep.Records != 10 || rep.Checkpoints != 2 {
		t.Fatalf("after rotation with the retired key kept: %+v %v", rep, err)
	}

	// A forged "a1" key does not pass for the real one.
	forged := signer(t, 3, "a1")
	other := signer(t, 2, "a2")
	must(t, other.Retire(forged.PublicKeySpec()))
	if rep, _ := auditlog.Verify(ctx, db.DB, "H501", other); rep.OK {
		t.Fatal("a different key retired under the old id verified the old checkpoints")
	}

	for _, bad := range []string{"a1", "=AAAA", "a1=not-base64", "a1=" + "AAAA", old.PublicKeySpec() + "," + old.PublicKeySpec(), "a2=" + old.PublicKeySpec()[3:]} {
		if err := signer(t, 2, "a2").Retire(bad); err == nil {
			t.Errorf("Retire(%q) accepted", bad)
		}
	}
	must(t, signer(t, 2, "a2").Retire(" , "))
}

// TestVerifierPublicKeysOnly: a verifier built from public keys alone (what an auditor
// holds) accepts the checkpoints of every key given, refuses those of a key not given, and
// cannot sign.
func TestVerifierPublicKeysOnly(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	old, cur := signer(t, 1, "a1"), signer(t, 2, "a2")
	write(t, db, &auditlog.Writer{DB: db.DB, Signer: old, Every: 5}, "H501", 0, 5, t0)
	write(t, db, &auditlog.Writer{DB: db.DB, Signer: cur, Every: 5}, "H501", 5, 5, t0)

	both, err := auditlog.NewVerifier(cur.PublicKeySpec() + "," + old.PublicKeySpec())
	must(t, err)
	if rep, err := auditlog.Verify(ctx, db.DB, "H501", both); err != nil || !rep.OK || rep.Checkpoints != 2 {
		t.Fatalf("both keys: %+v %v", rep, err)
	}
	onlyCur, err := auditlog.NewVerifier(cur.PublicKeySpec())
	must(t, err)
	if rep, err := auditlog.Verify(ctx, db.DB, "H501", onlyCur); err != nil || rep.OK || rep.Break.Problem != auditlog.BadSignature || rep.Break.Seq != 5 {
		t.Fatalf("without the old key: %+v %v", rep, err)
	}
	for _, bad := range []string{"", " , ", "a1=not-base64"} {
		if _, err := auditlog.NewVerifier(bad); err == nil {
			t.Errorf("NewVerifier(%q) accepted", bad)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a verifier signed")
		}
	}()
	both.Sign("H501", 1, "h", t0)
}

// TestChainUnderConcurrentWriters: 32 writers over two Comuni, with duplicates, leave two
// valid chains with every record once.
func TestChainUnderConcurrentWriters(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := signer(t, 1, "k1")
		w := &auditlog.Writer{DB: db.DB, Signer: s, Every: 16}
		var wg sync.WaitGroup
		errs := make(chan error, 32*21)
		for g := range 32 {
			wg.Go(func() {
				for i := range 10 {
					comune := []string{"H501", "F205"}[(g+i)%2]
					for range 2 { // every record twice: the retry of a committed audit step
						_, err := w.Insert(ctx, &store.AuditRecord{RequestID: fmt.Sprintf("g%d-%d", g, i), ComuneCode: comune, UserID: int64(g)})
						if err != nil {
							errs <- err
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, comune := range []string{"H501", "F205"} {
			rep, err := auditlog.Verify(ctx, db.DB, comune, s)
			must(t, err)
			if !rep.OK || rep.Records != 160 || rep.Checkpoints != 10 {
				t.Fatalf("%s: %+v", comune, rep)
			}
		}
	})
}

// TestVerifyUnchainedPrefix: records written before migration 0006 have a seq but no hash;
// they are counted, and the chain continues after them.
func TestVerifyUnchainedPrefix(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := 1; i <= 3; i++ {
			_, err := db.ExecContext(ctx, "INSERT INTO audit_events (request_id, created_at, comune_code, seq) VALUES (?, ?, 'H501', ?)",
				fmt.Sprintf("legacy-%d", i), t0, i)
			must(t, err)
		}
		_, err := db.ExecContext(ctx, "INSERT INTO audit_chain_heads (comune_code, seq, hash) VALUES ('H501', 3, '')")
		must(t, err)
		s := signer(t, 1, "k1")
		write(t, db, &auditlog.Writer{DB: db.DB, Signer: s, Every: 2}, "H501", 0, 4, t0)
		rep, err := auditlog.Verify(ctx, db.DB, "H501", s)
		must(t, err)
		if !rep.OK || rep.Records != 7 || rep.Unchained != 3 {
			t.Fatalf("%+v", rep)
		}
		// Unchained records may only come first: blanking a chained one is caught.
		tamper(t, db, "UPDATE audit_events SET hash = '', prev_hash = '' WHERE comune_code = 'H501' AND seq = 5")
		rep, err = auditlog.Verify(ctx, db.DB, "H501", s)
		must(t, err)
		if rep.OK || rep.Break.Seq != 5 {
			t.Fatalf("blanked record: %+v", rep)
		}
	})
}

// TestVerifyRewrittenRecord: an attacker who recomputes the altered record's hash (and moves
// the chain head) is still caught by the signed checkpoint at that seq.
func TestVerifyRewrittenRecord(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := signer(t, 1, "k1")
		write(t, db, &auditlog.Writer{DB: db.DB, Signer: s, Every: 10}, "H501", 0, 10, t0)
		r, err := store.AuditAt(ctx, db.DB, "H501", 10)
		must(t, err)
		r.Outcome = "denied"
		r.Hash = auditlog.ChainHash(r)
		tamper(t, db, "UPDATE audit_events SET outcome = ?, hash = ? WHERE id = ?", r.Outcome, r.Hash, r.ID)
		_, err = db.ExecContext(ctx, "UPDATE audit_chain_heads SET hash = ? WHERE comune_code = 'H501'", r.Hash)
		must(t, err)
		rep, err := auditlog.Verify(ctx, db.DB, "H501", s)
		must(t, err)
		if rep.OK || rep.Break.Problem != auditlog.CheckpointMismatch || rep.Break.Seq != 10 {
			t.Fatalf("%+v", rep.Break)
		}
	})
}
