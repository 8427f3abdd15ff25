package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// BatchStore keeps batches and their results (store.Batches).
type BatchStore interface {
	Result(ctx context.Context, batchID string, index int) (*store.BatchResult, error)
	PutResult(ctx context.Context, r *store.BatchResult) (bool, error)
	MarkAudited(ctx context.Context, batchID string, index int, sealed string) error
	SetEnte(ctx context.Context, id string, enteID int64) error
	SetWaiting(ctx context.Context, id, why string, until time.Time) error
	Finish(ctx context.Context, id, status string, at time.Time) error
	// Audit reads a subject's committed audit record (store.ErrNotFound when there is none).
	Audit(ctx context.Context, requestID string) (*store.AuditRecord, error)
}

// BatchSealVerifier checks the API's seal on a batch input (seal.Verifier).
type BatchSealVerifier interface {
	VerifyBatch(in workflows.BatchInput, now time.Time) error
}

// BlobSealer encrypts data kept outside Temporal (codec.Codec: the payload key ring).
type BlobSealer interface {
	SealBlob(purpose string, plain []byte) (string, error)
	OpenBlob(purpose, sealed string) ([]byte, error)
}

// Batch is what the batch activities need besides the single query's parts.
type Batch struct {
	Store   BatchStore
	Seals   BatchSealVerifier
	Results BlobSealer
	// Settings are the worker's batch settings (config group batch).
	Settings workflows.BatchSettings

	mu    sync.Mutex
	slots map[string]chan struct{}
}

// maxSubjectAttempts is how many times a subject's transient failure (ANPR unreachable, 5xx)
// is retried by Temporal before the subject is recorded as failed.
const maxSubjectAttempts = 5

// BatchVerify authenticates a batch's input once, in its first run: sealed by the API, for this
// namespace and workflow id, started before the seal's deadline. It returns the settings too.
func (a *Activities) BatchVerify(ctx context.Context, in workflows.BatchVerifyInput) (workflows.BatchVerified, error) {
	if a.Batch == nil || a.Batch.Seals == nil {
		return workflows.BatchVerified{}, nil // fail closed
	}
	out := workflows.BatchVerified{Settings: a.Batch.Settings}
	run, ok := a.runOf(ctx)
	switch {
	case !ok:
		return workflows.BatchVerified{}, nil
	case run.namespace != workflows.Namespace(in.Batch.Comune) || run.workflowID != in.Batch.BatchID:
		a.logRefused(ctx, errors.New("batch sealed for another namespace or workflow id"))
		return workflows.BatchVerified{}, nil
	}
	if err := a.Batch.Seals.VerifyBatch(in.Batch, in.Started); err != nil {
		a.logRefused(ctx, err)
		return workflows.BatchVerified{}, nil
	}
	out.OK = true
	return out, nil
}

// BatchState records a batch's waiting or final state for GET /api/v1/batches/{id}.
func (a *Activities) BatchState(ctx context.Context, in workflows.BatchStateInput) error {
	var err error
	switch {
	case in.Final != "":
		err = a.Batch.Store.Finish(ctx, in.BatchID, in.Final, in.At)
	default:
		err = a.Batch.Store.SetWaiting(ctx, in.BatchID, in.Waiting, in.Until)
	}
	if err != nil {
		return fmt.Errorf("batch state %s: %w", in.BatchID, err)
	}
	return nil
}

// BatchSubject runs one subject of a batch through the single query's steps: the grant and
// quota check, the certified call, the audit record (carrying the batch id), then the
// encrypted result. It is idempotent: a subject whose result or audit record exists is not
// run again, and its call is claimed under the batch, so a retried attempt after a worker
// crash knows the call was sent. Over a quota or during an ANPR pause nothing is audited: the
// subject is handed back to wait.
func (a *Activities) BatchSubject(ctx context.Context, in workflows.BatchSubjectInput) (workflows.BatchSubjectOutput, error) {
	release, err := a.Batch.slot(ctx, in.Comune, in.Service)
	if err != nil {
		return workflows.BatchSubjectOutput{}, err
	}
	defer release()
	if done, ok, err := a.subjectDone(ctx, in); err != nil || ok {
		return done, err
	}
	d, err := a.Authz.AuthorizeQuery(ctx, in.UserID, in.Comune, in.Service, in.At)
	if err != nil {
		return workflows.BatchSubjectOutput{}, temporal.NewApplicationErrorWithCause(
			"authorization store unavailable", string(errcode.Unavailable), fmt.Errorf("batch subject: %w", err))
	}
	if d.EnteID != 0 {
		_ = a.Batch.Store.SetEnte(ctx, in.BatchID, d.EnteID)
	}
	if !d.Allowed && d.Reason == workflows.ReasonQuotaExceeded {
		return workflows.BatchSubjectOutput{Wait: workflows.WaitQuota, RetryAt: nextRomeMidnight(in.At)}, nil
	}
	res := subjectRun{in: in, enteID: d.EnteID}
	if !d.Allowed {
		res.fail(errcode.Forbidden, workflows.OutcomeDenied, d.Reason)
	} else if wait, err := res.call(ctx, a); err != nil || wait.Wait != "" {
		return wait, err
	}
	return a.record(ctx, &res)
}

