package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/store"
)

// BenchmarkDevBinaryMemory measures what an operator sees: the real `varco dev` binary (built
// here, as `make build` does) in its own process, with its defaults (the Web UI on, the
// simulator's default population), b.N C020 queries at concurrency 8 from this process, and
// the child's /proc/<pid>/status: VmRSS when ready and after the queries, VmHWM (peak), and the
// anonymous and file-backed parts. Unlike BenchmarkDevMemory, neither the load generator nor
// the test binary's pages are counted. No assertion: the figures go to docs/performance.md.
//
//	go test -run '^$' -bench BenchmarkDevBinaryMemory -benchtime 10000x -timeout 30m ./cmd/varco/
func BenchmarkDevBinaryMemory(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "varco")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	api, tmp, sim, ui := freeAddr(b), freeAddr(b), freeAddr(b), freeAddr(b)
	_, uiPort, _ := strings.Cut(ui, ":")
	cmd := exec.Command(bin, "dev", "-data-dir", data, "-api-addr", api, "-temporal-addr", tmp,
		"-simulator-addr", sim, "-temporal-ui-port", uiPort, "-log-level", "error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	url := "http://" + api
	waitReady(b, url)
	liftDemoQuota(b, data)
	var calls []func() error
	for range 4 { // four credentials: the API's per-credential rate limit (3,000 a minute)
		calls = append(calls, gatewayCaller(url, login(b, url, "demo-operatore")))
	}
	var turn atomic.Int64
	call := func() error { return calls[turn.Add(1)%int64(len(calls))]() }
	ready := statusOf(b, strconv.Itoa(cmd.Process.Pid))
	b.ResetTimer()
	st := load(b, b.N, 8, call)
	b.StopTimer()
	after := statusOf(b, strconv.Itoa(cmd.Process.Pid))
	b.ReportMetric(ready["VmRSS"], "ready-rss-MB")
	b.ReportMetric(after["VmRSS"], "after-rss-MB")
	b.ReportMetric(after["VmHWM"], "peak-rss-MB")
	b.ReportMetric(after["RssAnon"], "after-anon-MB")
	b.ReportMetric(after["RssFile"], "after-file-MB")
	b.ReportMetric(st.rps, "req/s")
	b.ReportMetric(0, "ns/op")
}

// liftDemoQuota lifts the demo convenzione's daily quota (1,000) in the child's database, so
// every query takes the whole path, as BenchmarkDevMemory does.
func liftDemoQuota(b *testing.B, data string) {
	b.Helper()
	cfg := config.Config{DataDir: data}
	db, err := store.Open(context.Background(), cfg.Database())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "UPDATE convenzioni SET daily_quota = 0"); err != nil {
		b.Fatal(err)
	}
}

// statusOf reads the kB fields of /proc/<pid>/status ("self" for this process), in MiB.
func statusOf(b *testing.B, pid string) map[string]float64 {
	b.Helper()
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(v)
		if !ok || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseFloat(fields[0], 64); err == nil {
			out[k] = n / 1024
		}
	}
	if out["VmRSS"] == 0 {
		b.Fatalf("no VmRSS in /proc/%s/status", pid)
	}
	return out
}
