//go:build !lean

package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/seed"
	"github.com/varco-anpr/varco/rbac"
)

// `varco demo seed` writes varco dev's demo tenant into any database: the production-shaped
// stack (deploy/stack.sh) uses it on PostgreSQL so that a query works as soon as it is up.
func init() {
	register(&command{name: "demo seed", args: "-demo-password P [flags]",
		short:  "write the demo Comune, Ente and users into a migrated database (test stacks only)",
		groups: []config.Group{config.GroupCommon, config.GroupDatabase, config.GroupSecrets, config.GroupDemo},
		run:    runDemoSeed, long: `
Writes the demo tenant of varco dev (Comune H501 on the simulator, an Ente with a convenzione,
demo-top, demo-admin and demo-operatore with -demo-password) when the database has no Comune
yet, and nothing otherwise. For test stacks (deploy/stack.sh); not in the lean build.

Example:
  VARCO_DEMO_PASSWORD=s3cret varco demo seed -database-url postgres://postgres@127.0.0.1/varco_stack`})
}

func runDemoSeed(ctx context.Context, cfg config.Config, _ *slog.Logger) error {
	box, err := requireBox(cfg)
	if err != nil {
		return err
	}
	if cfg.DemoPassword == "" {
		return fmt.Errorf("demo-password: required (set %s)", config.EnvName("demo-password"))
	}
	db, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	az, err := rbac.New(ctx, db)
	if err != nil {
		return fmt.Errorf("load policy: %w", err)
	}
	created, err := seed.Demo(ctx, db, az, seed.DemoOptions{Password: cfg.DemoPassword, SealKey: sealer(box)})
	if err != nil {
		return err
	}
	if created {
		_, err = fmt.Fprintln(stdout, "Demo tenant written: Comune H501, users demo-top, demo-admin, demo-operatore.")
	} else {
		_, err = fmt.Fprintln(stdout, "A Comune exists already: nothing written.")
	}
	return err
}
