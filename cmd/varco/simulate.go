package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/simulator"
)

// simulateFlags are the short flags of `varco simulate`, aliases of the simulator settings
// (which `varco dev` takes as -simulator-…).
func simulateFlags(fs *flag.FlagSet) commandFunc {
	extra := &simulateExtra{}
	fs.Func("register-client", "JSON file of a PDND client to register (repeatable)", func(v string) error {
		extra.clients = append(extra.clients, v)
		return nil
	})
	fs.StringVar(&extra.adminToken, "admin-token", "", "bearer token /admin/* requires (alias of -simulator-admin-token)")
	fs.IntVar(&extra.dailyQuota, "daily-quota", -1, "calls per purpose per day (alias of -simulator-daily-quota)")
	fs.StringVar(&extra.faults, "faults", "", "faults JSON file (alias of -simulator-faults)")
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		extra.apply(&cfg)
		return runSimulate(ctx, cfg, log)
	}
}

type simulateExtra struct {
	clients            []string
	adminToken, faults string
	dailyQuota         int
}

func (e *simulateExtra) apply(cfg *config.Config) {
	if len(e.clients) > 0 {
		cfg.SimClients = strings.Join(append(splitList(cfg.SimClients), e.clients...), ",")
	}
	if e.adminToken != "" {
		cfg.SimAdminToken = e.adminToken
	}
	if e.dailyQuota >= 0 {
		cfg.SimDailyQuota = e.dailyQuota
	}
	if e.faults != "" {
		cfg.SimFaults = e.faults
	}
}

// simulatorConfig builds the simulator's configuration from Varco's.
func simulatorConfig(cfg config.Config, log *slog.Logger) (simulator.Config, error) {
	sc := simulator.Config{
		PublicURL: simulatorURL(cfg), Seed: cfg.SimulatorSeed, Population: cfg.SimulatorSize, Logger: log,
		AdminToken: cfg.SimAdminToken, DailyQuota: cfg.SimDailyQuota, Sandbox: cfg.SimSandbox,
	}
	if cfg.SimFaults != "" {
		b, err := os.ReadFile(cfg.SimFaults)
		if err != nil {
			return sc, fmt.Errorf("simulator faults: %w", err)
		}
		if sc.Faults, err = simulator.ParseFaults(b); err != nil {
			return sc, fmt.Errorf("simulator faults %s: %w", cfg.SimFaults, err)
		}
	}
	return sc, nil
}

// registerClientFiles registers each integrator client file with the simulator.
func registerClientFiles(sim *simulator.Simulator, files string) error {
	for _, f := range splitList(files) {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("register client: %w", err)
		}
		c, err := simulator.ParseClientJSON(b)
		if err != nil {
			return fmt.Errorf("register client %s: %w", f, err)
		}
		if err := sim.RegisterClient(c); err != nil {
			return fmt.Errorf("register client %s: %w", f, err)
		}
	}
	return nil
}

// printDemoClient creates and registers a ready client for integrators who have none yet.
func printDemoClient(sim *simulator.Simulator, dataDir string) error {
	dir := filepath.Join(dataDir, "simulator-demo-client")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	c, keyFile, err := simulator.NewDemoClient(dir)
	if err != nil {
		return fmt.Errorf("demo client: %w", err)
	}
	if err := sim.RegisterClient(c); err != nil {
		return err
	}
	j, err := c.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "client.json"), j, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "\nA demo PDND client is registered (valid until the simulator stops):\n  private key  %s\n  client       %s\n%s\n",
		keyFile, filepath.Join(dir, "client.json"), j)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
