// Command varco is Varco's one binary: `varco dev` runs everything in one process, and
// `api`, `worker` and `migrate` run the parts of a production deployment. Built with
// -tags lean (the production image), it leaves out `dev` and `simulate`, and with them the
// embedded Temporal server, its Web UI and the simulator.
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

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "varco:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		mainUsage(stderr)
		return nil
	}
	name, rest := args[0], args[1:]
	if isGroupWord(name) && len(rest) > 0 {
		name, rest = name+" "+rest[0], rest[1:]
	}
	cmd := lookup(name)
	if cmd == nil {
		mainUsage(stderr)
		return fmt.Errorf("unknown command %q", name)
	}
	fs, cfgp, runCmd, err := cmd.flagSet(stderr, os.Getenv)
	if err != nil {
		return err
	}
	if err := fs.Parse(rest); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	cfg := *cfgp
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
