//go:build stack

package stacktest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/temporalauth"
)

// stack is the running deploy/stack.sh stack, as the tests reach it.
type stack struct {
	root, script string
	env          map[string]string // .stack/env plus the addresses
	apis         []string
	sim          string
	varcoDB      *sql.DB // Varco's database
	adminDB      *sql.DB // the server's postgres database, to refuse connections to Varco's
	temporal     client.Client
	token        string // demo-operatore's API token
}

func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// openStack reads the stack's state; a stack that is not up fails the test (make stack-test
// brings it up first), never skips it.
func openStack(t testing.TB) *stack {
	t.Helper()
	root := repoRoot(t)
	s := &stack{root: root, script: filepath.Join(root, "deploy", "stack.sh"), env: map[string]string{}}
	if err := s.readEnv(filepath.Join(root, ".stack", "env")); err != nil {
		t.Fatalf("no stack: %v (run make stack first)", err)
	}
	out, err := exec.Command(s.script, "ports").Output()
	if err != nil {
		t.Fatalf("stack ports: %v", err)
	}
	for _, f := range strings.Fields(string(out)) {
		k, v, _ := strings.Cut(f, "=")
		s.env[k] = v
	}
	s.apis = []string{"http://127.0.0.1:" + s.env["API1"], "http://127.0.0.1:" + s.env["API2"]}
	s.sim = "http://127.0.0.1:" + s.env["SIM"]
	s.varcoDB = openPG(t, "varco_stack")
	s.adminDB = openPG(t, "postgres")
	s.temporal = s.dialTemporal(t, true)
	s.token = s.login(t, "demo-operatore")
	// The demo convenzione allows 1,000 queries a day: the suite sends more.
	if _, err := s.varcoDB.Exec("UPDATE convenzioni SET daily_quota = 0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.temporal.Close(); _ = s.varcoDB.Close(); _ = s.adminDB.Close() })
	return s
}

func (s *stack) readEnv(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			s.env[k] = v
		}
	}
	return sc.Err()
}

func openPG(t testing.TB, db string) *sql.DB {
	t.Helper()
	c := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN("postgres://postgres@127.0.0.1:5432/" + db + "?sslmode=disable")))
	if err := c.Ping(); err != nil {
		t.Fatalf("database %s: %v", db, err)
	}
	return c
}

// dialTemporal connects to the stack's frontend, with a cluster admin token or with none.
func (s *stack) dialTemporal(t testing.TB, withToken bool) client.Client {
	t.Helper()
	opts := client.Options{HostPort: "127.0.0.1:" + s.env["FRONTEND"], Namespace: "comune-h501", Logger: quiet{}}
	if withToken {
		key, err := temporalauth.ParsePrivateKey(s.env["VARCO_TEMPORAL_JWT_KEY"])
		if err != nil {
			t.Fatal(err)
		}
		m, err := temporalauth.NewMinter(key, "t1", "stacktest")
		if err != nil {
			t.Fatal(err)
		}
		opts.HeadersProvider = temporalauth.NewHeadersProvider(m, "stacktest", []string{temporalauth.SystemAdmin}, 10*time.Minute)
	}
	c, err := client.Dial(opts)
	if err != nil {
		t.Fatalf("temporal: %v", err)
	}
	return c
}

type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}

func (s *stack) login(t testing.TB, user string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": s.env["VARCO_DEMO_PASSWORD"]})
	resp, err := http.Post(s.apis[0]+"/api/v1/auth/token", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("login %s: %d %v", user, resp.StatusCode, err)
	}
	return out.AccessToken
}

// ctl runs deploy/stack.sh start|stop|kill NAME.
func (s *stack) ctl(t testing.TB, verb, name string) {
	t.Helper()
	if out, err := exec.Command(s.script, verb, name).CombinedOutput(); err != nil {
		t.Fatalf("stack %s %s: %v %s", verb, name, err, out)
	}
}

// outcome is what one request got.
type outcome struct {
	key       string // the Idempotency-Key (one per logical request)
	status    int
	code      string // the problem's code, for a non-2xx
	requestID string
	elapsed   time.Duration
	err       error // no HTTP answer from any replica
	attempts  int
}

