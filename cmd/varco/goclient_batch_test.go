package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	varco "github.com/varco-anpr/varco/clients/go/varco"
	"github.com/varco-anpr/varco/internal/simulator"
)

// TestGoClientBatch submits a JSON batch with the Go client against `varco dev`: a bad row
// is refused with its position, the fixed batch runs, and its results stream back in order.
// Every exchange is checked against openapi.json.
func TestGoClientBatch(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	checked := &http.Client{Transport: contract.Transport(http.DefaultTransport), Timeout: time.Minute}
	c := varco.New(url, varco.WithHTTPClient(checked))
	if err := c.SignIn(ctx, "demo-operatore", "demo"); err != nil {
		t.Fatal(err)
	}
	req := varco.BatchRequest{Service: "C020", Comune: "H501", Motivo: "ELEZIONI-2027", Soggetti: []varco.BatchEntry{
		{IDANPR: "AF41450AS", Riferimento: "a"},
		{CodiceFiscale: "STTSGT90A01H501K", Riferimento: "b"}, // wrong check character
		{IDANPR: "OR69233LN", Riferimento: "c"},
	}}
	_, err := c.SubmitBatch(ctx, req)
	if p := asProblem(err); p == nil || p.Code != "invalid_batch" || len(p.Lines) != 1 || p.Lines[0] != 2 {
		t.Fatalf("bad row: %v, want invalid_batch at position 2", err)
	}
	req.Soggetti[1].CodiceFiscale = "STTSGT90A01H501J"
	acc, err := c.SubmitBatch(ctx, req, varco.IdempotencyKey("elezioni-1"))
	if err != nil || acc.Total != 3 {
		t.Fatalf("submit: %+v %v", acc, err)
	}
	var st *varco.BatchStatus
	for range 600 {
		if st, err = c.Batch(ctx, acc.BatchID); err != nil {
			t.Fatal(err)
		}
		if st.Status != "running" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st.Status != "completed" || st.OK != 2 || st.NotFound != 1 || st.Done != 3 {
		t.Fatalf("batch: %+v", st)
	}
	var refs []string
	err = c.BatchResults(ctx, acc.BatchID, func(r varco.BatchResult) error {
		refs = append(refs, r.Reference+":"+r.Outcome)
		if r.Outcome == "ok" && (len(r.Soggetti) != 1 || r.Soggetti[0].Generalita == nil) {
			t.Errorf("result %s without its typed soggetto", r.Reference)
		}
		return nil
	})
	if err != nil || len(refs) != 3 || refs[0] != "a:ok" || refs[1] != "b:ok" || refs[2] != "c:not_found" {
		t.Fatalf("results %v %v", refs, err)
	}
	replayAndKeep(t, cfg, nsClient(t, s, "H501"), acc.BatchID, "anprbatch_completed")
	// Cancelling a finished batch changes nothing; its results stay.
	if err := c.CancelBatch(ctx, acc.BatchID); err != nil {
		t.Fatal(err)
	}
	if st, _ = c.Batch(ctx, acc.BatchID); st.Status != "completed" {
		t.Fatalf("after cancel: %+v", st)
	}

	// A running batch cancelled: it stops, and keeps the results (and records) done so far.
	s.simulator.SetFaults("C020", simulator.Faults{LatencyMin: 100 * time.Millisecond, LatencyMax: 100 * time.Millisecond})
	long := varco.BatchRequest{Service: "C020", Comune: "H501", Motivo: "ELEZIONI-2027"}
	for range 400 {
		long.Soggetti = append(long.Soggetti, varco.BatchEntry{IDANPR: "AF41450AS"})
	}
	acc, err = c.SubmitBatch(ctx, long)
	if err != nil {
		t.Fatal(err)
	}
	for st, _ = c.Batch(ctx, acc.BatchID); st.Done < 16; st, _ = c.Batch(ctx, acc.BatchID) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.CancelBatch(ctx, acc.BatchID); err != nil {
		t.Fatal(err)
	}
	for st, _ = c.Batch(ctx, acc.BatchID); st.Status == "running"; st, _ = c.Batch(ctx, acc.BatchID) {
		time.Sleep(50 * time.Millisecond)
	}
	if st.Status != "cancelled" || st.Done < 16 || st.Done >= 400 {
		t.Fatalf("cancelled batch: %+v", st)
	}
	n := 0
	if err := c.BatchResults(ctx, acc.BatchID, func(varco.BatchResult) error { n++; return nil }); err != nil || n != st.Done {
		t.Fatalf("%d results of a cancelled batch that did %d (%v)", n, st.Done, err)
	}
	time.Sleep(time.Second) // any subject still finishing would show now
	if after, _ := c.Batch(ctx, acc.BatchID); after.Done != st.Done {
		t.Fatalf("a cancelled batch went on: %d then %d", st.Done, after.Done)
	}
	var audited int
	if err := s.db.NewRaw("SELECT COUNT(*) FROM audit_events WHERE batch_id = ?", acc.BatchID).Scan(ctx, &audited); err != nil || audited != st.Done {
		t.Fatalf("%d audit records for %d answered subjects (%v)", audited, st.Done, err)
	}
	replayAndKeep(t, cfg, nsClient(t, s, "H501"), acc.BatchID, "anprbatch_cancelled")
}

func asProblem(err error) *varco.Problem {
	p, _ := err.(*varco.Problem)
	return p
}
