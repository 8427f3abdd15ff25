package activities

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/seal"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

var sealT0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// fakeClaims holds request ids in memory, as store.RequestClaims does in the database:
// held maps a request id to its run, called to the operation id that run sent.
type fakeClaims struct {
	held   map[string]string
	called map[string]string
	err    error
}

func (f *fakeClaims) Get(_ context.Context, id string) (store.Claim, error) {
	return store.Claim{RunID: f.held[id], OperationID: f.called[id]}, f.err
}

func (f *fakeClaims) ClaimCall(_ context.Context, id, run, op string, _ time.Time) (bool, error) {
	if f.err != nil {
		return false, f.err
	}
	if r, ok := f.held[id]; ok && r != run {
		return false, nil
	}
	if f.held == nil {
		f.held, f.called = map[string]string{}, map[string]string{}
	}
	f.held[id], f.called[id] = run, op
	return true, nil
}

type allowAll struct{ calls int }

func (a *allowAll) AuthorizeQuery(context.Context, int64, string, string, time.Time) (rbac.Decision, error) {
	a.calls++
	return rbac.Decision{Allowed: true, EnteID: 3}, nil
}

// sealedFixture is a sealed H501 input and Activities that run it as workflow rq-h501-1, run r1.
func sealedFixture(t *testing.T) (workflows.QueryInput, *Activities) {
	t.Helper()
	signer, err := seal.NewSigner(bytes.Repeat([]byte{7}, 32), "s1")
	if err != nil {
		t.Fatal(err)
	}
	id, pub := signer.Public()
	v, err := seal.NewVerifier(map[string]ed25519.PublicKey{id: pub})
	if err != nil {
		t.Fatal(err)
	}
	in := signer.Seal(workflows.QueryInput{RequestID: "rq-h501-1", UserID: 3, Comune: "H501", Service: "C020",
		Criteria: workflows.Criteria{IDANPR: "AF41450AS"}, Motivo: "PROT-1", ReceivedAt: sealT0, Deadline: sealT0.Add(10 * time.Second)})
	a := &Activities{Seals: v, Claims: &fakeClaims{}, Now: clock.Fixed(sealT0.Add(time.Second)), Authz: &allowAll{}}
	a.runInfo = func(context.Context) (workflowRun, bool) { return workflowRun{"comune-h501", "rq-h501-1", "r1"}, true }
	return in, a
}

