package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/varco-anpr/varco/internal/config"
)

// devSecrets are generated once per data directory for `varco dev`, so a restart can still
// decrypt its Temporal history and verify its tokens. Production sets them explicitly.
type devSecrets struct {
	CodecKey   string `json:"codecKey"`
	TokenKey   string `json:"tokenKey"`
	SubjectKey string `json:"subjectKey"`
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
	case errors.Is(err, os.ErrNotExist):
		s = devSecrets{CodecKey: randomKey(), TokenKey: randomKey(), SubjectKey: randomKey()}
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	default:
		return fmt.Errorf("read %s: %w", path, err)
	}
	setIfEmpty(&cfg.CodecKey, s.CodecKey)
	setIfEmpty(&cfg.TokenKey, s.TokenKey)
	setIfEmpty(&cfg.SubjectKey, s.SubjectKey)
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
