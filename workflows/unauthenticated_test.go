package workflows

import (
	"encoding/json"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/errcode"
)

// TestUnauthenticatedInput: when Authorize refuses the seal, the workflow calls nothing,
// and its one audit record and its result carry nothing of the forged input — not the user,
// the subject, the motivo, nor the request id it claimed.
func TestUnauthenticatedInput(t *testing.T) {
	f := &fakes{decision: AuthorizeOutput{Reason: ReasonUnauthenticated}}
	env := newEnv(t, f)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "rq-h501-forged"})
	in := input(CallLocal)
	in.RequestID = "rq-h501-victim" // a real request's id, which the record must not take
	in.Workstation = "PC-7"
	env.SetStartTime(in.ReceivedAt)
	env.ExecuteWorkflow(AnprQuery, in)
	var res QueryResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if f.calls != 0 {
		t.Fatalf("ANPR called %d times for an unauthenticated input", f.calls)
	}
	if res.Outcome != OutcomeDenied || res.ErrorCode != errcode.Forbidden || res.Detail != ReasonUnauthenticated || len(res.Soggetti) > 0 {
		t.Fatalf("result %+v", res)
	}
	if len(f.audits) != 1 {
		t.Fatalf("%d audit records, want 1", len(f.audits))
	}
	a := f.audits[0]
	if !strings.HasPrefix(a.RequestID, "unauthenticated-") || a.RequestID != res.RequestID {
		t.Fatalf("audit request id %q (result %q): want the run's unauthenticated id", a.RequestID, res.RequestID)
	}
	if a.UserID != 0 || a.EnteID != 0 || a.Motivo != "" || a.Workstation != "" || a.Criteria != (Criteria{}) ||
		a.Outcome != OutcomeDenied || a.Reason != ReasonUnauthenticated {
		t.Fatalf("audit record believes the forged input: %+v", a)
	}
	b, _ := json.Marshal(res)
	for _, secret := range []string{in.Criteria.IDANPR, in.Motivo, "rq-h501-victim"} {
		if strings.Contains(string(b), secret) {
			t.Fatalf("result holds %q: %s", secret, b)
		}
	}
}

// TestRefusedByTheAPI: a request the API refused after authenticating it (its
// Idempotency-Key belongs to another request) calls nothing and is audited as denied.
func TestRefusedByTheAPI(t *testing.T) {
	f := &fakes{decision: AuthorizeOutput{Reason: ReasonIdempotencyConflict}}
	env := newEnv(t, f)
	in := input(CallLocal)
	in.Refused = ReasonIdempotencyConflict
	env.ExecuteWorkflow(AnprQuery, in)
	var res QueryResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if f.calls != 0 || res.Outcome != OutcomeDenied || res.ErrorCode != errcode.IdempotencyConflict || res.HTTPStatus != 422 {
		t.Fatalf("calls %d, result %+v", f.calls, res)
	}
	if len(f.audits) != 1 || f.audits[0].UserID != in.UserID || f.audits[0].Reason != ReasonIdempotencyConflict {
		t.Fatalf("audit %+v", f.audits)
	}
}
