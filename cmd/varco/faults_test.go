package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
)

type outcome struct {
	service, id, code string
	status            int
	took              time.Duration
}

// TestFaultRun drives the whole stack while the simulator misbehaves: 20 % 503 GatewayError
// and latency spikes on C020, spikes on C021, and C019's daily quota exhausted after 3 calls.
// Every request must end answered or clearly failed within its deadline, with exactly one
// audit record, and a 4xx from ANPR is never retried.
func TestFaultRun(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.RequestTimeout = 3 * time.Second
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	ctx := context.Background()
	comune, err := store.GetComune(ctx, s.db, "H501")
	if err != nil {
		t.Fatal(err)
	}
	s.simulator.SetFaults("C020", simulator.Faults{GatewayErrorRate: 0.2, LatencyMax: 10 * time.Millisecond, SpikeRate: 0.1, Spike: 300 * time.Millisecond})
	s.simulator.SetFaults("C021", simulator.Faults{SpikeRate: 0.2, Spike: 200 * time.Millisecond})
	s.simulator.SetPurposeQuota(comune.PurposeIDs["C019"], 3)
	op := login(t, url, "demo-operatore")

	var mu sync.Mutex
	var results []outcome
	send := func(service, id string) {
		start := time.Now()
		a := call(t, "POST", url+"/api/v1/anpr/"+service, op, query(id))
		rid, _ := a.body["requestId"].(string)
		code, _ := a.body["code"].(string)
		if (a.status == 429 || a.status == 503) && a.header.Get("Retry-After") == "" {
			code += " without Retry-After"
		}
		mu.Lock()
		results = append(results, outcome{service, rid, code, a.status, time.Since(start)})
		mu.Unlock()
	}
	var wg sync.WaitGroup
	jobs := make(chan [2]string)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				send(j[0], j[1])
			}
		}()
	}
	go func() {
		for i := range 40 {
			jobs <- [2]string{"C020", "AF41450AS"}
			if i%7 == 0 {
				jobs <- [2]string{"C021", "OR69233LN"}
			}
		}
		close(jobs)
	}()
	for range 6 { // the quota is per day: one at a time, in order
		send("C019", "UK79569LF")
	}
	wg.Wait()

	counts := map[string]map[int]int{}
	deadline := cfg.RequestTimeout + 3*time.Second + 2*time.Second
	for _, r := range results {
		if counts[r.service] == nil {
			counts[r.service] = map[int]int{}
		}
		counts[r.service][r.status]++
		if r.took > deadline {
			t.Errorf("%s %s took %v, beyond its deadline", r.service, r.id, r.took)
		}
		if r.id == "" {
			t.Errorf("%s answered %d without a request id", r.service, r.status)
			continue
		}
		rec, err := store.GetAudit(ctx, s.db, r.id)
		if err != nil || rec.HTTPStatus != r.status {
			t.Errorf("%s: audit %+v (%v) does not match the answer %d", r.id, rec, err, r.status)
		}
		allowed := map[string]map[int]string{
			"C020": {200: "", 502: "anpr_unavailable"},
			"C021": {404: "subject_not_found"},
			"C019": {200: "", 429: "anpr_quota_exhausted"},
		}[r.service]
		if code, ok := allowed[r.status]; !ok || code != r.code {
			t.Errorf("%s answered %d %q", r.service, r.status, r.code)
		}
	}
	t.Logf("outcomes by service and status: %v", counts)
	if counts["C020"][200] < 30 {
		t.Errorf("with 20%% transient 503 and retries, most C020 requests should succeed: %v", counts["C020"])
	}
	if counts["C019"][200] != 3 || counts["C019"][429] != 3 {
		t.Errorf("C019 with a quota of 3: %v, want 3 answered and 3 refused", counts["C019"])
	}
	q := s.simulator.QuotaStatus().Purposes
	if used := q[comune.PurposeIDs["C019"]].Used; used != 3 {
		t.Errorf("ANPR saw %d C019 calls: after the first 429 Varco must stop calling until midnight", used)
	}
	// The pause is in the database, so every worker sharing it stops too.
	until, err := store.AnprPauses{DB: s.db.DB}.PausedUntil(context.Background(), comune.PDNDClientID+"/"+comune.PurposeIDs["C019"])
	if err != nil || !until.After(time.Now()) {
		t.Errorf("C019's pause in the database: until %v, err %v", until, err)
	}
	if used := q[comune.PurposeIDs["C021"]].Used; used != counts["C021"][404] {
		t.Errorf("ANPR saw %d C021 calls for %d requests: a 404 must never be retried", used, counts["C021"][404])
	}
}
