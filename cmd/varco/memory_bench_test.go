package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// BenchmarkDevMemory measures `varco dev`'s memory over many queries: the whole dev system
// (embedded Temporal server, Web UI off, worker, API, simulator) runs in this process, b.N
// C020 queries go through it at concurrency 8, and the process's resident set is reported
// when ready, after the queries, and after a GC. VmHWM is the peak. No assertion: the figures
// go to docs/performance.md. `varco dev`'s soft memory limit applies (startDev); run with
// GOMEMLIMIT=off to see the process without it.
//
//	go test -run '^$' -bench BenchmarkDevMemory -benchtime 10000x -timeout 30m ./cmd/varco/
func BenchmarkDevMemory(b *testing.B) {
	cfg := testConfig(b, b.TempDir())
	s, url := startEnv(b, cfg)
	defer s.stop(quietLogger())
	// The API allows a credential 3,000 requests a minute (api.DefaultRateLimit): four
	// sign-ins give four credentials, so the run is not slowed to 50 requests a second.
	var calls []func() error
	for range 4 {
		calls = append(calls, gatewayCaller(url, login(b, url, "demo-operatore")))
	}
	var turn atomic.Int64
	call := func() error { return calls[turn.Add(1)%int64(len(calls))]() }
	if _, err := s.db.ExecContext(context.Background(), "UPDATE convenzioni SET daily_quota = 0"); err != nil {
		b.Fatal(err)
	}
	ready := procStatus(b)
	b.ResetTimer()
	st := load(b, b.N, 8, call)
	b.StopTimer()
	after := procStatus(b)
	// What is still reachable once the garbage is gone and returned to the OS: the caches
	// that grew. (After runtime.GC alone the figure depends on when the scavenger ran.)
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc := procStatus(b)
	b.ReportMetric(ready["VmRSS"], "ready-rss-MB")
	b.ReportMetric(after["VmRSS"], "after-rss-MB")
	b.ReportMetric(gc["VmRSS"], "after-gc-rss-MB")
	b.ReportMetric(after["VmHWM"], "peak-rss-MB")
	// Anonymous memory is the process's own; file-backed is the binary's code and data pages
	// (the test binary is ~240 MB), shared and reclaimable by the kernel.
	b.ReportMetric(gc["RssAnon"], "after-gc-anon-MB")
	b.ReportMetric(gc["RssFile"], "after-gc-file-MB")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "live-heap-MB")
	// What the Go runtime holds from the OS (heap, stacks, its own structures); the rest of
	// the anonymous RSS is outside Go: SQLite's page caches and buffers (modernc.org/libc).
	b.ReportMetric(float64(ms.Sys-ms.HeapReleased)/(1<<20), "go-held-MB")
	b.ReportMetric(float64(ms.StackInuse)/(1<<20), "stacks-MB")
	b.ReportMetric(st.rps, "req/s")
	b.ReportMetric(0, "ns/op")
}

// procStatus reads the kB fields of /proc/self/status, in MiB.
func procStatus(b *testing.B) map[string]float64 { return statusOf(b, "self") }
