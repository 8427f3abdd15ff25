package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// childWorkerEnv, when set, makes the test binary a `varco worker` process with that JSON
// configuration (TestMain): a worker the crash test can kill -9.
const childWorkerEnv = "VARCO_TEST_CHILD_WORKER"

func TestMain(m *testing.M) {
	if raw := os.Getenv(childWorkerEnv); raw != "" {
		os.Exit(runChildWorker(raw))
	}
	os.Exit(m.Run())
}

func runChildWorker(raw string) int {
	var cfg config.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return 2
	}
	// SIGTERM stops it as it stops `varco worker` (main.go): gracefully.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWorker(ctx, cfg, quietLogger()); err != nil {
		return 1
	}
	return 0
}

// startChildWorker runs a worker in another process, as `varco worker` would.
func startChildWorker(t *testing.T, cfg config.Config) *exec.Cmd {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childWorkerEnv+"="+string(raw))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// TestWorkerKilledDuringTheCall is issue #17 C from outside: the worker is killed with SIGKILL
// while ANPR holds its answer. Another worker finishes the run after the deadline. The record
// says ANPR was called, names the call by the idOperazioneClient ANPR received, and does not
// claim it was never made; the client's 504 leads to that same outcome, and a repeat with the
// same Idempotency-Key answers it too, with no second call.
func TestWorkerKilledDuringTheCall(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := quietLogger()
	db, sim := splitBackends(t, cfg)
	// ANPR holds every C020 answer for 4 s: long enough to kill the worker mid-call.
	sim.SetFaults("C020", simulator.Faults{LatencyMin: 4 * time.Second, LatencyMax: 4 * time.Second})

	first := startChildWorker(t, cfg)
	go func() { _ = runAPI(ctx, cfg, log) }()
	url := "http://" + cfg.APIAddr
	waitReady(t, url)
	op := login(t, url, "demo-operatore")

	answers := make(chan answer, 1)
	go func() {
		a, err := send("POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"), "Idempotency-Key", "crash-1")
		if err != nil {
			a = answer{raw: []byte(err.Error())}
		}
		answers <- a
	}()
	called := waitCalled(t, db)
	time.Sleep(300 * time.Millisecond) // the call is at the simulator now
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	startChildWorker(t, cfg)

	a := <-answers
	if a.status != 504 || a.body["code"] != "request_timeout" {
		t.Fatalf("the client's answer at the deadline: %d %s, want 504 request_timeout", a.status, a.raw)
	}
	id, _ := a.body["requestId"].(string)
	rec := waitAudit(t, db, id)
	if rec.Outcome != workflows.OutcomeFailed || rec.IDOperazioneClient != called ||
		!regexp.MustCompile(`called .*lost`).MatchString(rec.Reason) {
		t.Fatalf("record %+v: want failed, naming the call %s as called with its answer lost", rec, called)
	}
	// The outcome the client reads, and a repeat with the same key, tell the record's story.
	r := call(t, "GET", url+"/api/v1/requests/"+id, op, nil)
	if r.status != 200 || r.body["outcome"] != workflows.OutcomeFailed {
		t.Fatalf("outcome: %d %s", r.status, r.raw)
	}
	again := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"), "Idempotency-Key", "crash-1")
	if again.status != 502 || again.body["code"] != "anpr_unavailable" || again.body["detail"] != rec.Reason {
		t.Fatalf("repeat: %d %s, want 502 with the record's reason %q", again.status, again.raw, rec.Reason)
	}
	var got []string
	for _, r := range sim.Received() {
		got = append(got, r.IDOperazioneClient)
	}
	if len(got) != 1 || got[0] != called {
		t.Fatalf("ANPR received %v, want exactly the call the record names (%s)", got, called)
	}
}

// waitCalled waits until a worker has marked a call as sent and returns its operation id.
func waitCalled(t *testing.T, db *store.DB) string {
	t.Helper()
	for range 200 {
		var ops []string
		_ = db.NewRaw("SELECT operation_id FROM request_claims WHERE called_at IS NOT NULL").Scan(context.Background(), &ops)
		if len(ops) == 1 && ops[0] != "" {
			return ops[0]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no call was marked as sent")
	return ""
}

// waitAudit waits (≤ 60 s: a dead worker's task times out after 10 s) for the request's record.
func waitAudit(t *testing.T, db *store.DB, id string) *store.AuditRecord {
	t.Helper()
	for range 600 {
		if rec, err := store.GetAudit(context.Background(), db, id); err == nil {
			return rec
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no audit record for %s", id)
	return nil
}
