package activities

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/auditlog"
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
	if ae := new(temporal.ApplicationError); !errors.As(callError(errors.New("dial tcp: refused")), &ae) || ae.Type() != errcode.ANPRUnavailable.String() || ae.NonRetryable() {
		t.Fatal("an untyped error must be a retryable anpr_unavailable")
	}
}

type failingAuthz struct{}

func (failingAuthz) AuthorizeQuery(context.Context, int64, string, string, time.Time) (rbac.Decision, error) {
	return rbac.Decision{}, errors.New("db down")
}

func TestAuthorizeStoreDownIsRetryable(t *testing.T) {
	in, a := sealedFixture(t)
	a.Authz = failingAuthz{}
	_, err := a.Authorize(context.Background(), workflows.AuthorizeInput{Query: in})
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != errcode.Unavailable.String() || ae.NonRetryable() {
		t.Fatalf("want retryable %s, got %v", errcode.Unavailable, err)
	}
}

// TestWriteAuditIdempotentAndPseudonymous writes through the real store (SQLite).
func TestWriteAuditIdempotentAndPseudonymous(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	key := []byte("k1-k1-k1-k1-k1-k1-k1-k1-k1-k1-k1")
	a := &Activities{Audit: &auditlog.Writer{DB: db, SubjectKey: key}}
	in := workflows.AuditInput{
		RequestID: "rq-1", At: time.Now().UTC(), UserID: 1, Comune: "H501", Service: "C020",
		Motivo: "PROT-1", Outcome: workflows.OutcomeOK, HTTPStatus: 200,
		Criteria: workflows.Criteria{CodiceFiscale: "STTSGT90A01H501J"},
	}
	for i := range 3 {
		// A later attempt with another story (a retried run) gets the committed story back.
		attempt := in
		if i > 0 {
			attempt.Outcome, attempt.HTTPStatus, attempt.ErrorCode = workflows.OutcomeFailed, 502, "anpr_unavailable"
		}
		w, err := a.WriteAudit(ctx, attempt)
		if err != nil {
			t.Fatal(err)
		}
		if (i == 0) != (w.Existing == nil) || (i > 0 && (w.Existing.Outcome != workflows.OutcomeOK || w.Existing.HTTPStatus != 200)) {
			t.Fatalf("write %d: %+v, want the first record's story after the first", i, w.Existing)
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
	if rec.SubjectHash != auditlog.SubjectHash(key, in.Criteria) {
		t.Fatalf("subject hash %q is not the codice fiscale's keyed hash", rec.SubjectHash)
	}
}

func TestProfileEndpoints(t *testing.T) {
	sim := Endpoints{TokenURL: "http://127.0.0.1:8089/token.oauth2", ServiceBaseURL: "http://127.0.0.1:8089/govway"}
	collaudo, _ := anpr.Environment("collaudo")
	own := Endpoints{TokenURL: "https://pdnd.example/token", AssertionAudience: "aud", ServiceBaseURL: "https://gw.example/x-PDND", AudienceBase: "https://gw.example/x"}
	cases := []struct {
		name string
		c    store.Comune
		want Endpoints
		err  bool
	}{
		{"simulator", store.Comune{Code: "H501", Environment: store.EnvSimulator, TokenURL: "ignored"}, sim, false},
		{"collaudo defaults", store.Comune{Code: "H501", Environment: store.EnvCollaudo}, Endpoints(collaudo), false},
		{"own endpoints win", store.Comune{Code: "H501", Environment: store.EnvEsercizio,
			TokenURL: own.TokenURL, AssertionAudience: own.AssertionAudience, ServiceBaseURL: own.ServiceBaseURL, AudienceBase: own.AudienceBase}, own, false},
		{"unknown environment", store.Comune{Code: "H501", Environment: "produzione"}, Endpoints{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &StoreProfiles{Simulator: sim}
			got, err := p.endpoints(&tc.c)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("got %+v %v, want %+v", got, err, tc.want)
			}
		})
	}
	if collaudo.TokenURL != "https://auth.uat.interop.pagopa.it/token.oauth2" {
		t.Fatalf("collaudo token URL %q", collaudo.TokenURL)
	}
}

// fakeCaller records what CallANPR asked of the ANPR client.
type fakeCaller struct {
	resolved   int
	resolveErr error
	lastReq    anpr.Request
}

func (f *fakeCaller) Call(_ context.Context, _ anpr.Profile, _ anpr.Operator, req anpr.Request) (*anpr.Response, error) {
	f.lastReq = req
	return &anpr.Response{Anomalie: []json.RawMessage{json.RawMessage(`{"codiceErroreAnomalia":"X"}`)}}, nil
}

func (f *fakeCaller) ResolveRequest(context.Context, anpr.Profile, anpr.Operator, anpr.Request) (string, anpr.Trace, []json.RawMessage, error) {
	f.resolved++
	if f.resolveErr != nil {
		return "", anpr.Trace{}, nil, f.resolveErr
	}
	return "AF41450AS", anpr.Trace{}, []json.RawMessage{json.RawMessage(`{"codiceErroreAnomalia":"EN148","tipoErroreAnomalia":"W"}`)}, nil
}

type fixedProfiles struct{ p Profile }

func (f fixedProfiles) Profile(context.Context, string) (Profile, error) { return f.p, nil }

func TestCallANPRResolvesIDANPRFirst(t *testing.T) {
	withC030 := Profile{ANPR: anpr.Profile{PurposeIDs: map[string]string{"C020": "p1", "C030": "p2"}}, OperatorMode: "end-user"}
	withoutC030 := Profile{ANPR: anpr.Profile{PurposeIDs: map[string]string{"C020": "p1"}}, OperatorMode: "end-user"}
	cf := workflows.Criteria{CodiceFiscale: "STTSGT90A01H501J"}
	cases := []struct {
		name        string
		prof        Profile
		service     string
		crit        workflows.Criteria
		resolveErr  error
		wantResolve int
		wantCrit    anpr.Criteria
		wantAnom    int
		wantErrType string
	}{
		{"cf resolved first", withC030, "C020", cf, nil, 1, anpr.Criteria{IDANPR: "AF41450AS"}, 2, ""},
		{"idANPR given", withC030, "C020", workflows.Criteria{IDANPR: "UK79569LF"}, nil, 0, anpr.Criteria{IDANPR: "UK79569LF"}, 1, ""},
		{"C030 itself", withC030, "C030", cf, nil, 0, anpr.Criteria{CodiceFiscale: cf.CodiceFiscale}, 1, ""},
		{"no C030 purpose", withoutC030, "C020", cf, nil, 0, anpr.Criteria{CodiceFiscale: cf.CodiceFiscale}, 1, ""},
		{"nobody with that cf", withC030, "C020", cf, &anpr.Error{Kind: anpr.KindNotFound, Message: "Soggetto non registrato in ANPR"}, 1, anpr.Criteria{}, 0, errcode.SubjectNotFound.String()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCaller{resolveErr: tc.resolveErr}
			a := &Activities{ANPR: f, Profiles: fixedProfiles{tc.prof}, Directory: fakeDirectory{ws: "PC"}}
			out, err := a.CallANPR(context.Background(), workflows.CallInput{Service: tc.service, Criteria: tc.crit, EnteID: 1})
			if tc.wantErrType != "" {
				var ae *temporal.ApplicationError
				if !errors.As(err, &ae) || ae.Type() != tc.wantErrType {
					t.Fatalf("want %s, got %v", tc.wantErrType, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.resolved != tc.wantResolve || f.lastReq.Criteria != tc.wantCrit || len(out.Anomalie) != tc.wantAnom {
				t.Fatalf("resolved %d, criteria %+v, anomalie %d", f.resolved, f.lastReq.Criteria, len(out.Anomalie))
			}
			if out.IDANPR != tc.wantCrit.IDANPR {
				t.Fatalf("output idANPR %q", out.IDANPR)
			}
		})
	}
}

// TestReasonCodesAgree keeps the workflow's copy of rbac's quota reason in step.
func TestReasonCodesAgree(t *testing.T) {
	if rbac.ReasonQuotaExceeded != workflows.ReasonQuotaExceeded {
		t.Fatalf("rbac %q, workflows %q", rbac.ReasonQuotaExceeded, workflows.ReasonQuotaExceeded)
	}
}

// TestSystemIdentityIsReserved: no person can be created under the identity Varco uses for
// its own calls to ANPR.
func TestSystemIdentityIsReserved(t *testing.T) {
	if store.ReservedUsername != anpr.SystemUserID {
		t.Fatalf("store reserves %q, the ANPR client uses %q", store.ReservedUsername, anpr.SystemUserID)
	}
	db := storetest.SQLite(t)
	for _, name := range []string{"varco-system", "VARCO-SYSTEM"} {
		err := store.CreateUser(context.Background(), db, &store.User{Username: name, PasswordHash: "x", Active: true})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("creating %q: %v, want ErrConflict", name, err)
		}
	}
}

// The retention adapter fits the activity's interface.
var _ Purger = auditlog.Retention{}

// The audit's writer fits the audit step's interface.
var _ AuditWriter = (*auditlog.Writer)(nil)
