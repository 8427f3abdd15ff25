//go:build stack

package stacktest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/workflows"
)

// The scenarios of the reliability suite; each ends with stack.check (stack_test.go).

// TestStackWorkerKills: 1,000 distinct queries at concurrency 16 while a worker replica is
// killed with SIGKILL ten times (alternately, each restarted half a second later).
func TestStackWorkerKills(t *testing.T) {
	s := openStack(t)
	since := time.Now()
	kills := 0
	out := s.load(t, "kill-worker-"+since.Format("150405"), 1000, 16, func(done <-chan struct{}) {
		// One kill every ~1 s: ten take about half the load (25–30 s on this machine; a run
		// at 1.5 s per kill once finished the load after nine).
		for kills < 10 {
			select {
			case <-done:
				return
			case <-time.After(500 * time.Millisecond):
			}
			name := []string{"worker1", "worker2"}[kills%2]
			s.ctl(t, "kill", name)
			kills++
			time.Sleep(500 * time.Millisecond)
			s.ctl(t, "start", name)
		}
	})
	if kills < 10 {
		t.Errorf("the load ended after %d kills, want 10 during it", kills)
	}
	s.check(t, since, out)
	waitWorkerReady(t, s)
}

// waitWorkerReady waits until both workers poll again (they were restarted).
func waitWorkerReady(t *testing.T, s *stack) {
	t.Helper()
	out := s.load(t, "after-"+time.Now().Format("150405.000"), 16, 4, nil)
	for _, o := range out {
		if o.status != 200 {
			t.Fatalf("after the faults: %+v", o)
		}
	}
}

// TestStackAPIKill: an api replica killed with SIGKILL under load; the requests it held are
// sent again to the other replica with the same Idempotency-Key.
func TestStackAPIKill(t *testing.T) {
	s := openStack(t)
	since := time.Now()
	out := s.load(t, "kill-api-"+since.Format("150405"), 300, 16, func(done <-chan struct{}) {
		time.Sleep(2 * time.Second)
		s.ctl(t, "kill", "api2")
		time.Sleep(3 * time.Second)
		s.ctl(t, "start", "api2")
	})
	s.check(t, since, out)
	retried := 0
	for _, o := range out {
		if o.attempts > 1 {
			retried++
		}
	}
	t.Logf("%d requests answered by the other replica after api2 died", retried)
}

// TestStackDatabaseRefuses: Varco's database refuses every connection for 30 s under load
// (ALLOW_CONNECTIONS false and its backends terminated; the shared server keeps running).
func TestStackDatabaseRefuses(t *testing.T) {
	s := openStack(t)
	since := time.Now()
	restore := func() {
		if _, err := s.adminDB.Exec("ALTER DATABASE varco_stack ALLOW_CONNECTIONS true"); err != nil {
			t.Errorf("restore connections: %v", err)
		}
	}
	defer restore()
	out := s.load(t, "pg-refuses-"+since.Format("150405"), 400, 16, func(done <-chan struct{}) {
		time.Sleep(2 * time.Second)
		if _, err := s.adminDB.Exec("ALTER DATABASE varco_stack ALLOW_CONNECTIONS false"); err != nil {
			t.Errorf("refuse connections: %v", err)
			return
		}
		if _, err := s.adminDB.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'varco_stack' AND pid <> pg_backend_pid()"); err != nil {
			t.Errorf("terminate backends: %v", err)
		}
		time.Sleep(30 * time.Second)
		restore()
	})
	// The suite's own connection to varco_stack was cut too: a fresh pool.
	_ = s.varcoDB.Close()
	s.varcoDB = openPG(t, "varco_stack")
	s.check(t, since, out)
}

