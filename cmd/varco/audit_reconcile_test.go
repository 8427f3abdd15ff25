package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/varco-anpr/varco/internal/auditlog"
)

// TestAuditReconcileCLI joins a day of the audit with the simulator's log of received calls:
// lookups by idANPR are each named by their record; a lookup by codice fiscale also made a
// C030 call that no record names (issue #11's hidden call), and reconcile says so and fails.
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
	if !errors.Is(err, errUnreconciled) || r.Calls != 4 || r.Matched != 3 || len(r.Unrecorded) != 1 || r.Unrecorded[0].Service != "C030" {
		t.Fatalf("after a lookup by codice fiscale: %+v %v, want the C030 call unrecorded", r, err)
	}

	// From a file of calls (what production gets from the provider): a record whose call the
	// provider never logged is listed as unseen.
	calls := s.simulator.Received()[:1]
	b, _ := json.Marshal(map[string]any{"calls": calls})
	file := filepath.Join(t.TempDir(), "calls.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err = reconcile("-calls", file)
	if err != nil || r.Calls != 1 || r.Matched != 1 || len(r.Unseen) != 2 {
		t.Fatalf("one call of three in the file: %+v %v", r, err)
	}
}