// requestDeadline is the stack's request-timeout (10 s, varco's default) plus the API's
// 3 s grace on its wait for the workflow, plus 1 s for what precedes the wait (sign-in check,
// start) and the loopback round trip: an answer later than this broke the contract.
const requestDeadline = 14 * time.Second

var httpc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: requestDeadline + 5*time.Second}

// send sends one query under key, to the replica chosen by round-robin; a replica that does
// not answer at all (killed) is left for the other one with the same Idempotency-Key, as a
// load balancer would: the same request id, never a second request.
func (s *stack) send(ctx context.Context, key string, i int) outcome {
	body, _ := json.Marshal(map[string]any{"comune": "H501", "criteri": map[string]string{"idANPR": "AF41450AS"},
		"motivo": "PROT-" + key})
	o := outcome{key: key}
	start := time.Now()
	for try := 0; try < 4; try++ {
		o.attempts++
		api := s.apis[(i+try)%len(s.apis)]
		req, _ := http.NewRequestWithContext(ctx, "POST", api+"/api/v1/anpr/C020", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.token)
		req.Header.Set("Idempotency-Key", key)
		resp, err := httpc.Do(req)
		if err != nil {
			o.err = err
			time.Sleep(200 * time.Millisecond)
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		o.err, o.status, o.requestID = nil, resp.StatusCode, resp.Header.Get("Request-Id")
		var p struct {
			Code      string `json:"code"`
			RequestID string `json:"requestId"`
		}
		_ = json.Unmarshal(raw, &p)
		o.code = p.Code
		if o.requestID == "" {
			o.requestID = p.RequestID
		}
		break
	}
	o.elapsed = time.Since(start)
	return o
}

// load sends n distinct requests from c workers; during runs alongside.
func (s *stack) load(t testing.TB, prefix string, n, c int, during func(done <-chan struct{})) []outcome {
	t.Helper()
	out := make([]outcome, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	var dwg sync.WaitGroup
	if during != nil {
		dwg.Add(1)
		go func() { defer dwg.Done(); during(done) }()
	}
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				out[i] = s.send(context.Background(), fmt.Sprintf("%s-%04d", prefix, i), i)
			}
		}()
	}
	wg.Wait()
	close(done)
	dwg.Wait()
	return out
}

// check is the contract after a fault: every request got a 2xx or a documented problem
// within its deadline; once Temporal has closed every workflow, exactly one audit record
// per request id, the closed workflows and the audit records match one to one, no 200
// without its record, and `varco audit verify` and `varco audit reconcile` pass.
func (s *stack) check(t *testing.T, since time.Time, out []outcome) {
	t.Helper()
	counts := map[string]int{}
	ids := map[string]bool{}
	for _, o := range out {
		switch {
		case o.err != nil:
			t.Errorf("%s: no answer from any replica after %d attempts: %v", o.key, o.attempts, o.err)
			continue
		case o.status/100 == 2:
		case !errcode.Known(o.code):
			t.Errorf("%s: %d with undocumented code %q", o.key, o.status, o.code)
		}
		// Retries after a replica was killed add the time spent on the dead one.
		if o.elapsed > time.Duration(o.attempts)*requestDeadline {
			t.Errorf("%s: answered after %v, deadline %v", o.key, o.elapsed, requestDeadline)
		}
		counts[fmt.Sprint(o.status)+" "+o.code]++
		if o.requestID == "" {
			// Refused before it became a request (the database that authenticates the
			// caller is unreachable): no workflow, no ANPR call, nothing to audit — the
			// closed-workflow reconciliation below would show a workflow started for it.
			if o.status != 503 || o.code != errcode.Unavailable.String() {
				t.Errorf("%s: %d %q without a request id", o.key, o.status, o.code)
			}
			continue
		}
		if ids[o.requestID] {
			t.Errorf("%s: request id %s given to two keys", o.key, o.requestID)
		}
		ids[o.requestID] = true
	}
	t.Logf("answers: %v", counts)
	s.waitClosed(t, since)
	audit := s.auditCounts(t, since)
	for _, o := range out {
		if o.requestID == "" {
			continue
		}
		if n := audit[o.requestID]; n != 1 {
			t.Errorf("%s: %d audit records for request %s (status %d), want exactly 1", o.key, n, o.requestID, o.status)
		}
	}
	closed := s.closedWorkflows(t, since)
	for id := range audit {
		if !closed[id] {
			t.Errorf("audit record %s has no workflow Temporal closed", id)
		}
	}
	for id := range closed {
		if audit[id] != 1 {
			t.Errorf("workflow %s closed with %d audit records", id, audit[id])
		}
	}
	t.Logf("%d requests, %d audit records, %d closed workflows since %s", len(out), len(audit), len(closed), since.Format(time.TimeOnly))
	s.varco(t, "audit", "verify", "-audit-public-keys", strings.TrimSpace(s.varco(t, "audit", "key")))
	s.varco(t, "audit", "reconcile", "-day", time.Now().In(rome()).Format(time.DateOnly))
}

