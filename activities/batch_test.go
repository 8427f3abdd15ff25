package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/codec"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

type batchAuthz struct{ d rbac.Decision }

func (b batchAuthz) AuthorizeQuery(context.Context, int64, string, string, time.Time) (rbac.Decision, error) {
	return b.d, nil
}

// countingCaller answers every call, or fails with err; it counts the calls.
type countingCaller struct {
	calls int
	err   error
}

func (c *countingCaller) Call(context.Context, anpr.Profile, anpr.Operator, anpr.Request) (*anpr.Response, error) {
	c.calls++
	if c.err != nil {
		return nil, c.err
	}
	return &anpr.Response{Soggetti: []json.RawMessage{json.RawMessage(`{"generalita":{"cognome":"SETTIMO"}}`)}}, nil
}

func (c *countingCaller) ResolveRequest(context.Context, anpr.Profile, anpr.Operator, anpr.Request) (string, anpr.Trace, []json.RawMessage, error) {
	return "", anpr.Trace{}, nil, errors.New("not used")
}

// TestBatchSubject runs one subject's steps on a real store: each subject is audited and
// answered once, with the batch id, its result encrypted; a retry runs nothing again; over a
// quota or during an ANPR pause nothing is audited and the subject waits until midnight.
func TestBatchSubject(t *testing.T) {
	at := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 12, 2, 23, 0, 0, 0, time.UTC) // 00:00 in Rome (CET)
	tests := []struct {
		name      string
		decision  rbac.Decision
		callErr   error
		auditedBy string // a record already committed with this outcome (a crashed attempt)
		want      workflows.BatchSubjectOutput
		wantCalls int
		audited   bool
	}{
		{"found", rbac.Decision{Allowed: true, EnteID: 4}, nil, "", workflows.BatchSubjectOutput{Outcome: workflows.OutcomeOK}, 1, true},
		{"not in ANPR", rbac.Decision{Allowed: true, EnteID: 4}, &anpr.Error{Kind: anpr.KindNotFound, Message: "Soggetto non registrato"}, "",
			workflows.BatchSubjectOutput{Outcome: workflows.OutcomeNotFound, ErrorCode: "subject_not_found"}, 1, true},
		{"not allowed", rbac.Decision{Reason: "service_not_in_profile", EnteID: 4}, nil, "",
			workflows.BatchSubjectOutput{Outcome: workflows.OutcomeDenied, ErrorCode: "forbidden"}, 0, true},
		{"over the quota", rbac.Decision{Reason: workflows.ReasonQuotaExceeded, EnteID: 4}, nil, "",
			workflows.BatchSubjectOutput{Wait: workflows.WaitQuota, RetryAt: midnight}, 0, false},
		{"ANPR paused", rbac.Decision{Allowed: true, EnteID: 4}, &anpr.Error{Kind: anpr.KindQuotaExhausted, Message: "LimitExceeded"}, "",
			workflows.BatchSubjectOutput{Wait: workflows.WaitANPRPause, RetryAt: midnight}, 1, false},
		{"audited before a crash", rbac.Decision{Allowed: true, EnteID: 4}, nil, workflows.OutcomeOK,
			workflows.BatchSubjectOutput{Outcome: workflows.OutcomeOK}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.SQLite(t)
			ctx := context.Background()
			cdc, err := codec.New("k1", map[string][]byte{"k1": bytes.Repeat([]byte{5}, codec.KeySize)})
			if err != nil {
				t.Fatal(err)
			}
			caller := &countingCaller{err: tt.callErr}
			bs := store.Batches{DB: db.DB}
			a := &Activities{Authz: batchAuthz{tt.decision}, ANPR: caller, Profiles: fixedProfiles{Profile{OperatorMode: "end-user"}},
				Directory: fakeDirectory{ws: "PC"}, Audit: &auditlog.Writer{DB: db, SubjectKey: bytes.Repeat([]byte{1}, 32)},
				Now: clock.Clock(func() time.Time { return at }), Batch: &Batch{Store: bs, Results: cdc, Settings: workflows.BatchSettings{Concurrency: 2}}}
			id := "bt-h501-0123456789abcdef0123456789abcdef"
			if _, err := bs.Create(ctx, &store.Batch{ID: id, ComuneCode: "H501", UserID: 7, Service: "C020", Motivo: "m", Total: 1,
				Fingerprint: "f", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			in := workflows.BatchSubjectInput{BatchID: id, Index: 0, RequestID: workflows.BatchSubjectRequestID(id, 0), UserID: 7,
				Comune: "H501", Service: "C020", Motivo: "m", ReceivedAt: at, At: at,
				Subject: workflows.BatchSubject{Criteria: workflows.Criteria{IDANPR: "AF41450AS"}, Reference: "PRATICA-1", Line: 2}}
			if tt.auditedBy != "" {
				if _, err := (&auditlog.Writer{DB: db}).Insert(ctx, &store.AuditRecord{RequestID: in.RequestID, CreatedAt: at, UserID: 7, EnteID: 4,
					ComuneCode: "H501", Service: "C020", Motivo: "m", Outcome: tt.auditedBy, HTTPStatus: 200, BatchID: id}); err != nil {
					t.Fatal(err)
				}
			}
			for try := range 2 { // the second run is a retried attempt: nothing runs again
				out, err := a.BatchSubject(ctx, in)
				if err != nil || out != tt.want {
					t.Fatalf("try %d: %+v %v, want %+v", try, out, err, tt.want)
				}
			}
			if caller.calls != tt.wantCalls*map[bool]int{true: 2, false: 1}[tt.want.Wait != ""] {
				t.Fatalf("%d ANPR calls", caller.calls)
			}
			n, _ := db.NewSelect().Model((*store.AuditRecord)(nil)).Where("request_id = ? AND batch_id = ?", in.RequestID, id).Count(ctx)
			if (n == 1) != tt.audited || n > 1 {
				t.Fatalf("%d audit records, want audited %v", n, tt.audited)
			}
			r, err := bs.Result(ctx, id, 0)
			if !tt.audited {
				if !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("a waiting subject has a result: %+v %v", r, err)
				}
				return
			}
			if err != nil || r.Outcome != tt.want.Outcome || strings.Contains(r.Sealed, "PRATICA") || strings.Contains(r.Sealed, "AF41450AS") {
				t.Fatalf("result %+v %v: want %s, encrypted", r, err, tt.want.Outcome)
			}
			plain, err := cdc.OpenBlob(workflows.BatchResultPurpose("H501"), r.Sealed)
			if err != nil || !strings.Contains(string(plain), `"reference":"PRATICA-1"`) || !strings.Contains(string(plain), `"line":2`) {
				t.Fatalf("opened result %s %v", plain, err)
			}
		})
	}
}

