//go:build stack

package stacktest

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/loadgen"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/store"
)

// BenchmarkStack is the whole-path benchmark on the stack (HTTP → one of two api replicas →
// AnprQuery on Temporal's PostgreSQL cluster → one of two workers → certified call to the
// simulator → audit in PostgreSQL) beside the same certified call made directly to the same
// simulator, in the same run; then the whole path with one worker replica stopped. Each
// figure is over STACK_BENCH_N requests (default 500); run with -benchtime 1x.
//
//	make stack-bench
func BenchmarkStack(b *testing.B) {
	s := openStack(b)
	n := 500
	if v, err := strconv.Atoi(os.Getenv("STACK_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	direct := s.directCaller(b)
	var seq atomic.Int64
	prefix := "bench-" + time.Now().Format("150405")
	path := func() error {
		i := int(seq.Add(1))
		o := s.send(context.Background(), fmt.Sprintf("%s-%06d", prefix, i), i)
		if o.err != nil || o.status != 200 {
			return fmt.Errorf("%s: %d %s %v", o.key, o.status, o.code, o.err)
		}
		return nil
	}
	for _, c := range []int{1, 32} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			base := measure(b, n, c, direct)
			gw := measure(b, n, c, path)
			report(b, "direct", base)
			report(b, "stack", gw)
			b.ReportMetric(gw.rps/base.rps, "rps-ratio")
		})
	}
	b.Run("c=32/one-worker", func(b *testing.B) {
		s.ctl(b, "stop", "worker2")
		defer func() {
			s.ctl(b, "start", "worker2")
		}()
		time.Sleep(2 * time.Second) // the stopped worker's pollers leave the task queue
		report(b, "stack", measure(b, n, 32, path))
	})
}

type stats struct{ p50, p99, rps float64 }

func report(b *testing.B, name string, s stats) {
	b.ReportMetric(s.p50, name+"-p50-ms")
	b.ReportMetric(s.p99, name+"-p99-ms")
	b.ReportMetric(s.rps, name+"-req/s")
}

// measure sends n requests from c workers (loadgen) and fails the benchmark on any error.
func measure(b *testing.B, n, c int, do func() error) stats {
	b.Helper()
	r, err := loadgen.Run(n, c, do)
	if err != nil {
		b.Fatal(err)
	}
	return stats{p50: r.P50, p99: r.P99, rps: r.RPS}
}

// directCaller is the baseline: the same certified ANPR call (voucher, ModI signatures) to
// the stack's simulator with the demo Comune's PDND profile, and nothing around it.
func (s *stack) directCaller(b *testing.B) func() error {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "postgres://postgres@127.0.0.1:5432/varco_stack?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	key, err := base64.StdEncoding.DecodeString(s.env["VARCO_SECRETS_KEY"])
	if err != nil || len(key) < 32 {
		b.Fatalf("secrets key: %v", err)
	}
	box, err := secretbox.New(key[:32])
	if err != nil {
		b.Fatal(err)
	}
	profiles := &activities.StoreProfiles{DB: db, Simulator: catalogue.EndpointsAt(s.sim), Keys: box}
	p, err := profiles.Profile(ctx, "H501")
	if err != nil {
		b.Fatal(err)
	}
	c := anpr.NewClient(anpr.Options{})
	op := anpr.Operator{UserID: "demo-operatore", UserLocation: "bench", LoA: "LoA2"}
	return func() error {
		_, err := c.Call(ctx, p.ANPR, op, anpr.Request{
			Service: "C020", Criteria: anpr.Criteria{IDANPR: "AF41450AS"},
			Motivo: "PROT-2026-123", DataRiferimento: time.Now().Format(time.DateOnly),
		})
		return err
	}
}