// TestStackANPRFaults: 20 % of ANPR calls answered 503 and one in ten delayed by a 3 s spike.
func TestStackANPRFaults(t *testing.T) {
	s := openStack(t)
	since := time.Now()
	s.simFaults(t, map[string]any{"gatewayErrorRate": 0.2, "spikeRate": 0.1, "spike": "3s", "latencyMin": "5ms", "latencyMax": "50ms"})
	defer s.simFaults(t, nil)
	before := s.simCalls(t)
	out := s.load(t, "anpr-faults-"+since.Format("150405"), 400, 16, nil)
	s.simFaults(t, nil)
	// The faults were there: some answers waited for a spike, and ANPR saw more calls than
	// requests (Varco retried the 503s).
	slow := 0
	for _, o := range out {
		if o.elapsed >= 3*time.Second {
			slow++
		}
	}
	calls := s.simCalls(t) - before
	t.Logf("%d answers slowed by a spike; ANPR received %d calls for %d requests", slow, calls, len(out))
	if slow == 0 {
		t.Error("no answer took the 3 s spike: were the faults applied?")
	}
	s.check(t, since, out)
}

// TestStackUnauthenticated: the frontend refuses a caller without a token.
func TestStackUnauthenticated(t *testing.T) {
	s := openStack(t)
	c := s.dialTemporalNoCheck(t)
	defer c.Close()
	_, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: "comune-h501", PageSize: 1})
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "denied") && !strings.Contains(strings.ToLower(err.Error()), "unauth") {
		t.Fatalf("ListWorkflow without a token: %v, want a refusal", err)
	}
}

func (s *stack) dialTemporalNoCheck(t *testing.T) client.Client {
	t.Helper()
	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:" + s.env["FRONTEND"], Namespace: "comune-h501", Logger: quiet{}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStackNewComune: `varco comune add` registers the namespace on the cluster (twice: the
// second run must change nothing but refuse the duplicate Comune) and the running workers
// serve the new Comune without a restart.
func TestStackNewComune(t *testing.T) {
	s := openStack(t)
	code := "F205"
	var exists bool
	_ = s.varcoDB.QueryRow("SELECT EXISTS (SELECT 1 FROM comuni WHERE code = $1)", code).Scan(&exists)
	if !exists {
		out := s.varco(t, "comune", "add", "-code", code, "-istat", "015146", "-name", "MILANO")
		if !strings.Contains(out, "Namespace comune-f205 registered") {
			t.Fatalf("comune add: %s", out)
		}
	}
	ns, err := s.temporal.WorkflowService().DescribeNamespace(context.Background(), &workflowservice.DescribeNamespaceRequest{Namespace: "comune-f205"})
	if err != nil {
		t.Fatalf("namespace of the new Comune: %v", err)
	}
	if r := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); r != 7*24*time.Hour {
		t.Errorf("retention %v", r)
	}
	// The workers follow the Comuni every 5 s: both serve the new namespace without a restart.
	deadline := time.Now().Add(30 * time.Second)
	for _, w := range []string{"worker1", "worker2"} {
		for !logHas(filepath.Join(s.root, ".stack", "log", w+".log"), `"namespace ready"`, "comune-f205") {
			if time.Now().After(deadline) {
				t.Fatalf("%s does not serve comune-f205 30 s after comune add", w)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	tq, err := s.temporal.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
		Namespace: "comune-f205", TaskQueue: &taskqueuepb.TaskQueue{Name: workflows.TaskQueue}, TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW})
	if err != nil || len(tq.GetPollers()) < 2 {
		t.Fatalf("pollers on comune-f205: %v (%v), want both workers", tq.GetPollers(), err)
	}
	// Again: the Comune exists, so the command fails, but only after registering the
	// namespace again, which changes nothing.
	cmd := exec.Command("bash", "-c", `. "$0" env && exec "$1"/.stack/bin/varco comune add -code F205 -istat 015146 -name MILANO`, s.script, s.root)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "F205") {
		t.Fatalf("comune add twice: %v %s", err, out)
	}
	again, err := s.temporal.WorkflowService().DescribeNamespace(context.Background(), &workflowservice.DescribeNamespaceRequest{Namespace: "comune-f205"})
	if err != nil || again.GetNamespaceInfo().GetId() != ns.GetNamespaceInfo().GetId() {
		t.Fatalf("the namespace changed: %v", err)
	}
}

func logHas(file string, needles ...string) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if !slices.ContainsFunc(needles, func(n string) bool { return !strings.Contains(line, n) }) {
			return true
		}
	}
	return false
}
