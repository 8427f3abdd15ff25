package main

import (
	"context"
	"crypto/ecdsa"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/devtemporal"
	"github.com/varco-anpr/varco/internal/seed"
	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

// TestSplitAPIAndWorker runs the production layout in one test: a Temporal server, then
// `varco migrate`, `varco simulate`'s simulator, `varco worker` and `varco api` as separate
// components sharing only the database and Temporal. No eager start is possible here: the
// API has no local worker.
func TestSplitAPIAndWorker(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := quietLogger()
	splitBackends(t, cfg)

	done := make(chan error, 2)
	go func() { done <- runWorker(ctx, cfg, log) }()
	go func() { done <- runAPI(ctx, cfg, log) }()
	url := "http://" + cfg.APIAddr
	waitReady(t, url)

	op := login(t, url, "demo-operatore")
	a := call(t, "POST", url+"/api/v1/anpr/C019", op, query("UK79569LF"))
	if a.status != 200 {
		t.Fatalf("query through the split layout: %d %s", a.status, a.raw)
	}
	top := login(t, url, "demo-top")
	rec := findAudit(t, url, top, a.body["requestId"].(string))
	if rec["outcome"] != workflows.OutcomeOK {
		t.Fatalf("audit %v", rec)
	}
	cancel()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("component stopped with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("api or worker did not stop on cancel")
		}
	}
}

// splitBackends starts what `varco api` and `varco worker` share in production, each a part of
// its own: a Temporal server, the migrated database holding the demo tenant, and the
// simulator. Everything stops at the end of the test.
func splitBackends(t *testing.T, cfg config.Config) (*store.DB, *simulator.Simulator) {
	t.Helper()
	ctx, log := context.Background(), quietLogger()
	host, port, _ := net.SplitHostPort(cfg.TemporalAddr)
	p, _ := strconv.Atoi(port)
	srv, err := devtemporal.Start(devtemporal.Options{IP: host, Port: p, Namespaces: []string{cfg.Namespace}, Logger: log, Auth: devAuth(t, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	if err := runMigrate(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	db, err := openStore(ctx, cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	az, err := rbac.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, db, az, seed.DemoOptions{Password: "demo", SealKey: sealer(mustKeys(t, cfg).box)}); err != nil {
		t.Fatal(err)
	}
	sim, err := startSimulator(ctx, cfg, db, mustKeys(t, cfg).box, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.server.Close() })
	return db, sim.sim
}

// waitReady polls /readyz until the API (and its workers' namespaces) answer ready; a process
// starting its own embedded server may take a minute on a loaded machine.
func waitReady(t testing.TB, url string) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		if r, err := http.Get(url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("API never became ready")
}

// devAuth is the dev server's authorization: it trusts the configuration's temporal-jwt-key.
func devAuth(t *testing.T, cfg config.Config) *devtemporal.Auth {
	k := mustKeys(t, cfg).temporal
	return &devtemporal.Auth{Keys: map[string]*ecdsa.PublicKey{k.KeyID(): k.Public()}}
}

func mustKeys(t *testing.T, cfg config.Config) keys {
	t.Helper()
	k, err := loadKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
