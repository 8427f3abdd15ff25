package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/temporalauth"
)

// devSecrets are generated once per data directory for `varco dev`, so a restart can still
// decrypt its Temporal history and verify its tokens. Production sets them explicitly.
type devSecrets struct {
	CodecKey   string `json:"codecKey"`
	TokenKey   string `json:"tokenKey"`
	SubjectKey string `json:"subjectKey"`
	SecretsKey string `json:"secretsKey"`
	AuditKey   string `json:"auditKey"`
	SealKey    string `json:"sealKey"`
	// TemporalJWTKey is a PKCS#8 P-256 key, not 32 random bytes.
	TemporalJWTKey string `json:"temporalJwtKey"`
	UIClientSecret string `json:"uiClientSecret"`
}

// fillDevSecrets loads or creates <data-dir>/secrets.json and fills the unset keys of cfg.
func fillDevSecrets(cfg *config.Config) error {
	path := filepath.Join(cfg.DataDir, "secrets.json")
	var s devSecrets
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("read %s: %w", path, err)
	}
	if s.complete() {
		// nothing to add
	} else if err := s.generate(cfg.DataDir, path); err != nil {
		return err
	}
	setIfEmpty(&cfg.CodecKey, s.CodecKey)
	setIfEmpty(&cfg.TokenKey, s.TokenKey)
	setIfEmpty(&cfg.SubjectKey, s.SubjectKey)
	setIfEmpty(&cfg.SecretsKey, s.SecretsKey)
	setIfEmpty(&cfg.AuditKey, s.AuditKey)
	setIfEmpty(&cfg.SealKey, s.SealKey)
	setIfEmpty(&cfg.TemporalJWTKey, s.TemporalJWTKey)
	setIfEmpty(&cfg.UIClientSecret, s.UIClientSecret)
	return nil
}

// readDevSecrets reads <data-dir>/secrets.json without creating or completing it.
func readDevSecrets(dir string) (devSecrets, error) {
	var s devSecrets
	b, err := os.ReadFile(filepath.Join(dir, "secrets.json"))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read %s: %w", filepath.Join(dir, "secrets.json"), err)
	}
	return s, nil
}

func (s *devSecrets) complete() bool {
	return s.CodecKey != "" && s.TokenKey != "" && s.SubjectKey != "" && s.SecretsKey != "" && s.AuditKey != "" && s.SealKey != "" &&
		s.TemporalJWTKey != "" && s.UIClientSecret != ""
}

// generate fills the missing keys (a data dir from an older version may lack one) and saves.
func (s *devSecrets) generate(dir, path string) error {
	for _, k := range []*string{&s.CodecKey, &s.TokenKey, &s.SubjectKey, &s.SecretsKey, &s.AuditKey, &s.SealKey} {
		setIfEmpty(k, randomKey())
	}
	// URL-safe: OAuth clients form-encode the secret in the Basic header, where a '+' of
	// standard base64 is a trap for hand-written clients.
	setIfEmpty(&s.UIClientSecret, strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(randomKey()), "="))
	if s.TemporalJWTKey == "" {
		k, err := temporalauth.GenerateKey()
		if err != nil {
			return err
		}
		s.TemporalJWTKey = k
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func setIfEmpty(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func randomKey() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}
