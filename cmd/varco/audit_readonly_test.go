package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestAuditVerifyReadOnlySQLite: `varco audit verify` on varco dev's SQLite file, made
// read-only, succeeds and leaves the file byte for byte as it was.
func TestAuditVerifyReadOnlySQLite(t *testing.T) {
	cfg, s, _ := auditEnv(t, "AF41450AS", "UK79569LF")
	s.stop(quietLogger())
	file := filepath.Join(cfg.DataDir, "varco.db")
	before := fileSum(t, file)
	mustOK(t, os.Chmod(file, 0o444))

	var out bytes.Buffer
	stdout = &out
	defer func() { stdout = os.Stdout }()
	err := run([]string{"audit", "verify", "-data-dir", cfg.DataDir, "-log-level", "error"}, io.Discard)
	if err != nil || !strings.Contains(out.String(), "H501  ok      2 records") {
		t.Fatalf("verify on a read-only file: %v, %q", err, out.String())
	}
	if after := fileSum(t, file); after != before {
		t.Fatal("audit verify changed the database file")
	}
}

// TestAuditVerifyReadOnlyPostgres: `varco audit verify` run as a PostgreSQL role granted
// SELECT and nothing else, with the audit's public key only, verifies the chain (the role
// provably cannot write: its INSERT is refused).
func TestAuditVerifyReadOnlyPostgres(t *testing.T) {
	ctx := context.Background()
	db, dsn := storetest.PostgresDSN(t)
	mustOK(t, store.CreateComune(ctx, db, &store.Comune{Code: "H501", IstatCode: "058091", Name: "ROMA",
		Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}))
	signer, err := auditlog.NewSigner(bytes.Repeat([]byte{3}, 32), "a1")
	mustOK(t, err)
	w := &auditlog.Writer{DB: db.DB, Signer: signer, Every: 2}
	at := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		_, err := w.Insert(ctx, &store.AuditRecord{RequestID: fmt.Sprintf("rq-%d", i), ComuneCode: "H501",
			CreatedAt: at.Add(time.Duration(i) * time.Minute), Service: "C020", Outcome: "ok", HTTPStatus: 200,
			SubjectHash: "h", SubjectSealed: "v1:s"})
		mustOK(t, err)
	}
	u, err := url.Parse(dsn)
	mustOK(t, err)
	schema := u.Query().Get("search_path")
	role := "auditor_" + schema
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
	} {
		_, err := db.ExecContext(ctx, q)
		mustOK(t, err)
	}
	t.Cleanup(func() {
		_, _ = db.ExecContext(context.Background(), "DROP OWNED BY "+role)
		_, _ = db.ExecContext(context.Background(), "DROP ROLE "+role)
	})
	u.User = url.User(role)
	auditor, err := store.Open(ctx, u.String())
	mustOK(t, err)
	defer auditor.Close()
	if _, err := auditor.ExecContext(ctx, "INSERT INTO comuni (code, istat_code, name) VALUES ('F205', '015146', 'MILANO')"); err == nil {
		t.Fatal("the SELECT-only role wrote")
	}
	var out bytes.Buffer
	stdout = &out
	defer func() { stdout = os.Stdout }()
	err = run([]string{"audit", "verify", "-database-url", u.String(), "-audit-public-keys", signer.PublicKeySpec(),
		"-data-dir", t.TempDir(), "-log-level", "error"}, io.Discard)
	if err != nil || !strings.Contains(out.String(), "H501  ok      5 records, 2 checkpoints") {
		t.Fatalf("verify as a SELECT-only role: %v, %q", err, out.String())
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	mustOK(t, err)
	return sha256.Sum256(b)
}