// subjectDone answers a subject an earlier attempt already ran: its result is stored, and if
// the attempt stopped before the audit record was committed, the record kept with the result
// is written now. A record committed without a result (a subject of a Varco that wrote the
// result last) gets a result that says so, without data.
func (a *Activities) subjectDone(ctx context.Context, in workflows.BatchSubjectInput) (workflows.BatchSubjectOutput, bool, error) {
	r, err := a.Batch.Store.Result(ctx, in.BatchID, in.Index)
	if err == nil {
		if !r.Audited {
			if err := a.finishPending(ctx, in, r); err != nil {
				return workflows.BatchSubjectOutput{}, false, err
			}
		}
		return workflows.BatchSubjectOutput{Outcome: r.Outcome, ErrorCode: storedCode(r.ErrorCode)}, true, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return workflows.BatchSubjectOutput{}, false, fmt.Errorf("batch subject: %w", err)
	}
	rec, err := a.Batch.Store.Audit(ctx, in.RequestID)
	if errors.Is(err, store.ErrNotFound) {
		return workflows.BatchSubjectOutput{}, false, nil
	}
	if err != nil {
		return workflows.BatchSubjectOutput{}, false, fmt.Errorf("batch subject: %w", err)
	}
	res := subjectRun{in: in, enteID: rec.EnteID, audited: true}
	res.body.Outcome, res.body.ErrorCode, res.body.IDOperazioneANPR = rec.Outcome, rec.ErrorCode, rec.IDOperazioneANPR
	res.body.Detail = rec.Reason
	if rec.Outcome == workflows.OutcomeOK {
		res.body.Detail = "ANPR answered and the request was audited, but the answer was lost when a worker stopped; see request " + in.RequestID
	}
	out, err := a.record(ctx, &res)
	return out, true, err
}

// pendingResult is a result written before its audit record: it carries that record.
type pendingResult struct {
	Body  workflows.BatchResultBody `json:"body"`
	Audit workflows.AuditInput      `json:"audit"`
}

// finishPending commits the audit record kept with a result, then marks the result audited.
func (a *Activities) finishPending(ctx context.Context, in workflows.BatchSubjectInput, r *store.BatchResult) error {
	plain, err := a.Batch.Results.OpenBlob(workflows.BatchResultPurpose(in.Comune), r.Sealed)
	if err != nil {
		return fmt.Errorf("batch result: %w", err)
	}
	var p pendingResult
	if err := json.Unmarshal(plain, &p); err != nil {
		return fmt.Errorf("batch result: %w", err)
	}
	return a.commit(ctx, in, p)
}

// commit writes the audit record (idempotent), then keeps only the result, marked audited.
func (a *Activities) commit(ctx context.Context, in workflows.BatchSubjectInput, p pendingResult) error {
	if _, err := a.WriteAudit(ctx, p.Audit); err != nil {
		return err
	}
	final, err := a.sealResult(in.Comune, p.Body)
	if err != nil {
		return err
	}
	if err := a.Batch.Store.MarkAudited(ctx, in.BatchID, in.Index, final); err != nil {
		return fmt.Errorf("batch result: %w", err)
	}
	return nil
}

func (a *Activities) sealResult(comune string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("batch result: %w", err)
	}
	if a.Batch.Results == nil {
		return "", errors.New("batch result: no key to encrypt it")
	}
	sealed, err := a.Batch.Results.SealBlob(workflows.BatchResultPurpose(comune), plain)
	if err != nil {
		return "", fmt.Errorf("batch result: %w", err)
	}
	return sealed, nil
}

// storedCode is a stored result's code: "" for none (Parse would call it internal_error).
func storedCode(s string) errcode.Code {
	if s == "" {
		return ""
	}
	return errcode.Parse(s)
}

// subjectRun is one subject's way through the steps.
type subjectRun struct {
	in      workflows.BatchSubjectInput
	enteID  int64
	body    workflows.BatchResultBody
	audit   workflows.AuditInput
	audited bool
}

func (r *subjectRun) fail(code errcode.Code, outcome, detail string) {
	r.body.Outcome, r.body.ErrorCode, r.body.Detail = outcome, code, detail
}

