package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/store"
)

// stdout is where the audit commands print their results (tests capture it).
var stdout io.Writer = os.Stdout

// errChainBroken makes `varco audit verify` exit non-zero.
var errChainBroken = errors.New("the audit chain is broken")

// auditComuni lists the Comuni to work on: the one named, or every Comune.
func auditComuni(ctx context.Context, db *store.DB, comune string) ([]string, error) {
	if comune != "" {
		return []string{comune}, nil
	}
	return comuneCodes(ctx, db)
}

// auditSigner is the audit signing key (and its retired public keys) of the configuration, or
// of the local installation of varco dev when no database URL is set.
func auditSigner(cfg config.Config) (*auditlog.Signer, error) {
	if cfg.DatabaseURL == "" {
		if err := fillDevSecrets(&cfg); err != nil {
			return nil, err
		}
	}
	return loadAuditSigner(cfg)
}

// auditVerifier holds the audit's public keys only: -audit-public-keys, or, on the local
// installation of varco dev, its own key's public half (read, never generated: verify writes
// nothing).
func auditVerifier(cfg config.Config) (*auditlog.Signer, error) {
	if cfg.AuditPublic == "" && cfg.DatabaseURL == "" {
		s, err := readDevSecrets(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("audit-public-keys: required (set %s): %w", config.EnvName("audit-public-keys"), err)
		}
		cfg.AuditKey = s.AuditKey
		signer, err := loadAuditSigner(cfg)
		if err != nil {
			return nil, err
		}
		return auditlog.NewVerifier(signer.PublicKeySpec())
	}
	v, err := auditlog.NewVerifier(cfg.AuditPublic)
	if err != nil {
		return nil, fmt.Errorf("audit-public-keys: %w", err)
	}
	return v, nil
}

// auditVerifyFlags: `varco audit verify [-comune H501]` walks each Comune's hash chain and
// checkpoints and reports the first broken link.
func auditVerifyFlags(fs *flag.FlagSet) commandFunc {
	comune := fs.String("comune", "", "verify one Comune (default: every Comune)")
	anchors := fs.String("anchors", "", "`FILE` of anchors printed by varco audit anchor, kept outside the database, to check too")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		verifier, err := auditVerifier(cfg)
		if err != nil {
			return err
		}
		db, err := store.OpenReadOnly(ctx, cfg.Database())
		if err != nil {
			return fmt.Errorf("open database: %w", err)
		}
		defer db.Close()
		comuni, err := auditComuni(ctx, db, *comune)
		if err != nil {
			return err
		}
		broken := false
		for _, c := range comuni {
			rep, err := auditlog.Verify(ctx, db, c, verifier)
			if err != nil {
				return fmt.Errorf("verify %s: %w", c, err)
			}
			if rep.OK {
				fmt.Fprintf(stdout, "%s  ok      %d records, %d checkpoints\n", c, rep.Records, rep.Checkpoints)
				continue
			}
			broken = true
			fmt.Fprintf(stdout, "%s  BROKEN  at seq %d (request %s): %s — %s\n", c, rep.Break.Seq, rep.Break.RequestID, rep.Break.Problem, rep.Break.Detail)
		}
		if *anchors != "" {
			ok, err := checkAnchorFile(ctx, db.DB, verifier, *anchors, *comune)
			if err != nil {
				return err
			}
			broken = broken || !ok
		}
		if broken {
			return errChainBroken
		}
		return nil
	}
}

// checkAnchorFile checks every anchor of the file (of one Comune, when given) and prints one
// line each; ok is false when any does not hold.
func checkAnchorFile(ctx context.Context, db bun.IDB, signer *auditlog.Signer, path, comune string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("anchors: %w", err)
	}
	defer f.Close()
	anchors, err := auditlog.ReadAnchors(f)
	if err != nil {
		return false, err
	}
	ok := true
	for _, a := range anchors {
		if comune != "" && a.Comune != comune {
			continue
		}
		res, err := auditlog.CheckAnchor(ctx, db, signer, a)
		if err != nil {
			return false, err
		}
		if res.OK() {
			fmt.Fprintf(stdout, "%s  anchor  seq %d %s\n", a.Comune, a.Seq, res.Outcome)
			continue
		}
		ok = false
		fmt.Fprintf(stdout, "%s  BROKEN  anchor at seq %d: %s — %s\n", a.Comune, a.Seq, res.Outcome, res.Detail)
	}
	return ok, nil
}

// auditAnchorFlags: `varco audit anchor [-comune H501]` signs each Comune's current chain head
// and prints it as one JSON line: keep the output outside the database (the auditor's archive,
// a timestamping service) and check it later with `varco audit verify -anchors FILE`.
func auditAnchorFlags(fs *flag.FlagSet) commandFunc {
	comune := fs.String("comune", "", "anchor one Comune (default: every Comune)")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		signer, err := auditSigner(cfg)
		if err != nil {
			return err
		}
		db, err := openStore(ctx, cfg, true)
		if err != nil {
			return err
		}
		defer db.Close()
		comuni, err := auditComuni(ctx, db, *comune)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		for _, c := range comuni {
			a, ok, err := auditlog.AnchorHead(ctx, db.DB, c, signer, clock.System())
			if err != nil {
				return fmt.Errorf("anchor %s: %w", c, err)
			}
			if !ok {
				continue // no records yet: nothing to anchor
			}
			if err := enc.Encode(a); err != nil {
				return err
			}
		}
		return nil
	}
}

// runAuditKey: `varco audit key` prints the current audit signing key's public key as
// "<key id>=<base64>". Before rotating (a new VARCO_AUDIT_KEY and VARCO_AUDIT_KEY_ID), add this
// line to VARCO_AUDIT_RETIRED_KEYS so the checkpoints signed so far keep verifying.
func runAuditKey(_ context.Context, cfg config.Config, _ *slog.Logger) error {
	signer, err := auditSigner(cfg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, signer.PublicKeySpec())
	return err
}

// runSealKey prints the seal key's public half (<id>=<base64>), for the workers'
// seal-public-keys; on the local installation of varco dev, its own key's.
func runSealKey(_ context.Context, cfg config.Config, _ *slog.Logger) error {
	if cfg.DatabaseURL == "" {
		if err := fillDevSecrets(&cfg); err != nil {
			return err
		}
	}
	sealer, _, err := loadSealKeys(cfg)
	if err != nil {
		return err
	}
	if sealer == nil {
		return fmt.Errorf("seal-key: required (set %s)", config.EnvName("seal-key"))
	}
	_, err = fmt.Fprintln(stdout, sealer.PublicKeySpec())
	return err
}
