package main

import (
	"context"
	"errors"
	"io"
	"testing"
)

// TestAuditVerifyCLI: `varco audit verify` passes on an intact archive and catches one
// altered record (the test alters it behind the triggers' back, as an attacker with the
// database file would).
func TestAuditVerifyCLI(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	op := login(t, url, "demo-operatore")
	var last string
	for _, id := range []string{"AF41450AS", "UK79569LF", "OR69233LN"} {
		a := call(t, "POST", url+"/api/v1/anpr/C020", op, query(id))
		last, _ = a.body["requestId"].(string)
	}
	verify := func() error {
		return run([]string{"audit", "verify", "-data-dir", cfg.DataDir, "-log-level", "error"}, io.Discard)
	}
	if err := verify(); err != nil {
		t.Fatalf("intact archive: %v", err)
	}
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, "UPDATE audit_events SET motivo = 'altered' WHERE request_id = ?", last); err == nil {
		t.Fatal("the append-only trigger let an UPDATE through")
	}
	for _, q := range []string{
		"DROP TRIGGER audit_events_no_update",
		"UPDATE audit_events SET motivo = 'altered' WHERE request_id = '" + last + "'",
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := verify(); !errors.Is(err, errChainBroken) {
		t.Fatalf("an altered record must break the chain, verify said %v", err)
	}
}
