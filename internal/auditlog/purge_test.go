package auditlog_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

func comune(t *testing.T, db *store.DB, code string) {
	t.Helper()
	must(t, store.CreateComune(context.Background(), db.DB, &store.Comune{Code: code, IstatCode: "i" + code, Name: code,
		Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}))
}

// TestPurgeExpired: records older than each Comune's period go, the chain still verifies
// from the purge's checkpoint, writing continues, and the purge is recorded.
func TestPurgeExpired(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := signer(t, 1, "k1")
		comune(t, db, "H501") // default 24 months
		comune(t, db, "F205")
		must(t, store.SetAuditRetention(ctx, db.DB, "F205", 6))
		now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
		w := &auditlog.Writer{DB: db.DB, Signer: s, Every: 7}
		month := func(m int) time.Time { return now.AddDate(0, -m, 0) }
		// One record per month, 30 months back to 1 month back, in both Comuni.
		for _, c := range []string{"H501", "F205"} {
			for m := 30; m >= 1; m-- {
				_, err := w.Insert(ctx, &store.AuditRecord{RequestID: c + time.Duration(m).String(), ComuneCode: c, CreatedAt: month(m).Add(time.Hour)})
				must(t, err)
			}
		}
		purged, err := auditlog.Retention{DB: db.DB, Signer: s}.PurgeExpired(ctx, now)
		must(t, err)
		// H501 keeps 24 months (created >= now-24m): months 24..1 → 24 kept, 6 gone.
		// F205 keeps 6: months 6..1 → 24 gone.
		if purged["H501"] != 6 || purged["F205"] != 24 {
			t.Fatalf("purged = %v", purged)
		}
		for c, first := range map[string]int64{"H501": 7, "F205": 25} {
			rep, err := auditlog.Verify(ctx, db.DB, c, s)
			must(t, err)
			if !rep.OK || rep.FirstSeq != first || rep.LastSeq != 30 || rep.Records != 31-first {
				t.Fatalf("%s after purge: %+v", c, rep)
			}
		}
		// The chain goes on after the purge, and a second run removes nothing new.
		_, err = w.Insert(ctx, &store.AuditRecord{RequestID: "after", ComuneCode: "H501", CreatedAt: now})
		must(t, err)
		again, err := auditlog.PurgeExpired(ctx, db.DB, now, s)
		must(t, err)
		if again["H501"] != 0 || again["F205"] != 0 {
			t.Fatalf("second run purged %v", again)
		}
		rep, err := auditlog.Verify(ctx, db.DB, "H501", s)
		must(t, err)
		if !rep.OK || rep.LastSeq != 31 {
			t.Fatalf("after more writes: %+v", rep)
		}
		// The purge is in the admin audit, by the system, with what it removed.
		evs, _, err := store.ListAdminEvents(ctx, db.DB, store.AdminEventQuery{Scopes: []store.Scope{{ComuneCode: "F205"}}, Action: auditlog.PurgeAction})
		must(t, err)
		if len(evs) != 1 || evs[0].ActorUserID != 0 || evs[0].Outcome != store.AdminOK {
			t.Fatalf("purge events: %+v", evs)
		}
		var after struct {
			Removed    int   `json:"removed"`
			ThroughSeq int64 `json:"throughSeq"`
		}
		must(t, json.Unmarshal([]byte(evs[0].After), &after))
		if after.Removed != 24 || after.ThroughSeq != 24 {
			t.Fatalf("purge event after = %s", evs[0].After)
		}
		// Deleting the purge's checkpoint leaves the chain unanchored: a gap from seq 1.
		tamper(t, db, "DELETE FROM audit_checkpoints WHERE comune = 'F205' AND seq <= 24")
		rep, err = auditlog.Verify(ctx, db.DB, "F205", s)
		must(t, err)
		if rep.OK || rep.Break.Problem != auditlog.Gap || rep.Break.Seq != 1 {
			t.Fatalf("unanchored chain: %+v", rep)
		}
	})
}

// TestPurgeEverything: a Comune whose every record expired still verifies (the checkpoint
// meets the chain head), and its next record links to the last removed one.
func TestPurgeEverything(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := signer(t, 1, "k1")
		w := &auditlog.Writer{DB: db.DB, Signer: s}
		write(t, db, w, "H501", 0, 5, t0)
		n, err := auditlog.Purge(ctx, db.DB, "H501", t0.AddDate(1, 0, 0), s)
		must(t, err)
		if n != 5 {
			t.Fatalf("removed %d", n)
		}
		rep, err := auditlog.Verify(ctx, db.DB, "H501", s)
		must(t, err)
		if !rep.OK || rep.Records != 0 || rep.Checkpoints != 1 {
			t.Fatalf("empty chain: %+v", rep)
		}
		write(t, db, w, "H501", 5, 2, t0.AddDate(2, 0, 0))
		rep, err = auditlog.Verify(ctx, db.DB, "H501", s)
		must(t, err)
		if !rep.OK || rep.FirstSeq != 6 || rep.Records != 2 {
			t.Fatalf("after new records: %+v", rep)
		}
		if _, err := auditlog.Purge(ctx, db.DB, "H501", t0, nil); err == nil {
			t.Fatal("purge without a key")
		}
	})
}

func TestNewSigner(t *testing.T) {
	if _, err := auditlog.NewSigner(make([]byte, 31), "k"); err == nil {
		t.Fatal("short seed accepted")
	}
	if _, err := auditlog.NewSigner(make([]byte, 32), ""); err == nil {
		t.Fatal("empty key id accepted")
	}
	a, b := signer(t, 1, "k"), signer(t, 1, "k")
	if !a.PublicKey().Equal(b.PublicKey()) {
		t.Fatal("the key is not derived from the seed alone")
	}
	cp := a.Sign("H501", 3, "abc", time.Now())
	if err := b.Check(&cp); err != nil {
		t.Fatal(err)
	}
	cp.Seq = 4
	if err := b.Check(&cp); err == nil {
		t.Fatal("a checkpoint moved to another seq still verifies")
	}
}
