package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// SealVerifier checks the API's seal on a workflow input (seal.Verifier).
type SealVerifier interface {
	Verify(in workflows.QueryInput, now time.Time) error
}

// RequestClaims records which run called ANPR for a sealed request id (store.RequestClaims).
type RequestClaims interface {
	// Get is the claim of a request id: RunID "" while no run has called ANPR for it.
	Get(ctx context.Context, requestID string) (store.Claim, error)
	// ClaimCall binds the id to the run and records the call about to be sent, unless
	// another run holds the id (ok false).
	ClaimCall(ctx context.Context, requestID, runID, operationID string, at time.Time) (ok bool, err error)
}

// errUnauthenticated is why a workflow's input is not believed; its text is logged, never
// audited or returned.
var errUnauthenticated = errors.New("unauthenticated workflow input")

// Authorize first authenticates the workflow's input, then evaluates the query grant on the
// sealed values only. A denial is a decision, not an error: the workflow audits it. Only an
// unreachable store is an error, and that one may be retried.
func (a *Activities) Authorize(ctx context.Context, in workflows.AuthorizeInput) (workflows.AuthorizeOutput, error) {
	q := in.Query
	prior, err := a.authenticate(ctx, q, in.Started)
	if err != nil {
		if !errors.Is(err, errUnauthenticated) {
			return workflows.AuthorizeOutput{}, temporal.NewApplicationErrorWithCause(
				"request claims unavailable", errcode.Unavailable.String(), fmt.Errorf("authorize: %w", err))
		}
		a.logRefused(ctx, err)
		return workflows.AuthorizeOutput{Reason: workflows.ReasonUnauthenticated}, nil
	}
	if q.Refused != "" {
		// Refused by the API (authenticated, sealed): nothing to authorize, no quota taken.
		return workflows.AuthorizeOutput{Reason: q.Refused, PriorCall: prior}, nil
	}
	d, err := a.Authz.AuthorizeQuery(ctx, q.UserID, q.Comune, q.Service, q.ReceivedAt)
	if err != nil {
		return workflows.AuthorizeOutput{}, temporal.NewApplicationErrorWithCause(
			"authorization store unavailable", errcode.Unavailable.String(), fmt.Errorf("authorize: %w", err))
	}
	return workflows.AuthorizeOutput{Allowed: d.Allowed, Reason: d.Reason, EnteID: d.EnteID, PriorCall: prior}, nil
}

// authenticate accepts the input only when the API sealed it, for this namespace and this
// workflow id, and the workflow started before the seal's deadline (Temporal's start time:
// a task retried after a worker crash is still the run the API started), and no other run has
// called ANPR with it. It fails closed: without a verifier or outside an activity nothing is
// authenticated. Errors other than errUnauthenticated are the claim store's, worth a retry.
// prior is the operation id of a call this run already sent before its worker stopped.
func (a *Activities) authenticate(ctx context.Context, q workflows.QueryInput, started time.Time) (prior string, err error) {
	run, ok := a.runOf(ctx)
	if a.Seals == nil || a.Claims == nil || !ok {
		return "", fmt.Errorf("%w: no seal verifier configured", errUnauthenticated)
	}
	if run.namespace != workflows.Namespace(q.Comune) {
		return "", fmt.Errorf("%w: sealed for %s, run in namespace %s", errUnauthenticated, workflows.Namespace(q.Comune), run.namespace)
	}
	if run.workflowID != q.RequestID {
		return "", fmt.Errorf("%w: workflow id differs from the sealed request id", errUnauthenticated)
	}
	if started.IsZero() {
		started = a.Now.Now()
	}
	if err := a.Seals.Verify(q, started); err != nil {
		return "", fmt.Errorf("%w: %w", errUnauthenticated, err)
	}
	claim, err := a.Claims.Get(ctx, q.RequestID)
	switch {
	case err != nil:
		return "", err
	case claim.RunID != "" && claim.RunID != run.runID:
		return "", fmt.Errorf("%w: replayed: another run already called ANPR with this seal", errUnauthenticated)
	}
	return claim.OperationID, nil
}

// workflowRun is where an activity runs: the facts Temporal, not the input, vouches for.
type workflowRun struct{ namespace, workflowID, runID string }

// runOf reads the activity's workflow run (a test may replace it through runInfo).
func (a *Activities) runOf(ctx context.Context) (workflowRun, bool) {
	if a.runInfo != nil {
		return a.runInfo(ctx)
	}
	if !activity.IsActivity(ctx) {
		return workflowRun{}, false
	}
	info := activity.GetInfo(ctx)
	return workflowRun{info.WorkflowNamespace, info.WorkflowExecution.ID, info.WorkflowExecution.RunID}, true
}

// logRefused tells the operator where a forged or replayed start ran; the log names the run,
// never the input's user or subject.
func (a *Activities) logRefused(ctx context.Context, err error) {
	if !activity.IsActivity(ctx) {
		return
	}
	info := activity.GetInfo(ctx)
	activity.GetLogger(ctx).Warn("workflow input refused: not sealed by the API",
		"namespace", info.WorkflowNamespace, "workflowId", info.WorkflowExecution.ID,
		"runId", info.WorkflowExecution.RunID, "cause", err.Error())
}
