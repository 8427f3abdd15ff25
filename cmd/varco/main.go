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

// commandFunc runs a subcommand with the loaded configuration.
type commandFunc func(ctx context.Context, cfg config.Config, log *slog.Logger) error

// command is a subcommand: its own flags (beside the configuration's) and what it runs.
type command struct {
	flags func(fs *flag.FlagSet) commandFunc
}

func plain(f commandFunc) command {
	return command{flags: func(*flag.FlagSet) commandFunc { return f }}
}

var commands = map[string]command{
	"dev":      plain(runDev),
	"api":      plain(runAPI),
	"worker":   plain(runWorker),
	"simulate": {flags: simulateFlags},
	"migrate":  plain(runMigrate),
	"comune add": {flags: func(fs *flag.FlagSet) commandFunc {
		f := &comuneFlags{}
		f.register(fs, true)
		return runComuneAdd(f)
	}},
	"comune set-anpr": {flags: func(fs *flag.FlagSet) commandFunc {
		f := &comuneFlags{}
		f.register(fs, false)
		return runComuneSetANPR(f)
	}},
	"comune list":     plain(runComuneList),
	"audit verify":    {flags: auditVerifyFlags},
	"audit key":       plain(runAuditKey),
	"audit anchor":    {flags: auditAnchorFlags},
	"audit reconcile": {flags: auditReconcileFlags},
	"temporal token":  {flags: temporalTokenFlags},
	"user add": {flags: func(fs *flag.FlagSet) commandFunc {
		f := &userFlags{}
		f.register(fs)
		return runUserAdd(f)
	}},
}

const usage = `varco — governed, audited access to ANPR

usage: varco <command> [flags]

commands:
  dev        everything in one process on 127.0.0.1: embedded Temporal + Web UI, worker, API, simulator, SQLite
  api        the HTTP API (needs a Temporal cluster and the database)
  worker     the Temporal worker running AnprQuery
  simulate   the ANPR/PDND simulator alone (the TEST environment)
  migrate    apply database migrations and exit

installation operator:
  comune add       --code H501 --istat 058091 --name ROMA [--environment simulator|collaudo|esercizio]
  comune set-anpr  --code H501 --client-id UUID --kid KID --private-key FILE --purpose C020=ID ...
                   [--environment ...] [--operator-mode end-user|comune-operator --operator-id ID]
  comune list
  user add         --username NAME --role TOP|ADMIN|AUTORIZZATO --comune H501 [--ente ID] [--services C020,C030]
  audit verify     [--comune H501] [--anchors FILE]   check each Comune's audit hash chain, signed
                   checkpoints and, with FILE, the anchors kept outside the database
  audit anchor     [--comune H501]   sign each Comune's chain head and print it (JSON lines) to keep elsewhere
  audit key        print the audit signing key's public key (<id>=<base64>), to keep before a rotation
  audit reconcile  [--day YYYY-MM-DD] [--calls FILE]   list the calls ANPR received (the simulator's log in
                   TEST, or FILE) that no audit record names
  temporal token   [--permissions temporal-system:admin] [--ttl 1h]   print a token for Temporal's frontend
                   (temporal CLI: --grpc-meta "authorization=Bearer <token>"), signed with temporal-jwt-key

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
	name, rest := args[0], args[1:]
	if (name == "comune" || name == "user" || name == "audit" || name == "temporal") && len(rest) > 0 {
		name, rest = name+" "+rest[0], rest[1:]
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", name)
	}
	fs := flag.NewFlagSet("varco "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	runCmd := cmd.flags(fs)
	cfg, err := config.Load(fs, rest, os.Getenv)
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
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	log.Info("configuration", append([]any{"command", name}, cfg.Redacted()...)...)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runCmd(ctx, cfg, log)
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