// call makes the certified call; a retryable failure is returned as an error (Temporal retries
// the activity) until the last attempt, which records it.
func (r *subjectRun) call(ctx context.Context, a *Activities) (workflows.BatchSubjectOutput, error) {
	in := r.in
	attempt := 1
	if activity.IsActivity(ctx) {
		attempt = int(activity.GetInfo(ctx).Attempt)
	}
	ci := workflows.CallInput{
		RequestID: in.RequestID, Operation: workflows.OperationBase(in.RequestID, in.ReceivedAt), UserID: in.UserID,
		Comune: in.Comune, EnteID: r.enteID, Service: in.Service, Criteria: in.Subject.Criteria, Motivo: in.Motivo,
		DataRiferimento: in.DataRiferimento, Workstation: in.Workstation, LoA: in.LoA,
	}
	// Claimed under the batch: its run id changes when it continues as new. Attempts of later
	// tries (after a wait) get operation ids of their own.
	mark := func(ctx context.Context, ci workflows.CallInput) (string, error) {
		return a.claimCall(ctx, ci, "batch:"+in.BatchID, true, min(in.Try*maxSubjectAttempts+attempt, 49))
	}
	out, err := a.callANPR(ctx, ci, mark)
	if err == nil {
		r.body.Outcome, r.body.IDOperazioneANPR = workflows.OutcomeOK, out.Trace.IDOperazioneANPR
		r.body.Soggetti, r.body.Anomalie = out.Soggetti, out.Anomalie
		r.audit.Trace, r.audit.SubjectIDANPR, r.audit.SubjectCF, r.audit.Resolve = out.Trace, out.IDANPR, out.CodiceFiscale, out.Resolve
		return workflows.BatchSubjectOutput{}, nil
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return workflows.BatchSubjectOutput{}, err
	}
	if errcode.Parse(appErr.Type()) == errcode.ANPRQuotaExhausted {
		return workflows.BatchSubjectOutput{Wait: workflows.WaitANPRPause, RetryAt: nextRomeMidnight(in.At)}, nil
	}
	if !appErr.NonRetryable() && attempt < maxSubjectAttempts {
		return workflows.BatchSubjectOutput{}, err
	}
	var tr workflows.Trace
	if appErr.HasDetails() && appErr.Details(&tr) == nil {
		r.audit.Trace = tr
	}
	code, outcome := errcode.Parse(appErr.Type()), workflows.OutcomeFailed
	if code == errcode.SubjectNotFound {
		outcome = workflows.OutcomeNotFound
	}
	r.fail(code, outcome, appErr.Message())
	return workflows.BatchSubjectOutput{}, nil
}

// record stores the result with its audit record, commits the record, then marks the result
// audited: a worker stopping anywhere in between leaves either nothing (the subject runs
// again) or the pending result (its retry commits the record without calling ANPR again).
func (a *Activities) record(ctx context.Context, r *subjectRun) (workflows.BatchSubjectOutput, error) {
	in := r.in
	r.body.Line, r.body.Reference, r.body.Criteria, r.body.RequestID = in.Subject.Line, in.Subject.Reference, in.Subject.Criteria, in.RequestID
	out := workflows.BatchSubjectOutput{Outcome: r.body.Outcome, ErrorCode: r.body.ErrorCode}
	p := pendingResult{Body: r.body, Audit: r.auditInput(a)}
	var sealed string
	var err error
	if r.audited {
		sealed, err = a.sealResult(in.Comune, r.body) // its record is already committed
	} else {
		sealed, err = a.sealResult(in.Comune, p)
	}
	if err != nil {
		return workflows.BatchSubjectOutput{}, err
	}
	_, err = a.Batch.Store.PutResult(ctx, &store.BatchResult{BatchID: in.BatchID, Index: in.Index, RequestID: in.RequestID,
		Outcome: r.body.Outcome, ErrorCode: string(r.body.ErrorCode), Sealed: sealed, Audited: r.audited, CreatedAt: a.Now.Now()})
	if err != nil {
		return workflows.BatchSubjectOutput{}, fmt.Errorf("batch result: %w", err)
	}
	if r.audited {
		return out, nil
	}
	return out, a.commit(ctx, in, p)
}

// auditInput is the subject's audit record: the single query's, with the batch id.
func (r *subjectRun) auditInput(a *Activities) workflows.AuditInput {
	in := r.in
	rec := r.audit
	rec.RequestID, rec.At, rec.UserID, rec.EnteID = in.RequestID, in.At, in.UserID, r.enteID
	rec.Comune, rec.Service, rec.Motivo, rec.Workstation = in.Comune, in.Service, in.Motivo, in.Workstation
	rec.Outcome, rec.ErrorCode, rec.Reason = r.body.Outcome, r.body.ErrorCode, r.body.Detail
	rec.HTTPStatus = 200
	if r.body.ErrorCode != "" {
		rec.HTTPStatus = errcode.Status(r.body.ErrorCode)
	}
	rec.Criteria, rec.BatchID = in.Subject.Criteria, in.BatchID
	rec.DurationMS = a.Now.Now().Sub(in.At).Milliseconds()
	return rec
}

// slot bounds the subjects of one Comune and e-service this worker runs at once, across
// batches; each batch also bounds its own (its workflow's concurrency).
func (b *Batch) slot(ctx context.Context, comune, service string) (func(), error) {
	n := max(b.Settings.Concurrency, 1)
	b.mu.Lock()
	if b.slots == nil {
		b.slots = map[string]chan struct{}{}
	}
	ch, ok := b.slots[comune+"/"+service]
	if !ok {
		ch = make(chan struct{}, n)
		b.slots[comune+"/"+service] = ch
	}
	b.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("batch subject: waiting for a slot: %w", ctx.Err())
	}
}

// nextRomeMidnight is when a daily quota or an ANPR pause taken at t ends.
func nextRomeMidnight(t time.Time) time.Time {
	y, m, d := t.In(clock.Rome()).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, clock.Rome()).UTC()
}