func rome() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return l
}

// waitClosed waits until no workflow started since `since` runs on the demo Comune.
func (s *stack) waitClosed(t *testing.T, since time.Time) {
	t.Helper()
	q := fmt.Sprintf("StartTime >= '%s' AND ExecutionStatus = 'Running'", since.UTC().Format(time.RFC3339Nano))
	deadline := time.Now().Add(3 * time.Minute)
	for {
		r, err := s.temporal.CountWorkflow(context.Background(), &workflowservice.CountWorkflowExecutionsRequest{Namespace: "comune-h501", Query: q})
		if err == nil && r.GetCount() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("workflows still running 3 minutes after the load: %v %v", r.GetCount(), err)
		}
		time.Sleep(time.Second)
	}
}

func (s *stack) closedWorkflows(t *testing.T, since time.Time) map[string]bool {
	t.Helper()
	q := fmt.Sprintf("StartTime >= '%s' AND ExecutionStatus != 'Running'", since.UTC().Format(time.RFC3339Nano))
	out := map[string]bool{}
	var token []byte
	for {
		r, err := s.temporal.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "comune-h501", Query: q, PageSize: 1000, NextPageToken: token})
		if err != nil {
			t.Fatalf("list closed workflows: %v", err)
		}
		for _, e := range r.GetExecutions() {
			if st := e.GetStatus().String(); st != "Completed" {
				t.Errorf("workflow %s closed %s", e.GetExecution().GetWorkflowId(), st)
			}
			out[e.GetExecution().GetWorkflowId()] = true
		}
		if token = r.GetNextPageToken(); len(token) == 0 {
			return out
		}
	}
}

func (s *stack) auditCounts(t *testing.T, since time.Time) map[string]int {
	t.Helper()
	rows, err := s.varcoDB.Query("SELECT request_id, count(*) FROM audit_events WHERE created_at >= $1 AND comune_code = 'H501' GROUP BY request_id",
		since)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

// varco runs the stack's varco binary with the stack's settings and fails on a non-zero exit.
func (s *stack) varco(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", `. "$0" env && exec "$1"/.stack/bin/varco "${@:2}"`, s.script, s.root)
	cmd.Args = append(cmd.Args, args...)
	cmd.Env = append(os.Environ(), "VARCO_LOG_LEVEL=error")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("varco %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// simFaults sets (or with nil clears) the simulator's faults on C020, the suite's service.
func (s *stack) simFaults(t *testing.T, faults map[string]any) {
	t.Helper()
	method, body := "DELETE", []byte(nil)
	if faults != nil {
		method = "PUT"
		body, _ = json.Marshal(faults)
	}
	req, _ := http.NewRequest(method, s.sim+"/admin/faults/C020", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.env["VARCO_SIMULATOR_ADMIN_TOKEN"])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s /admin/faults: %d", method, resp.StatusCode)
	}
}

// simCalls counts the calls the simulator received today.
func (s *stack) simCalls(t *testing.T) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.sim+"/admin/calls?day="+time.Now().In(rome()).Format(time.DateOnly), nil)
	req.Header.Set("Authorization", "Bearer "+s.env["VARCO_SIMULATOR_ADMIN_TOKEN"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Calls []json.RawMessage `json:"calls"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	return len(got.Calls)
}
