package main

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// TestGracefulShutdown: a `varco api` told to stop (SIGTERM cancels the command's context, as
// here) first reports not ready ("draining") while it still serves, then stops accepting and
// lets every request in flight finish: each gets its 200 and its audit record, and the
// process exits cleanly. The worker, another process, goes on serving.
func TestGracefulShutdown(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	cfg.DrainDelay = 2 * time.Second
	db, sim := splitBackends(t, cfg)
	// Slow ANPR answers keep the queries in flight while the API is told to stop.
	sim.SetFaults("C020", simulator.Faults{LatencyMin: 1500 * time.Millisecond, LatencyMax: 1500 * time.Millisecond})
	apiCfg, workerCfg := cfg, cfg
	apiCfg.MetricsAddr, workerCfg.MetricsAddr = freeAddr(t), freeAddr(t)

	workerCtx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	apiCtx, stopAPI := context.WithCancel(context.Background())
	defer stopAPI()
	log := quietLogger()
	workerDone, apiDone := make(chan error, 1), make(chan error, 1)
	go func() { workerDone <- runWorker(workerCtx, workerCfg, log) }()
	go func() { apiDone <- runAPI(apiCtx, apiCfg, log) }()
	url := "http://" + cfg.APIAddr
	waitReady(t, url)
	op := login(t, url, "demo-operatore")

	const inFlight = 6
	answers := make(chan answer, inFlight)
	for range inFlight {
		go func() {
			a, err := send("POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
			if err != nil {
				a.status, a.raw = -1, []byte(err.Error())
			}
			answers <- a
		}()
	}
	waitInFlight(t, "http://"+apiCfg.MetricsAddr+"/metrics", inFlight)

	stopAPI() // what SIGTERM does to `varco api`
	assertDraining(t, url)

	for range inFlight {
		a := <-answers
		if a.status != 200 {
			t.Errorf("a request in flight at shutdown got %d %s", a.status, a.raw)
			continue
		}
		id, _ := a.body["requestId"].(string)
		if _, err := store.GetAudit(context.Background(), db, id); err != nil {
			t.Errorf("request %s: no audit record: %v", id, err)
		}
	}
	select {
	case err := <-apiDone:
		if err != nil {
			t.Errorf("varco api stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("varco api did not stop")
	}
	if r, err := http.Get(url + "/healthz"); err == nil {
		r.Body.Close()
		t.Error("the stopped API still accepts connections")
	}
	stopWorker()
	select {
	case err := <-workerDone:
		if err != nil {
			t.Errorf("varco worker stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("varco worker did not stop")
	}
}

var inFlightGauge = regexp.MustCompile(`(?m)^varco_http_requests_in_flight (\d+)`)

// waitInFlight waits until the API's /metrics shows n requests being served.
func waitInFlight(t *testing.T, metricsURL string, n int) {
	t.Helper()
	for range 400 {
		if m := inFlightGauge.FindStringSubmatch(scrape(t, metricsURL)); m != nil {
			if got, _ := strconv.Atoi(m[1]); got >= n {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the API never had %d requests in flight", n)
}

// assertDraining: once told to stop, the API answers readiness with 503 "draining" while its
// port is still open.
func assertDraining(t *testing.T, url string) {
	t.Helper()
	for range 200 {
		a, err := send("GET", url+"/readyz", "", nil)
		if err != nil {
			t.Fatalf("the API closed its port before reporting not ready: %v", err)
		}
		if checks, _ := a.body["checks"].(map[string]any); a.status == 503 && checks["api"] == "draining" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("readiness never reported draining")
}

// TestWorkerDrainsOnSIGTERM: a `varco worker` process sent SIGTERM while its ANPR call is at
// ANPR finishes that call (workers.StopTimeout) instead of abandoning it, and a second worker
// (the rolling restart's new replica) finishes the workflow: the client gets its 200, the audit
// says ok, and ANPR saw the service call once. (Killed with -9 instead, the same request ends
// in 504 with a failed record: TestWorkerKilledDuringTheCall.)
func TestWorkerDrainsOnSIGTERM(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	// A deadline well past the stop and the second worker's start, even on a loaded machine.
	cfg.RequestTimeout = 20 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, sim := splitBackends(t, cfg)
	sim.SetFaults("C020", simulator.Faults{LatencyMin: 2 * time.Second, LatencyMax: 2 * time.Second})

	first := startChildWorker(t, cfg)
	go func() { _ = runAPI(ctx, cfg, quietLogger()) }()
	url := "http://" + cfg.APIAddr
	waitReady(t, url)
	op := login(t, url, "demo-operatore")
	answers := make(chan answer, 1)
	go func() {
		a, err := send("POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
		if err != nil {
			a = answer{raw: []byte(err.Error())}
		}
		answers <- a
	}()
	called := waitCalled(t, db)
	time.Sleep(300 * time.Millisecond) // the call is at the simulator now
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	startChildWorker(t, cfg)

	a := <-answers
	if a.status != 200 {
		t.Fatalf("the query in flight when its worker was stopped: %d %s", a.status, a.raw)
	}
	if err := first.Wait(); err != nil {
		t.Errorf("the stopped worker exited with %v", err)
	}
	rec := waitAudit(t, db, a.body["requestId"].(string))
	if rec.Outcome != workflows.OutcomeOK || rec.IDOperazioneClient != called {
		t.Fatalf("record %+v: want ok for the call %s", rec, called)
	}
	n := 0
	for _, r := range sim.Received() {
		if r.Service == "C020" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("ANPR received %d C020 calls, want 1", n)
	}
}