// TestAuthorizeAuthenticates: each way a forged start can differ from what the API sealed is
// refused as unauthenticated before the grant is even read; only the claim store's failure
// is an error, and a retryable one.
func TestAuthorizeAuthenticates(t *testing.T) {
	var started time.Time // the workflow start a case gives Authorize; zero: none
	cases := []struct {
		name    string
		tweak   func(*workflows.QueryInput, *Activities)
		allowed bool
		errType string
	}{
		{"as sealed", func(*workflows.QueryInput, *Activities) {}, true, ""},
		{"no seal", func(q *workflows.QueryInput, _ *Activities) { q.Seal = "" }, false, ""},
		{"user changed", func(q *workflows.QueryInput, _ *Activities) { q.UserID = 1 }, false, ""},
		{"other namespace", func(_ *workflows.QueryInput, a *Activities) {
			a.runInfo = func(context.Context) (workflowRun, bool) { return workflowRun{"comune-f205", "rq-h501-1", "r1"}, true }
		}, false, ""},
		{"other workflow id", func(_ *workflows.QueryInput, a *Activities) {
			a.runInfo = func(context.Context) (workflowRun, bool) { return workflowRun{"comune-h501", "rq-h501-2", "r1"}, true }
		}, false, ""},
		{"replayed by another run", func(_ *workflows.QueryInput, a *Activities) {
			a.Claims = &fakeClaims{held: map[string]string{"rq-h501-1": "r0"}}
		}, false, ""},
		{"same run again (a retried attempt)", func(_ *workflows.QueryInput, a *Activities) {
			a.Claims = &fakeClaims{held: map[string]string{"rq-h501-1": "r1"}}
		}, true, ""},
		{"expired", func(_ *workflows.QueryInput, a *Activities) { a.Now = clock.Fixed(sealT0.Add(time.Minute)) }, false, ""},
		// After a worker crash the task is retried after the deadline, in the run the API
		// started in time: still authenticated (the start time is Temporal's, not the input's).
		{"started in time, retried after the deadline", func(_ *workflows.QueryInput, a *Activities) {
			a.Now = clock.Fixed(sealT0.Add(time.Minute))
			started = sealT0.Add(time.Second)
		}, true, ""},
		{"started after the deadline (a late replay)", func(*workflows.QueryInput, *Activities) {
			started = sealT0.Add(time.Minute)
		}, false, ""},
		{"no verifier configured", func(_ *workflows.QueryInput, a *Activities) { a.Seals = nil }, false, ""},
		{"outside an activity", func(_ *workflows.QueryInput, a *Activities) { a.runInfo = nil }, false, ""},
		{"claim store down", func(_ *workflows.QueryInput, a *Activities) { a.Claims = &fakeClaims{err: errors.New("db down")} }, false, errcode.Unavailable.String()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in, a := sealedFixture(t)
			started = time.Time{}
			tc.tweak(&in, a)
			authz := a.Authz.(*allowAll)
			out, err := a.Authorize(context.Background(), workflows.AuthorizeInput{Query: in, Started: started})
			if tc.errType != "" {
				var ae *temporal.ApplicationError
				if !errors.As(err, &ae) || ae.Type() != tc.errType || ae.NonRetryable() {
					t.Fatalf("want retryable %s, got %v", tc.errType, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Allowed != tc.allowed {
				t.Fatalf("allowed = %v, want %v (%+v)", out.Allowed, tc.allowed, out)
			}
			if !tc.allowed && (out.Reason != workflows.ReasonUnauthenticated || authz.calls != 0) {
				t.Fatalf("refusal %+v after %d grant reads, want %s before any", out, authz.calls, workflows.ReasonUnauthenticated)
			}
		})
	}
}

// TestAuthorizeReportsPriorCall: when a run's task is retried after a worker crash, Authorize
// tells the workflow which call that run already sent, in time or past the deadline; another
// run of the same input is refused, at Authorize and at the call.
func TestAuthorizeReportsPriorCall(t *testing.T) {
	for _, late := range []bool{false, true} {
		in, a := sealedFixture(t)
		claims := &fakeClaims{}
		a.Claims = claims
		if _, err := a.Authorize(context.Background(), workflows.AuthorizeInput{Query: in, Started: sealT0}); err != nil {
			t.Fatal(err)
		}
		op, err := a.markCalled(context.Background(), workflows.CallInput{RequestID: in.RequestID, Operation: "20261202090000000123456789"})
		if err != nil || claims.called[in.RequestID] != op {
			t.Fatalf("markCalled: %q %v, stored %v", op, err, claims.called)
		}
		if late {
			a.Now = clock.Fixed(sealT0.Add(time.Hour)) // the retried task runs after the deadline
		}
		out, err := a.Authorize(context.Background(), workflows.AuthorizeInput{Query: in, Started: sealT0})
		if err != nil || !out.Allowed || out.PriorCall != op {
			t.Fatalf("late=%v: retried Authorize = %+v %v, want allowed with prior call %s", late, out, err, op)
		}
	}
	in, a := sealedFixture(t)
	a.Claims = &fakeClaims{held: map[string]string{in.RequestID: "r0"}}
	if _, err := a.markCalled(context.Background(), workflows.CallInput{RequestID: in.RequestID, Operation: "20261202090000000123456789"}); err == nil {
		t.Fatal("a second run's call was let through")
	}
}

func TestResolveOperation(t *testing.T) {
	for opID, want := range map[string]string{
		"2026120209000000012345678901": "2026120209000000012345678951",
		"2026120209000000012345678907": "2026120209000000012345678957",
		"":                             "",
	} {
		if got := resolveOperation(opID); got != want {
			t.Errorf("resolveOperation(%q) = %q, want %q", opID, got, want)
		}
	}
}
