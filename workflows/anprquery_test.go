package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/varco-anpr/varco/internal/errcode"
)

// fakes records what the workflow asked of each activity.
type fakes struct {
	mu        sync.Mutex
	decision  AuthorizeOutput
	authzErr  error
	callErrs  []error // returned by successive calls; nil entries succeed
	calls     int
	audits    []AuditInput
	auditFail int  // fail this many audit writes before committing
	block     bool // the call waits for cancellation
}

func (f *fakes) authorize(_ context.Context, in AuthorizeInput) (AuthorizeOutput, error) {
	return f.decision, f.authzErr
}

func (f *fakes) callANPR(ctx context.Context, in CallInput) (CallOutput, error) {
	if f.block {
		<-ctx.Done()
		return CallOutput{}, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if i := f.calls - 1; i < len(f.callErrs) && f.callErrs[i] != nil {
		return CallOutput{}, f.callErrs[i]
	}
	return CallOutput{
		Soggetti: []json.RawMessage{json.RawMessage(`{"identificativi":{"idANPR":"AF41450AS"}}`)},
		Trace:    Trace{IDOperazioneANPR: "123", IDOperazioneClient: "c1"},
	}, nil
}

func (f *fakes) writeAudit(_ context.Context, in AuditInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.auditFail > 0 {
		f.auditFail--
		return errors.New("database is locked")
	}
	f.audits = append(f.audits, in)
	return nil
}

func newEnv(t *testing.T, f *fakes) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	return newEnvWithAudit(t, f, f.writeAudit)
}

// newEnvWithAudit is newEnv with another WriteAudit.
func newEnvWithAudit(t *testing.T, f *fakes, writeAudit any) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(discardLogger()))
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(AnprQuery)
	env.RegisterActivityWithOptions(f.authorize, activity.RegisterOptions{Name: ActivityAuthorize})
	env.RegisterActivityWithOptions(f.callANPR, activity.RegisterOptions{Name: ActivityCallANPR})
	env.RegisterActivityWithOptions(writeAudit, activity.RegisterOptions{Name: ActivityWriteAudit})
	return env
}

func input(mode CallMode) QueryInput {
	now := time.Now()
	return QueryInput{
		RequestID: "rq-test", UserID: 7, Comune: "H501", Service: "C020",
		Criteria: Criteria{IDANPR: "AF41450AS"}, Motivo: "PROT-1", DataRiferimento: "2026-11-26",
		ReceivedAt: now, Deadline: now.Add(5 * time.Second), Mode: mode,
	}
}

func nonRetryable(code string) error {
	return temporal.NewNonRetryableApplicationError("provider said no", code, nil, Trace{GovWayTransactionID: "gw-1"})
}

func retryable() error {
	return temporal.NewApplicationError("503 GatewayError", errcode.ANPRUnavailable.String())
}