// TestBatchSubjectTransientFailureRetries: a transient ANPR failure is returned as a retryable
// error (Temporal retries the activity) before the last attempt, and nothing is recorded.
func TestBatchSubjectTransientFailureRetries(t *testing.T) {
	db := storetest.SQLite(t)
	cdc, _ := codec.New("k1", map[string][]byte{"k1": bytes.Repeat([]byte{5}, codec.KeySize)})
	bs := store.Batches{DB: db.DB}
	a := &Activities{Authz: batchAuthz{rbac.Decision{Allowed: true, EnteID: 4}}, ANPR: &countingCaller{err: &anpr.Error{Kind: anpr.KindUnavailable, Message: "502"}},
		Profiles: fixedProfiles{Profile{OperatorMode: "end-user"}}, Directory: fakeDirectory{ws: "PC"}, Audit: &auditlog.Writer{DB: db},
		Batch: &Batch{Store: bs, Results: cdc}}
	in := workflows.BatchSubjectInput{BatchID: "bt-h501-0123456789abcdef0123456789abcdef", RequestID: "rq-h501-x", UserID: 7, Comune: "H501", Service: "C020",
		Subject: workflows.BatchSubject{Criteria: workflows.Criteria{IDANPR: "AF41450AS"}}}
	if _, err := a.BatchSubject(context.Background(), in); err == nil {
		t.Fatal("a transient failure on the first attempt was recorded instead of retried")
	}
	if n, _ := db.NewSelect().Model((*store.AuditRecord)(nil)).Count(context.Background()); n != 0 {
		t.Fatalf("%d audit records after a retried attempt", n)
	}
}

// failOnce fails the first audit write, as a worker stopping before the commit would.
type failOnce struct {
	w      *auditlog.Writer
	failed bool
}

func (f *failOnce) Write(ctx context.Context, in workflows.AuditInput) (*store.AuditRecord, error) {
	if !f.failed {
		f.failed = true
		return nil, errors.New("worker stopped")
	}
	return f.w.Write(ctx, in)
}

