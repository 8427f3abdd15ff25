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

// auditBackends opens the keys and the database of the audit commands and lists the Comuni
// to work on: the one named, or every Comune.
func auditBackends(ctx context.Context, cfg config.Config, comune string) (keys, *store.DB, []string, error) {
	k, db, err := adminBackends(ctx, cfg)
	if err != nil {
		return keys{}, nil, nil, err
	}
	if comune != "" {
		return k, db, []string{comune}, nil
	}
	comuni, err := comuneCodes(ctx, db)
	if err != nil {
		_ = db.Close()
		return keys{}, nil, nil, err
	}
	return k, db, comuni, nil
}

// auditVerifyFlags: `varco audit verify [-comune H501]` walks each Comune's hash chain and
// checkpoints and reports the first broken link.
func auditVerifyFlags(fs *flag.FlagSet) commandFunc {
	comune := fs.String("comune", "", "verify one Comune (default: every Comune)")
	anchors := fs.String("anchors", "", "file of anchors printed by `varco audit anchor`, kept outside the database, to check too")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		k, db, comuni, err := auditBackends(ctx, cfg, *comune)
		if err != nil {
			return err
		}
		defer db.Close()
		broken := false
		for _, c := range comuni {
			rep, err := auditlog.Verify(ctx, db, c, k.signer)
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
			ok, err := checkAnchorFile(ctx, db.DB, k.signer, *anchors, *comune)
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
		k, db, comuni, err := auditBackends(ctx, cfg, *comune)
		if err != nil {
			return err
		}
		defer db.Close()
		enc := json.NewEncoder(stdout)
		for _, c := range comuni {
			a, ok, err := auditlog.AnchorHead(ctx, db.DB, c, k.signer, clock.System())
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
	if cfg.DatabaseURL == "" {
		if err := fillDevSecrets(&cfg); err != nil {
			return err
		}
	}
	k, err := loadKeys(cfg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, k.signer.PublicKeySpec())
	return err
}