func TestAnprQuery(t *testing.T) {
	allowed := AuthorizeOutput{Allowed: true, EnteID: 3}
	cases := []struct {
		name      string
		mode      CallMode
		decision  AuthorizeOutput
		authzErr  error
		callErrs  []error
		auditFail int
		deadline  time.Duration
		wantOut   string
		wantCode  string
		wantCalls int
		wantData  bool
		wantGW    string
	}{
		{name: "allowed local", mode: CallLocal, decision: allowed, wantOut: OutcomeOK, wantCalls: 1, wantData: true},
		{name: "allowed regular", mode: CallRegular, decision: allowed, wantOut: OutcomeOK, wantCalls: 1, wantData: true},
		{name: "denied", decision: AuthorizeOutput{Reason: "service_not_in_profile", EnteID: 3},
			wantOut: OutcomeDenied, wantCode: errcode.Forbidden.String(), wantCalls: 0},
		{name: "over the daily quota", decision: AuthorizeOutput{Reason: ReasonQuotaExceeded, EnteID: 3},
			wantOut: OutcomeDenied, wantCode: errcode.QuotaExceeded.String(), wantCalls: 0},
		{name: "authorization store down", authzErr: errors.New("db down"),
			wantOut: OutcomeFailed, wantCode: errcode.Unavailable.String(), wantCalls: 0},
		{name: "not found is not retried", decision: allowed, callErrs: []error{nonRetryable(errcode.SubjectNotFound.String())},
			wantOut: OutcomeNotFound, wantCode: errcode.SubjectNotFound.String(), wantCalls: 1, wantGW: "gw-1"},
		{name: "quota exhausted is not retried", decision: allowed, callErrs: []error{nonRetryable(errcode.ANPRQuotaExhausted.String())},
			wantOut: OutcomeFailed, wantCode: errcode.ANPRQuotaExhausted.String(), wantCalls: 1},
		{name: "4xx typed error not retried even if marked retryable", decision: allowed,
			callErrs: []error{temporal.NewApplicationError("bad", errcode.ANPRInvalidRequest.String())},
			wantOut:  OutcomeFailed, wantCode: errcode.ANPRInvalidRequest.String(), wantCalls: 1},
		{name: "transient failure retried then ok", decision: allowed, callErrs: []error{retryable(), retryable()},
			wantOut: OutcomeOK, wantCalls: 3, wantData: true},
		{name: "transient failure until deadline", mode: CallRegular, decision: allowed, deadline: 3 * time.Second,
			callErrs: repeat(retryable(), 100), wantOut: OutcomeFailed, wantCode: errcode.ANPRUnavailable.String()},
		{name: "audit retried until committed", decision: allowed, auditFail: 2, wantOut: OutcomeOK, wantCalls: 1, wantData: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakes{decision: tc.decision, authzErr: tc.authzErr, callErrs: tc.callErrs, auditFail: tc.auditFail}
			env := newEnv(t, f)
			in := input(tc.mode)
			if tc.deadline > 0 {
				in.Deadline = in.ReceivedAt.Add(tc.deadline)
			}
			env.SetStartTime(in.ReceivedAt)
			env.ExecuteWorkflow(AnprQuery, in)
			if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
				t.Fatalf("workflow did not complete: %v", env.GetWorkflowError())
			}
			var res QueryResult
			if err := env.GetWorkflowResult(&res); err != nil {
				t.Fatal(err)
			}
			if res.Outcome != tc.wantOut || string(res.ErrorCode) != tc.wantCode {
				t.Fatalf("outcome %q code %q, want %q %q (detail %q)", res.Outcome, res.ErrorCode, tc.wantOut, tc.wantCode, res.Detail)
			}
			if tc.wantCalls > 0 || tc.wantCode != errcode.ANPRUnavailable.String() {
				if f.calls != tc.wantCalls {
					t.Fatalf("ANPR called %d times, want %d", f.calls, tc.wantCalls)
				}
			} else if f.calls < 2 {
				t.Fatalf("transient failures should be retried, got %d calls", f.calls)
			}
			if got := len(res.Soggetti) > 0; got != tc.wantData {
				t.Fatalf("data returned = %v, want %v", got, tc.wantData)
			}
			if res.HTTPStatus != statusOf(tc.wantCode) {
				t.Fatalf("status %d, want %d", res.HTTPStatus, statusOf(tc.wantCode))
			}
			assertOneAudit(t, f, in, res, tc.wantGW)
		})
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

func statusOf(code string) int {
	if code == "" {
		return 200
	}
	return errcode.Status(errcode.Code(code))
}

func assertOneAudit(t *testing.T, f *fakes, in QueryInput, res QueryResult, wantGW string) {
	t.Helper()
	if len(f.audits) != 1 {
		t.Fatalf("%d audit records, want exactly 1", len(f.audits))
	}
	a := f.audits[0]
	if a.RequestID != in.RequestID || a.Outcome != res.Outcome || a.HTTPStatus != res.HTTPStatus ||
		a.ErrorCode != res.ErrorCode || a.Comune != in.Comune || a.UserID != in.UserID || a.Motivo != in.Motivo {
		t.Fatalf("audit record %+v does not match result %+v", a, res)
	}
	if res.Outcome == OutcomeOK && a.Trace.IDOperazioneANPR != "123" {
		t.Fatalf("audit lacks idOperazioneANPR: %+v", a.Trace)
	}
	if wantGW != "" && a.Trace.GovWayTransactionID != wantGW {
		t.Fatalf("audit lacks the GovWay id carried by the error: %+v", a.Trace)
	}
}

func TestAnprQueryCancelledStillAudits(t *testing.T) {
	f := &fakes{decision: AuthorizeOutput{Allowed: true, EnteID: 3}}
	env := newEnv(t, f)
	f.block = true // the call blocks until the workflow is cancelled
	in := input(CallRegular)
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Second)
	env.ExecuteWorkflow(AnprQuery, in)
	var res QueryResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatalf("cancelled workflow should still return its audited result: %v", err)
	}
	if res.Outcome != OutcomeCancelled || len(f.audits) != 1 || f.audits[0].Outcome != OutcomeCancelled {
		t.Fatalf("result %+v, audits %+v: want one cancelled record", res, f.audits)
	}
}

func TestAnprQueryAuditAlwaysFailingFailsWorkflow(t *testing.T) {
	f := &fakes{decision: AuthorizeOutput{Allowed: true}, auditFail: 1 << 30}
	env := newEnv(t, f)
	env.ExecuteWorkflow(AnprQuery, input(CallLocal))
	if env.GetWorkflowError() == nil {
		t.Fatal("a workflow whose audit never commits must not return data")
	}
}
