package workflows

import (
	"regexp"
	"testing"
	"time"
)

func TestOperationID(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 30, 15, 123_456_789, time.FixedZone("CET", 3600))
	base := OperationBase("rq-h501-abc", at)
	if base != OperationBase("rq-h501-abc", at.UTC()) {
		t.Fatal("the base depends on the zone of the same instant")
	}
	if base == OperationBase("rq-h501-abd", at) {
		t.Fatal("two requests received in the same millisecond share a base")
	}
	if base[:17] != "20261202093015123" {
		t.Fatalf("base %s does not start with the UTC millisecond", base)
	}
	for _, tc := range []struct {
		attempt int
		suffix  string
	}{{1, "01"}, {2, "02"}, {0, "01"}, {150, "99"}} {
		id := OperationID(base, tc.attempt)
		if !regexp.MustCompile(`^[0-9]{28}$`).MatchString(id) || id[26:] != tc.suffix {
			t.Errorf("attempt %d: %q, want 28 digits ending %s (ANPR allows 30)", tc.attempt, id, tc.suffix)
		}
	}
}

// TestLostAnswerIsNotNotCalled: a run retried after a crash, past its deadline, whose
// Authorize reports a call already sent, records "called, answer unknown" with that call's id —
// never "the deadline passed before ANPR could be called" — and calls nothing again.
func TestLostAnswerIsNotNotCalled(t *testing.T) {
	const prior = "2026120209000000012345678901"
	f := &fakes{decision: AuthorizeOutput{Allowed: true, EnteID: 3, PriorCall: prior}}
	env := newEnv(t, f)
	in := input(CallLocal)
	env.SetStartTime(in.Deadline.Add(time.Second)) // the task runs again after the deadline
	env.ExecuteWorkflow(AnprQuery, in)
	var res QueryResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if f.calls != 0 || res.Outcome != OutcomeFailed || !regexp.MustCompile(`called .*`+prior+`.*lost`).MatchString(res.Detail) {
		t.Fatalf("calls %d, result %+v", f.calls, res)
	}
	if len(f.audits) != 1 || f.audits[0].Trace.IDOperazioneClient != prior || f.audits[0].Reason != res.Detail {
		t.Fatalf("audit %+v: want the lost call named", f.audits)
	}
}
