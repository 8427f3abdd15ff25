package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

func TestInstallationOperatorCLI(t *testing.T) {
	dir := t.TempDir()
	common := []string{"-data-dir", dir, "-log-level", "error"}
	mustRun := func(args ...string) {
		t.Helper()
		if err := run(append(args, common...), io.Discard); err != nil {
			t.Fatalf("varco %s: %v", strings.Join(args, " "), err)
		}
	}
	mustRun("comune", "add", "-code", "F205", "-istat", "015146", "-name", "MILANO")
	mustRun("user", "add", "-username", "top-milano", "-role", "TOP", "-comune", "F205")

	keyFile := filepath.Join(dir, "pdnd.pem")
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun("comune", "set-anpr", "-code", "F205", "-environment", "collaudo",
		"-client-id", "0b7e3c1a-8f4d-4e2a-9c1b-2d3e4f5a6b7c", "-kid", "kid-1", "-private-key", keyFile,
		"-purpose", "C020=11111111-2222-3333-4444-555555555555", "-operator-mode", "comune-operator", "-operator-id", "OPERATORE01")

	cfg := config.Defaults()
	cfg.DataDir = dir
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	k, err := loadKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := openStore(ctx, cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := store.GetComune(ctx, db, "F205")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.PrivateKeyPEM, "PRIVATE KEY") || !strings.HasPrefix(c.PrivateKeyPEM, "v1:") {
		t.Fatal("the private key must be stored sealed")
	}
	got, err := activities.ComuneKey(k.box, c)
	if err != nil || !got.Equal(key) {
		t.Fatalf("sealed key does not open to the configured key: %v", err)
	}
	if c.Environment != "collaudo" || c.PurposeIDs["C020"] != "11111111-2222-3333-4444-555555555555" || c.OperatorID != "OPERATORE01" {
		t.Fatalf("comune %+v", c)
	}
	u, err := store.GetUserByUsername(ctx, db, "top-milano")
	if err != nil {
		t.Fatal(err)
	}
	az, err := rbac.New(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if roles := az.Roles(u.ID, "F205"); len(roles) != 1 || roles[0] != store.RoleTop {
		t.Fatalf("roles %v, want TOP of F205", roles)
	}

	bad := [][]string{
		{"comune", "add", "-code", "milano", "-istat", "015146", "-name", "MILANO"},
		{"comune", "add", "-code", "F205", "-istat", "015146", "-name", "MILANO"}, // exists
		{"comune", "set-anpr", "-code", "F205", "-client-id", "not-a-uuid"},
		{"comune", "set-anpr", "-code", "F205", "-purpose", "C999=x"},
		{"user", "add", "-username", "x", "-role", "OWNER", "-comune", "F205"},
		{"user", "add", "-username", "y", "-role", "ADMIN", "-comune", "F205"}, // no ente
		{"comune", "frobnicate"},
	}
	for _, args := range bad {
		if err := run(append(args, common...), io.Discard); err == nil {
			t.Errorf("varco %s: want an error", strings.Join(args, " "))
		}
	}
}
