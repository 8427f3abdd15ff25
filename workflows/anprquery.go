package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/varco-anpr/varco/internal/errcode"
)

// AnprQuery runs one ANPR request: Authorize, CallANPR, WriteAudit. It always writes the
// audit record (allowed, denied, failed or cancelled) before returning, and returns the
// data only once that record is committed.
func AnprQuery(ctx workflow.Context, in QueryInput) (QueryResult, error) {
	q := &query{in: in}
	return q.run(ctx)
}

type query struct {
	in        QueryInput
	enteID    int64
	trace     Trace
	subject   string // idANPR used for the call, when known
	subjectCF string // the subject's codice fiscale, when known
	// resolve is the C030 call that preceded the service call, if any.
	resolve *Trace
	// priorCall names a call this run sent before a worker crash lost its answer.
	priorCall string
	// unauth is set when Authorize refused the input's seal: nothing in the input is believed
	// from then on, and the audit record says so (unauthenticatedAudit).
	unauth bool
}

func (q *query) run(ctx workflow.Context) (QueryResult, error) {
	res := q.decide(ctx)
	if temporal.IsCanceledError(ctx.Err()) {
		res = q.failure(errcode.Cancelled, OutcomeCancelled, "the request was cancelled before it completed")
	}
	// The audit must be written even after cancellation: a disconnected context is not
	// cancelled with the workflow.
	auditCtx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	written, err := q.audit(auditCtx, res)
	if err != nil {
		return QueryResult{}, err
	}
	if written.Existing != nil {
		res = adopt(res, *written.Existing)
	}
	_ = workflow.UpsertTypedSearchAttributes(auditCtx, SAOutcome.ValueSet(res.Outcome))
	res.Fingerprint = q.in.Fingerprint
	return res, nil
}

// decide runs authorization and, when allowed, the ANPR call.
func (q *query) decide(ctx workflow.Context) QueryResult {
	authz, err := q.authorize(ctx)
	if err != nil {
		return q.failure(errcode.Unavailable, OutcomeFailed, "authorization could not be evaluated")
	}
	q.priorCall = authz.PriorCall
	if authz.EnteID != 0 {
		q.enteID = authz.EnteID
		_ = workflow.UpsertTypedSearchAttributes(ctx, SAEnte.ValueSet(EnteKey(authz.EnteID)))
	}
	if !authz.Allowed && authz.Reason == ReasonUnauthenticated {
		q.unauth = true
		return q.unauthenticated(ctx)
	}
	if q.in.Refused != "" {
		// The API refused it (it sealed the reason): nothing is called, the refusal audited.
		return q.failure(errcode.IdempotencyConflict, OutcomeDenied, q.in.Refused)
	}
	if !authz.Allowed {
		code := errcode.Forbidden
		if authz.Reason == ReasonQuotaExceeded {
			code = errcode.QuotaExceeded // the Comune's limit on the user or Ente: retry tomorrow
		}
		return q.failure(code, OutcomeDenied, authz.Reason)
	}
	return q.call(ctx)
}

func (q *query) authorize(ctx workflow.Context) (AuthorizeOutput, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 100 * time.Millisecond,
			MaximumAttempts: 3,
		},
	})
	var out AuthorizeOutput
	err := workflow.ExecuteLocalActivity(ctx, ActivityAuthorize, AuthorizeInput{
		Query: q.in, Started: workflow.GetInfo(ctx).WorkflowStartTime,
	}).Get(ctx, &out)
	return out, err
}

// call makes the certified ANPR call, retried on transient failures until the deadline.
func (q *query) call(ctx workflow.Context) QueryResult {
	remaining := q.in.Deadline.Sub(workflow.Now(ctx))
	if remaining <= 0 && q.priorCall != "" {
		// Never "not called": ANPR received a call whose answer died with a worker.
		q.trace.IDOperazioneClient = q.priorCall
		return q.failure(errcode.ANPRUnavailable, OutcomeFailed, "ANPR was called (idOperazioneClient "+q.priorCall+
			") but its answer was lost when a worker stopped; the outcome at ANPR is unknown")
	}
	if remaining <= 0 {
		return q.failure(errcode.ANPRUnavailable, OutcomeFailed, "the request deadline passed before ANPR could be called")
	}
	in := CallInput{
		RequestID: q.in.RequestID, Operation: OperationBase(q.in.RequestID, q.in.ReceivedAt), UserID: q.in.UserID, Comune: q.in.Comune, EnteID: q.enteID,
		Service: q.in.Service, Criteria: q.in.Criteria, Motivo: q.in.Motivo,
		DataRiferimento: q.in.DataRiferimento, Verifica: q.in.Verifica, Workstation: q.in.Workstation, LoA: q.in.LoA,
	}
	var out CallOutput
	err := callFuture(ctx, q.in.Mode, remaining, in).Get(ctx, &out)
	if err != nil {
		return q.callFailure(err)
	}
	q.trace = out.Trace
	q.subject, q.subjectCF = out.IDANPR, out.CodiceFiscale
	q.resolve = out.Resolve
	return QueryResult{
		RequestID:        q.in.RequestID,
		Outcome:          OutcomeOK,
		HTTPStatus:       200,
		EnteID:           q.enteID,
		IDOperazioneANPR: out.Trace.IDOperazioneANPR,
		Soggetti:         out.Soggetti,
		Anomalie:         out.Anomalie,
	}
}

