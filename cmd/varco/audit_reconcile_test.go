package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/simulator"
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
