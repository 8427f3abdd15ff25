package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/simulator"
)

// TestSimulateCommand runs `varco simulate` with an integrator's client file, an admin token
// and a faults file, and checks what an integrator sees.
func TestSimulateCommand(t *testing.T) {
	dir := t.TempDir()
	c, _, err := simulator.NewDemoClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := c.JSON()
	clientFile := filepath.Join(dir, "client.json")
	faultsFile := filepath.Join(dir, "faults.json")
	if err := os.WriteFile(clientFile, j, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(faultsFile, []byte(`{"C020":{"gatewayErrorRate":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runSim := simulateFlags(fs)
	cfg, err := config.Load(fs, []string{"-data-dir", dir, "-simulator-addr", addr, "-simulator-population", "50",
		"-register-client", clientFile, "-admin-token", "s3cret", "-faults", faultsFile}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runSim(ctx, cfg, quietLogger()) }()
	base := "http://" + addr
	var disc *http.Response
	for range 100 {
		if disc, err = http.Get(base + "/.well-known/varco-simulator.json"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(disc.Body)
	disc.Body.Close()
	if disc.StatusCode != 200 || !strings.Contains(string(body), base+"/token.oauth2") {
		t.Fatalf("discovery: %d %s", disc.StatusCode, body)
	}
	if r, err := http.Get(base + "/keys/" + c.Kid); err != nil || r.StatusCode != 200 {
		t.Fatalf("the client file's key is not registered: %v %v", r, err)
	}
	r, _ := http.Get(base + "/admin/faults")
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("admin without token: %d", r.StatusCode)
	}
	req, _ := http.NewRequest("GET", base+"/admin/faults", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	r, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	faults, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(faults), "C020") {
		t.Fatalf("faults from the file not in force: %d %s", r.StatusCode, faults)
	}
	if _, err := os.Stat(filepath.Join(dir, "simulator-demo-client", "client.json")); err != nil {
		t.Fatalf("no demo client printed: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("simulate did not stop")
	}
}
