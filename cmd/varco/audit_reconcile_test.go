package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
)

// TestAuditReconcileCLI joins a day of the audit with the simulator's log of received calls:
// every call is named by its request's record — the C030 call that resolves a codice fiscale
// too — and a call no record names makes reconcile fail.
func TestAuditReconcileCLI(t *testing.T) {
	cfg, s, _ := auditEnv(t, "AF41450AS", "UK79569LF")
	reconcile := func(extra ...string) (auditlog.Reconciliation, error) {
		t.Helper()
		var out bytes.Buffer
		stdout = &out
		defer func() { stdout = os.Stdout }()
		args := append([]string{"audit", "reconcile", "-data-dir", cfg.DataDir, "-simulator-addr", cfg.SimulatorAddr, "-log-level", "error"}, extra...)
		err := run(args, io.Discard)
		var r auditlog.Reconciliation
		if jerr := json.Unmarshal(out.Bytes(), &r); jerr != nil {
			t.Fatalf("output %q: %v (command: %v)", out.String(), jerr, err)
		}
		return r, err
	}
	r, err := reconcile()
	if err != nil || r.Calls != 2 || r.Matched != 2 || len(r.Unrecorded) != 0 || len(r.Unseen) != 0 {
		t.Fatalf("two recorded lookups: %+v %v", r, err)
	}

	url := "http://" + cfg.APIAddr
	op := login(t, url, "demo-operatore")
	byCF := map[string]any{"comune": "H501", "criteri": map[string]string{"codiceFiscale": "STTSGT90A01H501J"}, "motivo": "PROT-7"}
	if a := call(t, "POST", url+"/api/v1/anpr/C020", op, byCF); a.status != 200 {
		t.Fatalf("lookup by codice fiscale: %d %s", a.status, a.raw)
	}
	r, err = reconcile()
	if err != nil || r.Calls != 4 || r.Matched != 4 || len(r.Unrecorded) != 0 {
		t.Fatalf("after a lookup by codice fiscale (C030 then C020): %+v %v, want both calls named", r, err)
	}

	// A call no record names: reconcile lists it and fails.
	stray := append(s.simulator.Received(), simulator.Receipt{At: time.Now(), Service: "C020", IDOperazioneClient: "20261202000000000999999999"})
	strayFile := writeCalls(t, stray)
	r, err = reconcile("-calls", strayFile)
	if !errors.Is(err, errUnreconciled) || len(r.Unrecorded) != 1 || r.Unrecorded[0].IDOperazioneClient != "20261202000000000999999999" {
		t.Fatalf("a stray call: %+v %v", r, err)
	}

	// From a file of calls (what production gets from the provider): a record whose call the
	// provider never logged is listed as unseen.
	r, err = reconcile("-calls", writeCalls(t, s.simulator.Received()[:1]))
	if err != nil || r.Calls != 1 || r.Matched != 1 || len(r.Unseen) != 2 {
		t.Fatalf("one call in the file, three requests recorded: %+v %v", r, err)
	}
}

func writeCalls(t *testing.T, calls []simulator.Receipt) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"calls": calls})
	file := filepath.Join(t.TempDir(), "calls.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestUnansweredCallIsNamed: a call whose answer the deadline cut (ANPR slower than the
// request's deadline) was still received by ANPR. Its request's record must name it — "called,
// outcome unknown", never "not called" — and reconcile must find every call named. This was
// the stack suite's failure: under 503s and 3 s spikes, a request whose last attempt outlived
// its deadline left a record with no idOperazioneClient.
func TestUnansweredCallIsNamed(t *testing.T) {
	cases := []struct {
		name   string
		faults simulator.Faults
	}{
		{"every answer slower than the deadline", simulator.Faults{SpikeRate: 1, Spike: 4 * time.Second}},
		{"503 until a slow answer outlives the deadline", simulator.Faults{GatewayErrorRate: 0.7, SpikeRate: 0.5, Spike: 3 * time.Second}},
	}
	cfg := testConfig(t, t.TempDir())
	cfg.RequestTimeout = 2 * time.Second
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	op := login(t, url, "demo-operatore")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.simulator.SetFaults("C020", tc.faults)
			defer s.simulator.SetFaults("C020", simulator.Faults{})
			before := len(s.simulator.Received())
			a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
			rid, _ := a.body["requestId"].(string)
			if a.status == 200 || rid == "" {
				t.Fatalf("answer %d %s: want a failure with a request id", a.status, a.raw)
			}
			rec, err := store.GetAudit(context.Background(), s.db, rid)
			if err != nil {
				t.Fatal(err)
			}
			got := s.simulator.Received()[before:]
			if len(got) == 0 {
				t.Fatal("ANPR received no call: the faults did not apply")
			}
			if rec.IDOperazioneClient == "" || auditlog.OperationKey(rec.IDOperazioneClient) != auditlog.OperationKey(got[len(got)-1].IDOperazioneClient) {
				t.Errorf("record names call %q; ANPR received %v", rec.IDOperazioneClient, got)
			}
		})
	}
	// The calls as `varco audit reconcile` reads them: the simulator's log over HTTP.
	calls, err := receivedCalls(context.Background(), cfg, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, err := auditlog.Reconcile(context.Background(), s.db, time.Now(), calls)
	if err != nil || len(r.Unrecorded) != 0 {
		t.Errorf("reconcile: %+v %v", r, err)
	}
}