// TestBatchSubjectStopsBeforeTheAudit: an attempt that stored the result but not the audit
// record leaves a pending result, neither counted nor returned; its retry commits the record
// from it, with no second ANPR call and ANPR's data kept.
func TestBatchSubjectStopsBeforeTheAudit(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	cdc, _ := codec.New("k1", map[string][]byte{"k1": bytes.Repeat([]byte{5}, codec.KeySize)})
	bs := store.Batches{DB: db.DB}
	caller := &countingCaller{}
	audit := &failOnce{w: &auditlog.Writer{DB: db, SubjectKey: bytes.Repeat([]byte{1}, 32)}}
	a := &Activities{Authz: batchAuthz{rbac.Decision{Allowed: true, EnteID: 4}}, ANPR: caller,
		Profiles: fixedProfiles{Profile{OperatorMode: "end-user"}}, Directory: fakeDirectory{ws: "PC"}, Audit: audit,
		Batch: &Batch{Store: bs, Results: cdc}}
	id := "bt-h501-0123456789abcdef0123456789abcdef"
	now := time.Now().UTC()
	if _, err := bs.Create(ctx, &store.Batch{ID: id, ComuneCode: "H501", UserID: 7, Service: "C020", Motivo: "m", Total: 1,
		Fingerprint: "f", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	in := workflows.BatchSubjectInput{BatchID: id, RequestID: workflows.BatchSubjectRequestID(id, 0), UserID: 7, Comune: "H501",
		Service: "C020", At: now, Subject: workflows.BatchSubject{Criteria: workflows.Criteria{IDANPR: "AF41450AS"}, Line: 2}}
	if _, err := a.BatchSubject(ctx, in); err == nil {
		t.Fatal("the failed audit write was not reported")
	}
	if c, _ := bs.Counts(ctx, id); c.Done != 0 {
		t.Fatalf("a result without its audit record is counted: %+v", c)
	}
	out, err := a.BatchSubject(ctx, in)
	if err != nil || out.Outcome != workflows.OutcomeOK || caller.calls != 1 {
		t.Fatalf("retry: %+v %v, %d calls", out, err, caller.calls)
	}
	rec, err := store.GetAudit(ctx, db, in.RequestID)
	if err != nil || rec.BatchID != id || rec.Outcome != workflows.OutcomeOK {
		t.Fatalf("record %+v %v", rec, err)
	}
	var got []string
	_ = bs.EachResult(ctx, id, func(r store.BatchResult) error {
		plain, _ := cdc.OpenBlob(workflows.BatchResultPurpose("H501"), r.Sealed)
		got = append(got, string(plain))
		return nil
	})
	if len(got) != 1 || !strings.Contains(got[0], "SETTIMO") || strings.Contains(got[0], `"audit"`) {
		t.Fatalf("results %v: want the one answer with ANPR's data and no pending record", got)
	}
}

type noAuditPurge struct{}

func (noAuditPurge) PurgeExpired(context.Context, time.Time) (map[string]int, error) {
	return map[string]int{}, nil
}

// TestRetentionPurgesBatchResults: the daily retention removes the results of expired
// batches and keeps their audit records.
func TestRetentionPurgesBatchResults(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	bs := store.Batches{DB: db.DB}
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for i, exp := range []time.Time{t0.Add(24 * time.Hour), t0.Add(30 * 24 * time.Hour)} {
		id := "bt-h501-0123456789abcdef0123456789abcde" + string(rune('0'+i))
		if _, err := bs.Create(ctx, &store.Batch{ID: id, ComuneCode: "H501", UserID: 7, Service: "C020", Motivo: "m", Total: 1,
			Fingerprint: "f", CreatedAt: t0, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		if _, err := bs.PutResult(ctx, &store.BatchResult{BatchID: id, RequestID: "rq-" + id, Outcome: "ok", Sealed: "x", Audited: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := (&auditlog.Writer{DB: db}).Insert(ctx, &store.AuditRecord{RequestID: "rq-" + id, CreatedAt: t0, UserID: 7, ComuneCode: "H501",
			Service: "C020", Motivo: "m", Outcome: "ok", HTTPStatus: 200, BatchID: id}); err != nil {
			t.Fatal(err)
		}
	}
	a := &Activities{Retention: noAuditPurge{}, Batch: &Batch{Store: bs}}
	out, err := a.PurgeExpiredAudit(ctx, t0.Add(7*24*time.Hour))
	if err != nil || out.BatchResults != 1 {
		t.Fatalf("purge: %+v %v, want the expired batch's one result", out, err)
	}
	if n, _ := db.NewSelect().Model((*store.AuditRecord)(nil)).Count(ctx); n != 2 {
		t.Fatalf("%d audit records after the purge, want both kept", n)
	}
}

// TestBatchSlots: a worker runs at most Concurrency subjects of one Comune and e-service at
// once, across batches; other pairs are not held up, and a cancelled wait gives up.
func TestBatchSlots(t *testing.T) {
	b := &Batch{Settings: workflows.BatchSettings{Concurrency: 1}}
	ctx := context.Background()
	release, err := b.slot(ctx, "H501", "C020")
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.slot(ctx, "H501", "C030") // another e-service: its own slots
	if err != nil {
		t.Fatal(err)
	}
	other()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := b.slot(short, "H501", "C020"); err == nil {
		t.Fatal("a second subject of the same pair got a slot while the first held it")
	}
	release()
	again, err := b.slot(ctx, "H501", "C020")
	if err != nil {
		t.Fatal(err)
	}
	again()
}
