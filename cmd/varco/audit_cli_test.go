package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/seal"
	"github.com/varco-anpr/varco/workflows"
)

// auditEnv starts `varco dev`'s stack and makes one query per subject as demo-operatore,
// returning the last request id.
func auditEnv(t *testing.T, subjects ...string) (cfg config.Config, s *stack, last string) {
	t.Helper()
	cfg = testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	t.Cleanup(func() { s.stop(quietLogger()) })
	op := login(t, url, "demo-operatore")
	for _, id := range subjects {
		a := call(t, "POST", url+"/api/v1/anpr/C020", op, query(id))
		last, _ = a.body["requestId"].(string)
	}
	return cfg, s, last
}

// TestAuditVerifyCLI: `varco audit verify` passes on an intact archive and catches one
// altered record (the test alters it behind the triggers' back, as an attacker with the
// database file would).
func TestAuditVerifyCLI(t *testing.T) {
	cfg, s, last := auditEnv(t, "AF41450AS", "UK79569LF", "OR69233LN")
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

// TestAuditKeyRotationCLI: the operator prints the audit key with `varco audit key`, rotates
// to a new key, and `varco audit verify` accepts the old checkpoints only when that printed
// line is among the auditor's -audit-public-keys.
func TestAuditKeyRotationCLI(t *testing.T) {
	cfg, s, _ := auditEnv(t, "AF41450AS")

	var out bytes.Buffer
	stdout = &out
	defer func() { stdout = os.Stdout }()
	base := []string{"-data-dir", cfg.DataDir, "-log-level", "error"}
	mustOK(t, run(append([]string{"audit", "key"}, base...), io.Discard))
	spec := strings.TrimSpace(out.String())
	if !strings.HasPrefix(spec, cfg.AuditKeyID+"=") || strings.Contains(spec, "\n") {
		t.Fatalf("audit key printed %q", spec)
	}
	// A checkpoint signed by the current key, as the daily retention run makes.
	cur := cfg
	mustOK(t, fillDevSecrets(&cur))
	k, err := loadKeys(cur)
	mustOK(t, err)
	if cp, err := auditlog.CheckpointHead(context.Background(), s.db.DB, "H501", k.signer, time.Now()); err != nil || cp == nil {
		t.Fatalf("checkpoint: %v %v", cp, err)
	}

	// The auditor holds public keys only: the new key's, then the new and the old one.
	next, err := auditlog.NewSigner(bytes.Repeat([]byte{7}, 32), "a2")
	mustOK(t, err)
	verify := func(public string) error {
		out.Reset()
		return run(append([]string{"audit", "verify", "-comune", "H501", "-audit-public-keys", public}, base...), io.Discard)
	}
	if err := verify(next.PublicKeySpec()); !errors.Is(err, errChainBroken) || !strings.Contains(out.String(), "bad_checkpoint_signature") {
		t.Fatalf("old checkpoint without the retired key: %v, %q", err, out.String())
	}
	if err := verify(next.PublicKeySpec() + "," + spec); err != nil {
		t.Fatalf("old checkpoint with the retired key kept: %v, %q", err, out.String())
	}
	if err := verify("a1=junk"); err == nil || errors.Is(err, errChainBroken) {
		t.Fatalf("a malformed public key must stop the command before verifying, got %v", err)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAuditAnchorCLI: `varco audit anchor` prints the signed heads; `varco audit verify
// -anchors` finds them holding, and broken once the anchored record's hash is rewritten (what
// someone holding the database and the key could do to the checkpoints, not to the file).
func TestAuditAnchorCLI(t *testing.T) {
	cfg, s, last := auditEnv(t, "AF41450AS", "UK79569LF")

	var out bytes.Buffer
	stdout = &out
	defer func() { stdout = os.Stdout }()
	base := []string{"-data-dir", cfg.DataDir, "-log-level", "error"}
	mustOK(t, run(append([]string{"audit", "anchor"}, base...), io.Discard))
	if !strings.Contains(out.String(), `"comune":"H501"`) || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("anchor printed %q, want one line for H501", out.String())
	}
	file := filepath.Join(t.TempDir(), "anchors.jsonl")
	mustOK(t, os.WriteFile(file, out.Bytes(), 0o600))

	verify := func() error {
		out.Reset()
		return run(append([]string{"audit", "verify", "-anchors", file}, base...), io.Discard)
	}
	if err := verify(); err != nil || !strings.Contains(out.String(), "holds") {
		t.Fatalf("intact: %v, %q", err, out.String())
	}
	ctx := context.Background()
	for _, q := range []string{
		"DROP TRIGGER audit_events_no_update",
		"UPDATE audit_events SET hash = 'rewritten' WHERE request_id = '" + last + "'",
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := verify(); !errors.Is(err, errChainBroken) || !strings.Contains(out.String(), "BROKEN  anchor at seq") {
		t.Fatalf("rewritten record: %v, %q", err, out.String())
	}
}

// TestSealKeyCLI: `varco seal key` prints the line a worker without the private key needs:
// with only that line in -seal-public-keys, it accepts what the api seals, and nothing else.
func TestSealKeyCLI(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	stdout = &out
	defer func() { stdout = os.Stdout }()
	mustOK(t, run([]string{"seal", "key", "-data-dir", dir, "-log-level", "error"}, io.Discard))
	spec := strings.TrimSpace(out.String())

	api := config.Config{DataDir: dir, SealKeyID: config.Defaults().SealKeyID}
	mustOK(t, fillDevSecrets(&api))
	sealer, _, err := loadSealKeys(api)
	mustOK(t, err)
	if !strings.HasPrefix(spec, api.SealKeyID+"=") {
		t.Fatalf("seal key printed %q, want the key id %q first", spec, api.SealKeyID)
	}
	_, seals, err := loadSealKeys(config.Config{SealPublicKeys: spec})
	mustOK(t, err)
	now := time.Now()
	in := workflows.QueryInput{RequestID: "rq-1", UserID: 7, Comune: "H501", Service: "C020",
		ReceivedAt: now, Deadline: now.Add(time.Minute)}
	if err := seals.Verify(sealer.Seal(in), now); err != nil {
		t.Fatalf("a worker holding the printed key refuses the api's seal: %v", err)
	}
	other, err := seal.NewSigner(bytes.Repeat([]byte{9}, 32), api.SealKeyID+"x")
	mustOK(t, err)
	if err := seals.Verify(other.Seal(in), now); err == nil {
		t.Fatal("a seal by another key was accepted")
	}
}
