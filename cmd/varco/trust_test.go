package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/workflows"
)

// TestForgedStarts is the attack of issue #9, through the real embedded server: someone who
// reaches Temporal's frontend starts AnprQuery themselves. Whatever they send — plain JSON,
// an encrypted input with one field changed, a replayed seal, a seal of another Comune's
// namespace, a payload copied from another namespace — no call reaches ANPR (the simulator
// counts none), no audit record names a user, and no result carries personal data.
func TestForgedStarts(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.RequestTimeout = time.Minute // the replay below must fall inside the seal's deadline
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	e := &adminEnv{t: t, s: s, url: url, az: s.api.Authz}
	e.addComuneB()
	if err := s.manager.Ensure(context.Background(), "F205"); err != nil {
		t.Fatal(err)
	}

	// One genuine request, whose sealed input the attacker copies from the history.
	op := login(t, url, "demo-operatore")
	a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
	if a.status != 200 {
		t.Fatalf("genuine query: %d %s", a.status, a.raw)
	}
	genuineID := a.body["requestId"].(string)
	h501, f205 := nsClient(t, s, "H501"), nsClient(t, s, "F205")
	sealedPayloads := startInput(t, h501, genuineID)
	var sealed workflows.QueryInput
	dc, err := s.keys.converter(workflows.Namespace("H501"))
	if err != nil {
		t.Fatal(err)
	}
	if err := dc.FromPayloads(sealedPayloads, &sealed); err != nil || sealed.Seal == "" {
		t.Fatalf("the genuine input is not sealed: %v %+v", err, sealed)
	}
	plain, err := client.NewClientFromExisting(s.client, client.Options{Namespace: workflows.Namespace("H501")})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()

	changed := sealed
	changed.UserID, changed.RequestID = 1, "rq-h501-forged-user"
	now := time.Now()
	cases := []struct {
		name   string
		start  func() (client.WorkflowRun, error)
		failed bool // the worker refused to decode the input at all
	}{
		{"plain JSON input, as the temporal CLI sends it", func() (client.WorkflowRun, error) {
			return plain.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: "rq-h501-x", TaskQueue: workflows.TaskQueue},
				"AnprQuery", workflows.QueryInput{RequestID: "rq-h501-x", UserID: 3, Comune: "H501", Service: "C020",
					Criteria: workflows.Criteria{IDANPR: "AF41450AS"}, Motivo: "x", DataRiferimento: now.Format(time.DateOnly),
					ReceivedAt: now, Deadline: now.Add(30 * time.Second)})
		}, true},
		{"sealed input with one field changed", func() (client.WorkflowRun, error) {
			return startAs(h501, changed.RequestID, enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, changed)
		}, false},
		{"sealed input replayed under its own workflow id", func() (client.WorkflowRun, error) {
			return startAs(h501, genuineID, enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, sealed)
		}, false},
		{"sealed input replayed under another workflow id", func() (client.WorkflowRun, error) {
			return startAs(h501, "rq-h501-other", enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, sealed)
		}, false},
		{"H501's seal started in F205's namespace", func() (client.WorkflowRun, error) {
			return startAs(f205, genuineID, enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE, sealed)
		}, false},
		{"H501's encrypted payload copied into F205's namespace", func() (client.WorkflowRun, error) {
			return startRaw(t, f205, "rq-h501-copied", sealedPayloads)
		}, true},
	}
	calls := simulatorCalls(s)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := auditCount(t, s)
			run, err := tc.start()
			if err != nil {
				t.Fatalf("start: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var res workflows.QueryResult
			err = run.Get(ctx, &res)
			switch {
			case tc.failed && err == nil:
				t.Fatalf("the worker decoded a forged payload: %+v", res)
			case !tc.failed && err != nil:
				t.Fatalf("workflow: %v", err)
			case !tc.failed && (res.Outcome != workflows.OutcomeDenied || res.Detail != workflows.ReasonUnauthenticated):
				t.Fatalf("result %+v, want denied %s", res, workflows.ReasonUnauthenticated)
			}
			b, _ := json.Marshal(res)
			for _, secret := range []string{"AF41450AS", "PROT-2026-123", "SETTIMO"} {
				if strings.Contains(string(b), secret) {
					t.Fatalf("the result holds %q: %s", secret, b)
				}
			}
			after := auditCount(t, s)
			if after.named != before.named {
				t.Fatalf("audit records naming a user: %d → %d", before.named, after.named)
			}
			if n := after.unauth - before.unauth; n > 1 || (!tc.failed && n != 1) {
				t.Fatalf("%d new unauthenticated records", n)
			}
			if got := simulatorCalls(s); got != calls {
				t.Fatalf("the simulator got %d calls from a forged start", got-calls)
			}
		})
	}
	// The refused run, kept for the replay test of workflows/testdata.
	replayAndKeep(t, cfg, h501, changed.RequestID, "anprquery_unauthenticated")
	// The genuine request still has its one record and its answer.
	if r := call(t, "GET", url+"/api/v1/requests/"+genuineID, op, nil); r.status != 200 || r.body["outcome"] != "ok" {
		t.Fatalf("the genuine request after the attacks: %d %s", r.status, r.raw)
	}
}

// startInput is a workflow's input as stored in its history: encrypted, bound to its namespace.
func startInput(t *testing.T, c client.Client, id string) *commonpb.Payloads {
	t.Helper()
	for _, ev := range rawHistory(t, c, id).Events {
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
			return ev.GetWorkflowExecutionStartedEventAttributes().GetInput()
		}
	}
	t.Fatalf("no start event for %s", id)
	return nil
}

func startAs(c client.Client, id string, reuse enumspb.WorkflowIdReusePolicy, in workflows.QueryInput) (client.WorkflowRun, error) {
	return c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: id, TaskQueue: workflows.TaskQueue, WorkflowIDReusePolicy: reuse,
	}, "AnprQuery", in)
}

// startRaw starts AnprQuery with payloads exactly as given, as a hand-made gRPC call would.
func startRaw(t *testing.T, c client.Client, id string, input *commonpb.Payloads) (client.WorkflowRun, error) {
	t.Helper()
	ns := workflows.Namespace("F205")
	resp, err := c.WorkflowService().StartWorkflowExecution(context.Background(), &workflowservice.StartWorkflowExecutionRequest{
		Namespace: ns, WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: "AnprQuery"},
		TaskQueue: &taskqueuepb.TaskQueue{Name: workflows.TaskQueue}, Input: input, RequestId: id,
	})
	if err != nil {
		return nil, err
	}
	return c.GetWorkflow(context.Background(), id, resp.GetRunId()), nil
}

type auditCounts struct{ named, unauth int }

func auditCount(t *testing.T, s *stack) auditCounts {
	t.Helper()
	var c auditCounts
	ctx := context.Background()
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_events WHERE user_id <> 0").Scan(&c.named); err != nil {
		t.Fatal(err)
	}
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE user_id = 0 AND reason = ?
		AND request_id LIKE 'unauthenticated-%' AND subject_hash = '' AND motivo = ''`, workflows.ReasonUnauthenticated).Scan(&c.unauth)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// simulatorCalls is how many e-service calls the simulator has answered today.
func simulatorCalls(s *stack) int {
	n := 0
	for _, p := range s.simulator.QuotaStatus().Purposes {
		n += p.Used
	}
	return n
}
