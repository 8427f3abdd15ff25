package auditlog_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
	"github.com/varco-anpr/varco/workflows"
)

// TestWriteAuditSubject: the record keeps the identifier only sealed (it opens with the key,
// for its Comune only) and keyed hashes that a search by idANPR or by codice fiscale finds.
func TestWriteAuditSubject(t *testing.T) {
	const cf, id = "RSSMRA80A01H501U", "AB12345CD"
	key := []byte("k1-k1-k1-k1-k1-k1-k1-k1-k1-k1-k1")
	box, err := secretbox.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name             string
		criteria         workflows.Criteria
		resolved         string
		sealed, hash, hc string // "" = empty
	}{
		{"by idANPR", workflows.Criteria{IDANPR: id}, id, id, auditlog.SubjectHashIDANPR(key, id), ""},
		{"by CF, resolved", workflows.Criteria{CodiceFiscale: cf}, id, id, auditlog.SubjectHashIDANPR(key, id), auditlog.SubjectHashCF(key, cf)},
		{"by CF, not resolved", workflows.Criteria{CodiceFiscale: cf}, "", cf, auditlog.SubjectHashCF(key, cf), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.SQLite(t)
			ctx := context.Background()
			w := &auditlog.Writer{DB: db, SubjectKey: key, Sealer: box}
			in := workflows.AuditInput{RequestID: "rq-s", At: time.Now(), Comune: "H501", Service: "C020",
				Outcome: workflows.OutcomeOK, Criteria: tc.criteria, SubjectIDANPR: tc.resolved}
			if _, err := w.Write(ctx, in); err != nil {
				t.Fatal(err)
			}
			rec, err := store.GetAudit(ctx, db, "rq-s")
			if err != nil {
				t.Fatal(err)
			}
			if rec.SubjectHash != tc.hash || rec.SubjectHashCF != tc.hc {
				t.Fatalf("hashes %q %q, want %q %q", rec.SubjectHash, rec.SubjectHashCF, tc.hash, tc.hc)
			}
			if rec.SubjectSealed == "" || strings.Contains(rec.SubjectSealed, tc.sealed) || strings.Contains(rec.SubjectSealed, cf) {
				t.Fatalf("sealed subject %q shows the identifier or is missing", rec.SubjectSealed)
			}
			plain, err := box.Open(auditlog.SubjectPurpose("H501"), rec.SubjectSealed)
			if err != nil || string(plain) != tc.sealed {
				t.Fatalf("open: %q, %v", plain, err)
			}
			if _, err := box.Open(auditlog.SubjectPurpose("F205"), rec.SubjectSealed); err == nil {
				t.Fatal("the sealed subject opens for another Comune")
			}
			if rec.Seq != 1 || rec.Hash != auditlog.ChainHash(rec) {
				t.Fatalf("record not chained: seq %d", rec.Seq)
			}
		})
	}
}

type failingSealer struct{}

func (failingSealer) Seal(string, []byte) (string, error) { return "", errors.New("no entropy") }

func TestWriteAuditSealFailureWritesNothing(t *testing.T) {
	db := storetest.SQLite(t)
	w := &auditlog.Writer{DB: db, SubjectKey: []byte("k"), Sealer: failingSealer{}}
	in := workflows.AuditInput{RequestID: "rq-f", Comune: "H501", Criteria: workflows.Criteria{IDANPR: "AB12345CD"}}
	if _, err := w.Write(context.Background(), in); err == nil {
		t.Fatal("want the seal error, so the workflow retries")
	}
	if _, err := store.GetAudit(context.Background(), db, "rq-f"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a record without its sealed subject was written: %v", err)
	}
}

// TestWriteNamesUnansweredCall: a failed or cancelled record without a call id takes the id
// of the call its request claimed before sending it (the answer was cut, ANPR may have it); a
// record with its own id, a denied one, or one whose request never claimed a call is unchanged.
// On SQLite and PostgreSQL: the claim is read in the writer's own statement.
func TestWriteNamesUnansweredCall(t *testing.T) {
	const claimed, answered = "2026120210000000012345678903", "2026120210000000012345678902"
	cases := []struct {
		name, outcome, traced string
		claim                 bool
		want                  string
	}{
		{"failed, answer cut", workflows.OutcomeFailed, "", true, claimed},
		{"cancelled mid-call", workflows.OutcomeCancelled, "", true, claimed},
		{"failed with its own trace", workflows.OutcomeFailed, answered, true, answered},
		{"failed before any call", workflows.OutcomeFailed, "", false, ""},
		{"denied", workflows.OutcomeDenied, "", true, ""},
	}
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				rid := "rq-" + strings.ReplaceAll(tc.name, " ", "-")
				if tc.claim {
					if ok, err := (store.RequestClaims{DB: db}).ClaimCall(ctx, rid, "run-1", claimed, time.Now()); !ok || err != nil {
						t.Fatalf("claim: %v %v", ok, err)
					}
				}
				w := &auditlog.Writer{DB: db, SubjectKey: []byte("k1-k1-k1-k1-k1-k1-k1-k1-k1-k1-k1")}
				in := workflows.AuditInput{RequestID: rid, At: time.Now(), Comune: "H501", Service: "C020",
					Outcome: tc.outcome, Trace: workflows.Trace{IDOperazioneClient: tc.traced}}
				if _, err := w.Write(ctx, in); err != nil {
					t.Fatal(err)
				}
				rec, err := store.GetAudit(ctx, db, rid)
				if err != nil || rec.IDOperazioneClient != tc.want {
					t.Fatalf("record names %q (%v), want %q", rec.IDOperazioneClient, err, tc.want)
				}
			})
		}
	})
}
