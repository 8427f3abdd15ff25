package auditlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestAnchors: an anchor kept outside the database catches a rewritten, truncated or holed
// chain, and a forged anchor; a record removed by the purge is reported as such.
func TestAnchors(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key := signer(t, 1, "a1")
		write(t, db, &auditlog.Writer{DB: db.DB, Signer: key, Every: 1000}, "H501", 0, 10, t0)
		head, ok, err := auditlog.AnchorHead(ctx, db.DB, "H501", key, t0)
		if err != nil || !ok || head.Seq != 10 {
			t.Fatalf("anchor head: %+v %v %v", head, ok, err)
		}
		if _, ok, _ := auditlog.AnchorHead(ctx, db.DB, "F205", key, t0); ok {
			t.Fatal("anchored a Comune without records")
		}
		atSeq := func(seq int64, hash string) auditlog.Anchor {
			cp := key.Sign("H501", seq, hash, t0)
			return auditlog.Anchor{Comune: cp.Comune, Seq: cp.Seq, Hash: cp.Hash, SignedAt: cp.SignedAt, Signature: cp.Signature, KeyID: cp.KeyID}
		}
		rec2, err := store.AuditAt(ctx, db.DB, "H501", 2)
		must(t, err)
		rec6, err := store.AuditAt(ctx, db.DB, "H501", 6)
		must(t, err)
		forged := head
		forged.Hash = rec6.Hash

		check := func(name string, a auditlog.Anchor, want string) {
			t.Helper()
			got, err := auditlog.CheckAnchor(ctx, db.DB, key, a)
			must(t, err)
			if got.Outcome != want || got.OK() != (want == auditlog.AnchorHolds || want == auditlog.AnchorPurged) {
				t.Errorf("%s: %+v, want %s", name, got, want)
			}
		}
		check("intact", head, auditlog.AnchorHolds)
		check("forged anchor", forged, auditlog.BadSignature)
		check("past the head", atSeq(11, "whatever"), auditlog.Truncated)

		tamper(t, db, "UPDATE audit_events SET hash = 'rewritten' WHERE comune_code = 'H501' AND seq = 10")
		check("rewritten chain", head, auditlog.CheckpointMismatch)
		tamper(t, db, "DELETE FROM audit_events WHERE comune_code = 'H501' AND seq = 6")
		check("hole", atSeq(6, rec6.Hash), auditlog.Gap)
		tamper(t, db, "DELETE FROM audit_events WHERE comune_code = 'H501' AND seq <= 3")
		check("purged", atSeq(2, rec2.Hash), auditlog.AnchorPurged)
	})
}

func TestReadAnchors(t *testing.T) {
	a := auditlog.Anchor{Comune: "H501", Seq: 7, Hash: "abc", SignedAt: t0, Signature: "sig", KeyID: "a1"}
	line, _ := json.Marshal(a)
	got, err := auditlog.ReadAnchors(bytes.NewReader(append(append(line, '\n', '\n'), line...)))
	if err != nil || len(got) != 2 || got[1] != a {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, bad := range []string{"not json", `{"comune":"H501"}`, `{"seq":3}`} {
		if _, err := auditlog.ReadAnchors(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
