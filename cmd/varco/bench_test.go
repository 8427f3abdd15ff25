package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/loadgen"
	"github.com/varco-anpr/varco/workflows"
)

// BenchmarkQueryPath measures one C020 query through the whole path (HTTP API → AnprQuery
// workflow on the embedded Temporal server → certified call to the in-process simulator →
// audit in SQLite) beside the baseline of the same certified call made directly to the
// simulator, in the same run. b.N is the number of requests of each kind.
//
//	go test -run '^$' -bench BenchmarkQueryPath -benchtime 2000x ./cmd/varco/
func BenchmarkQueryPath(b *testing.B) {
	variants := []struct {
		name    string
		mode    workflows.CallMode
		noEager bool
	}{
		{"local+eager", workflows.CallLocal, false},
		{"local", workflows.CallLocal, true},
		{"regular+eager", workflows.CallRegular, false},
	}
	cfg := testConfig(b, b.TempDir())
	s, url := startEnv(b, cfg)
	defer s.stop(quietLogger())
	token := login(b, url, "demo-operatore")
	// The demo convenzione allows 1,000 queries a day: lift it for the run.
	if _, err := s.db.ExecContext(context.Background(), "UPDATE convenzioni SET daily_quota = 0"); err != nil {
		b.Fatal(err)
	}
	direct := directCaller(b, s)
	for _, v := range variants {
		s.api.NoEagerStart, s.api.CallMode = v.noEager, v.mode
		for _, c := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/c=%d", v.name, c), func(b *testing.B) {
				base := load(b, b.N, c, direct)
				gw := load(b, b.N, c, gatewayCaller(url, token))
				report(b, "direct", base)
				report(b, "varco", gw)
				b.ReportMetric(gw.cpu/base.cpu, "cpu-ratio")
				b.ReportMetric(gw.p50-base.p50, "p50-delta-ms")
				b.ReportMetric(gw.rps/base.rps, "rps-ratio")
			})
		}
	}
}

type stats struct {
	p50, p99, rps float64
	cpu           float64 // this process's CPU time (user + system) per request, ms
}

func report(b *testing.B, name string, s stats) {
	b.ReportMetric(s.p50, name+"-p50-ms")
	b.ReportMetric(s.p99, name+"-p99-ms")
	b.ReportMetric(s.rps, name+"-req/s")
	b.ReportMetric(s.cpu, name+"-cpu-ms/req")
}

// cpuTime is the CPU time this process has used: everything in `varco dev` (server, worker,
// API, simulator) plus the load generator. Per request it is what a request costs, and it is
// far less sensitive than latency to the other processes sharing the machine's cores.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// load sends n requests from c workers (loadgen) and fails the benchmark on any error; it adds
// this process's CPU time per request.
func load(b *testing.B, n, c int, do func() error) stats {
	b.Helper()
	cpu0 := cpuTime(b)
	r, err := loadgen.Run(n, c, do)
	if err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime(b) - cpu0
	return stats{p50: r.P50, p99: r.P99, rps: r.RPS, cpu: loadgen.Millis(cpu) / float64(n)}
}

var benchBody, _ = json.Marshal(query("AF41450AS"))

var benchHTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Timeout: 30 * time.Second}

func gatewayCaller(url, token string) func() error {
	return func() error {
		req, _ := http.NewRequest("POST", url+"/api/v1/anpr/C020", bytes.NewReader(benchBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := benchHTTP.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		return nil
	}
}

// directCaller is the baseline: the same certified ANPR call (voucher, ModI signatures) to the
// same simulator, with no API, workflow, authorization or audit around it.
func directCaller(b *testing.B, s *stack) func() error {
	b.Helper()
	profiles := &activities.StoreProfiles{DB: s.db, Simulator: s.simEndpoints, Keys: s.keys.box}
	p, err := profiles.Profile(context.Background(), "H501")
	if err != nil {
		b.Fatal(err)
	}
	c := anpr.NewClient(anpr.Options{Logger: quietLogger()})
	op := anpr.Operator{UserID: "demo-operatore", UserLocation: "bench", LoA: "LoA2"}
	return func() error {
		_, err := c.Call(context.Background(), p.ANPR, op, anpr.Request{
			Service: "C020", Criteria: anpr.Criteria{IDANPR: "AF41450AS"},
			Motivo: "PROT-2026-123", DataRiferimento: time.Now().Format(time.DateOnly),
		})
		return err
	}
}
