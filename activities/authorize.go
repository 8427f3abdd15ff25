package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/seal"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// SealVerifier checks the API's seal on a workflow input (seal.Verifier).
type SealVerifier interface {
	Verify(in workflows.QueryInput, now time.Time) error
}

// RequestClaims binds a sealed request id to the first workflow run that uses it
// (store.RequestClaims): any other run with the same input is a replay.
type RequestClaims interface {
	ClaimState(ctx context.Context, requestID, runID string, at time.Time) (store.ClaimState, error)
	// HeldBy is the run holding requestID, "" when none does.
	HeldBy(ctx context.Context, requestID string) (string, error)
	// MarkCalled records that the run is about to contact ANPR with the operation id;
	// CalledOperation reads it back after a crash.
	MarkCalled(ctx context.Context, requestID, runID, operationID string, at time.Time) error
	CalledOperation(ctx context.Context, requestID, runID string) (string, error)
}

// errUnauthenticated is why a workflow's input is not believed; its text is logged, never
// audited or returned.
var errUnauthenticated = errors.New("unauthenticated workflow input")

// Authorize first authenticates the workflow's input, then evaluates the query grant on the
// sealed values only. A denial is a decision, not an error: the workflow audits it. Only an
// unreachable store is an error, and that one may be retried.
func (a *Activities) Authorize(ctx context.Context, in workflows.AuthorizeInput) (workflows.AuthorizeOutput, error) {
	q := in.Query
	prior, err := a.authenticate(ctx, q)
	if err != nil {
		if !errors.Is(err, errUnauthenticated) {
			return workflows.AuthorizeOutput{}, temporal.NewApplicationErrorWithCause(
				"request claims unavailable", errcode.Unavailable, fmt.Errorf("authorize: %w", err))
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
			"authorization store unavailable", errcode.Unavailable, fmt.Errorf("authorize: %w", err))
	}
	return workflows.AuthorizeOutput{Allowed: d.Allowed, Reason: d.Reason, EnteID: d.EnteID, PriorCall: prior}, nil
}

// authenticate accepts the input only when the API sealed it, for this namespace and this
// workflow id, before its deadline, and no other run has used it. It fails closed: without a
// verifier or outside an activity nothing is authenticated. Errors other than
// errUnauthenticated are the claim store's, worth a retry. prior is the operation id of a call
// this run already sent before its worker stopped (see CallANPR), "" when none.
func (a *Activities) authenticate(ctx context.Context, q workflows.QueryInput) (prior string, err error) {
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
	now := a.Now.Now()
	err = a.Seals.Verify(q, now)
	if errors.Is(err, seal.ErrExpired) {
		if err := a.claimedBefore(ctx, q.RequestID, run.runID); err != nil {
			return "", err
		}
		return a.Claims.CalledOperation(ctx, q.RequestID, run.runID)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %w", errUnauthenticated, err)
	}
	st, err := a.Claims.ClaimState(ctx, q.RequestID, run.runID, now)
	switch {
	case err != nil:
		return "", err
	case st == store.ClaimTaken:
		return "", fmt.Errorf("%w: replayed: another run already used this seal", errUnauthenticated)
	case st == store.ClaimHeld:
		return a.Claims.CalledOperation(ctx, q.RequestID, run.runID)
	}
	return "", nil
}

// claimedBefore accepts a seal past its deadline only for the run that claimed it in time:
// after a worker crash the workflow task is retried and Authorize runs again, later, in the
// same run. That run was authenticated; it must not be audited as a forgery.
func (a *Activities) claimedBefore(ctx context.Context, requestID, runID string) error {
	holder, err := a.Claims.HeldBy(ctx, requestID)
	if err != nil {
		return err
	}
	if holder != runID {
		return fmt.Errorf("%w: %w", errUnauthenticated, seal.ErrExpired)
	}
	return nil
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