// callRetry retries only what ANPR's guidance allows: network errors, timeouts, 5xx.
// Activities also mark every other failure non-retryable, so this list is a second fence.
func callRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    200 * time.Millisecond,
		BackoffCoefficient: 2,
		MaximumInterval:    2 * time.Second,
		NonRetryableErrorTypes: errcode.Types(
			errcode.SubjectNotFound, errcode.SubjectAmbiguous, errcode.ANPRNotEnabled, errcode.ANPRInvalidRequest,
			errcode.ANPRQuotaExhausted, errcode.ANPRProtocol, errcode.PDNDVoucherRefused,
			errcode.InvalidRequest, errcode.UnknownComune, errcode.UnknownService,
		),
	}
}

func callFuture(ctx workflow.Context, mode CallMode, remaining time.Duration, in CallInput) workflow.Future {
	attempt := min(remaining, 10*time.Second)
	if mode == CallRegular {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			ScheduleToCloseTimeout: remaining,
			StartToCloseTimeout:    attempt,
			RetryPolicy:            callRetry(),
		})
		return workflow.ExecuteActivity(ctx, ActivityCallANPR, in)
	}
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: remaining,
		StartToCloseTimeout:    attempt,
		RetryPolicy:            callRetry(),
	})
	return workflow.ExecuteLocalActivity(ctx, ActivityCallANPR, in)
}

// callFailure turns the call's error into a result; the error type is a stable errcode.
func (q *query) callFailure(err error) QueryResult {
	code, detail := errcode.ANPRUnavailable, "ANPR did not answer in time"
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		code = errcode.Parse(appErr.Type())
		detail = appErr.Message()
		var tr Trace
		if appErr.HasDetails() && appErr.Details(&tr) == nil {
			q.trace = tr
		}
	}
	outcome := OutcomeFailed
	if code == errcode.SubjectNotFound {
		outcome = OutcomeNotFound
	}
	return q.failure(code, outcome, detail)
}

func (q *query) failure(code errcode.Code, outcome, detail string) QueryResult {
	return QueryResult{
		RequestID:  q.in.RequestID,
		Outcome:    outcome,
		ErrorCode:  code,
		Detail:     detail,
		HTTPStatus: errcode.Status(code),
		EnteID:     q.enteID,
	}
}

// audit writes the record, retried until committed: no request ends without one. The result
// carries the story of a record that was already committed, if any.
func (q *query) audit(ctx workflow.Context, res QueryResult) (AuditWritten, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 24 * time.Hour,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Second,
		},
	})
	now := workflow.Now(ctx)
	var written AuditWritten
	if q.unauth {
		err := workflow.ExecuteLocalActivity(ctx, ActivityWriteAudit, q.unauthenticatedAudit(ctx, res, now)).Get(ctx, &written)
		return written, err
	}
	rec := AuditInput{
		RequestID:     q.in.RequestID,
		At:            q.in.ReceivedAt,
		UserID:        q.in.UserID,
		EnteID:        q.enteID,
		Comune:        q.in.Comune,
		Service:       q.in.Service,
		Motivo:        q.in.Motivo,
		Outcome:       res.Outcome,
		HTTPStatus:    res.HTTPStatus,
		ErrorCode:     res.ErrorCode,
		Reason:        res.Detail,
		Workstation:   q.in.Workstation,
		Criteria:      q.in.Criteria,
		SubjectIDANPR: q.subject,
		SubjectCF:     q.subjectCF,
		Trace:         q.trace,
		DurationMS:    now.Sub(q.in.ReceivedAt).Milliseconds(),
		Resolve:       q.resolve,
	}
	err := workflow.ExecuteLocalActivity(ctx, ActivityWriteAudit, rec).Get(ctx, &written)
	return written, err
}
