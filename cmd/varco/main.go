// Command varco is Varco's one binary: `varco dev` runs everything in one process, and
// `api`, `worker`, `simulate` and `migrate` run the parts of a production deployment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/varco-anpr/varco/internal/config"
)

var commands = map[string]func(ctx context.Context, cfg config.Config, log *slog.Logger) error{
	"dev":      runDev,
	"api":      runAPI,
	"worker":   runWorker,
	"simulate": runSimulate,
	"migrate":  runMigrate,
}

const usage = `varco — governed, audited access to ANPR

usage: varco <command> [flags]

commands:
  dev        everything in one process on 127.0.0.1: embedded Temporal + Web UI, worker, API, simulator, SQLite
  api        the HTTP API (needs a Temporal cluster and the database)
  worker     the Temporal worker running AnprQuery
  simulate   the ANPR/PDND simulator alone (the TEST environment)
  migrate    apply database migrations and exit

Every flag can also be set as VARCO_<FLAG> (e.g. VARCO_API_ADDR). 'varco <command> -h' lists them.
`

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "varco:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	fs := flag.NewFlagSet("varco "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := config.Load(fs, args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	log.Info("configuration", append([]any{"command", args[0]}, cfg.Redacted()...)...)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cmd(ctx, cfg, log)
}

func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	level, err := cfg.Level()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
