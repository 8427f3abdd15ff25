package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/config"
)

// stdout is where the audit commands print their results (tests capture it).
var stdout io.Writer = os.Stdout

// errChainBroken makes `varco audit verify` exit non-zero.
var errChainBroken = errors.New("the audit chain is broken")

// auditVerifyFlags: `varco audit verify [-comune H501]` walks each Comune's hash chain and
// checkpoints and reports the first broken link.
func auditVerifyFlags(fs *flag.FlagSet) commandFunc {
	comune := fs.String("comune", "", "verify one Comune (default: every Comune)")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		k, db, err := adminBackends(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		comuni := []string{*comune}
		if *comune == "" {
			if comuni, err = comuneCodes(ctx, db); err != nil {
				return err
			}
		}
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
		if broken {
			return errChainBroken
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
