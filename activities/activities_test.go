package activities

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

type fakeDirectory struct {
	ws  string
	err error
}

func (f fakeDirectory) Username(context.Context, int64) (string, error) { return "mario.rossi", nil }
func (f fakeDirectory) DefaultWorkstation(context.Context, int64) (string, error) {
	return f.ws, f.err
}

func TestOperatorIdentity(t *testing.T) {
	cases := []struct {
		name    string
		prof    Profile
		dir     fakeDirectory
		in      workflows.CallInput
		want    anpr.Operator
		wantErr bool
	}{
		{"end user, header workstation", Profile{OperatorMode: "end-user"}, fakeDirectory{ws: "PL-DEFAULT"},
			workflows.CallInput{Workstation: "PC-7", LoA: "LoA3", EnteID: 3},
			anpr.Operator{UserID: "mario.rossi", UserLocation: "PC-7", LoA: "LoA3"}, false},
		{"end user, ente default workstation", Profile{OperatorMode: "end-user"}, fakeDirectory{ws: "PL-DEFAULT"},
			workflows.CallInput{EnteID: 3}, anpr.Operator{UserID: "mario.rossi", UserLocation: "PL-DEFAULT", LoA: "LoA2"}, false},
		{"no default anywhere", Profile{OperatorMode: "end-user"}, fakeDirectory{err: store.ErrNotFound},
			workflows.CallInput{EnteID: 3}, anpr.Operator{UserID: "mario.rossi", UserLocation: "varco-ente-3", LoA: "LoA2"}, false},
		{"comune operator", Profile{OperatorMode: "comune-operator", OperatorID: "RSSMRA80A01H501U"}, fakeDirectory{},
			workflows.CallInput{Workstation: "PC-7"}, anpr.Operator{UserID: "RSSMRA80A01H501U", UserLocation: "PC-7", LoA: "LoA2"}, false},
		{"directory down", Profile{OperatorMode: "end-user"}, fakeDirectory{err: errors.New("db down")},
			workflows.CallInput{EnteID: 3}, anpr.Operator{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &Activities{Directory: tc.dir}
			got, err := a.operator(context.Background(), tc.prof, tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %+v %v, want %+v (err %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestCallErrorMapping(t *testing.T) {
	cases := []struct {
		kind      anpr.Kind
		retryable bool
	}{
		{anpr.KindNotFound, false},
		{anpr.KindNotEnabled, false},
		{anpr.KindInvalidRequest, false},
		{anpr.KindQuotaExhausted, false},
		{anpr.KindProtocol, false},
		{anpr.KindVoucher, false},
		{anpr.KindUnavailable, true},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			src := &anpr.Error{Kind: tc.kind, Message: "provider text", Trace: anpr.Trace{GovWayTransactionID: "gw-9"}}
			err := callError(src)
			var ae *temporal.ApplicationError
			if !errors.As(err, &ae) {
				t.Fatalf("not an ApplicationError: %T", err)
			}
			if ae.Type() != string(tc.kind) || !errcode.Known(ae.Type()) {
				t.Fatalf("type %q is not the stable code %q", ae.Type(), tc.kind)
			}
			if ae.NonRetryable() == tc.retryable {
				t.Fatalf("non-retryable = %v, want %v", ae.NonRetryable(), !tc.retryable)
			}
			var tr workflows.Trace
			if err := ae.Details(&tr); err != nil || tr.GovWayTransactionID != "gw-9" {
				t.Fatalf("trace not carried: %+v %v", tr, err)
			}
		})
	}
	if ae := new(temporal.ApplicationError); !errors.As(callError(errors.New("dial tcp: refused")), &ae) || ae.Type() != errcode.ANPRUnavailable || ae.NonRetryable() {
		t.Fatal("an untyped error must be a retryable anpr_unavailable")
	}
}

type failingAuthz struct{}

func (failingAuthz) AuthorizeQuery(context.Context, int64, string, string, time.Time) (rbac.Decision, error) {
	return rbac.Decision{}, errors.New("db down")
}

func TestAuthorizeStoreDownIsRetryable(t *testing.T) {
	a := &Activities{Authz: failingAuthz{}}
	_, err := a.Authorize(context.Background(), workflows.AuthorizeInput{UserID: 1, Comune: "H501", Service: "C020"})
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != errcode.Unavailable || ae.NonRetryable() {
		t.Fatalf("want retryable %s, got %v", errcode.Unavailable, err)
	}
}

// TestWriteAuditIdempotentAndPseudonymous writes through the real store (SQLite).
func TestWriteAuditIdempotentAndPseudonymous(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	a := &Activities{Audit: StoreAudit{DB: db}, SubjectKey: []byte("k1-k1-k1-k1-k1-k1-k1-k1-k1-k1-k1")}
	in := workflows.AuditInput{
		RequestID: "rq-1", At: time.Now().UTC(), UserID: 1, Comune: "H501", Service: "C020",
		Motivo: "PROT-1", Outcome: workflows.OutcomeOK, HTTPStatus: 200,
		Criteria: workflows.Criteria{CodiceFiscale: "STTSGT90A01H501J"},
	}
	for range 3 {
		if err := a.WriteAudit(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.NewSelect().Model((*store.AuditRecord)(nil)).Where("request_id = ?", "rq-1").Count(ctx)
	if err != nil || n != 1 {
		t.Fatalf("%d records for one request id (%v)", n, err)
	}
	rec, err := store.GetAudit(ctx, db, "rq-1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(rec.SubjectHash, "STTSGT90A01H501J") || len(rec.SubjectHash) != 64 {
		t.Fatalf("subject hash %q", rec.SubjectHash)
	}
	if SubjectHash(a.SubjectKey, in.Criteria) == SubjectHash([]byte("another-key-another-key-another!!"), in.Criteria) {
		t.Fatal("the subject hash must depend on the key")
	}
	if SubjectHash(a.SubjectKey, workflows.Criteria{}) != "" {
		t.Fatal("no subject, no hash")
	}
}
