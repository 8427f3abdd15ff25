package main

import (
	"context"
	"testing"
	"time"
)

// BenchmarkBatch compares, in one run on the dev stack (embedded Temporal, simulator, SQLite),
// a 2,000-subject batch (one AnprBatch workflow, one BatchSubject activity per subject,
// batch-concurrency 8) with the same 2,000 lookups as synchronous queries from 8 clients
// (one AnprQuery workflow each). Metrics are subjects per second and their ratio.
//
//	go test -run '^$' -bench BenchmarkBatch -benchtime 1x ./cmd/varco/
func BenchmarkBatch(b *testing.B) {
	const n, c = 2000, 8
	cfg := testConfig(b, b.TempDir())
	s, url := startEnv(b, cfg)
	defer s.stop(quietLogger())
	token := login(b, url, "demo-operatore")
	// The demo convenzione allows 1,000 queries a day: lift every limit for the run.
	for _, q := range []string{"UPDATE convenzioni SET daily_quota = 0", "UPDATE grants SET daily_quota = 0"} {
		if _, err := s.db.ExecContext(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
	subjects := make([]map[string]string, n)
	for i := range subjects {
		subjects[i] = map[string]string{"idANPR": collaudoAlive[i%len(collaudoAlive)][0]}
	}
	body := map[string]any{"service": "C020", "comune": "H501", "motivo": "BENCH", "soggetti": subjects}
	var syncRate, batchRate float64
	for range b.N {
		sync := load(b, n, c, gatewayCaller(url, token))
		syncRate += sync.rps
		start := time.Now()
		a := call(b, "POST", url+"/api/v1/batches", token, body)
		id, _ := a.body["batchId"].(string)
		if a.status != 202 {
			b.Fatalf("batch: %d %s", a.status, a.raw)
		}
		for {
			st := call(b, "GET", url+"/api/v1/batches/"+id, token, nil)
			if st.body["status"] == "completed" {
				if st.body["ok"] != float64(n) {
					b.Fatalf("batch finished with %s", st.raw)
				}
				break
			}
			if st.status != 200 || st.body["status"] != "running" {
				b.Fatalf("batch: %d %s", st.status, st.raw)
			}
			time.Sleep(50 * time.Millisecond)
		}
		batchRate += float64(n) / time.Since(start).Seconds()
	}
	b.ReportMetric(syncRate/float64(b.N), "sync-subjects/s")
	b.ReportMetric(batchRate/float64(b.N), "batch-subjects/s")
	b.ReportMetric(batchRate/syncRate, "batch/sync")
}
