//go:build !lean

package main

import (
	"context"
	"crypto/rsa"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
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

// runSimulate serves the ANPR/PDND simulator alone. Comuni of the "simulator" environment in
// the database (when there is one) are registered as its PDND clients.
func runSimulate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	box, err := simulatorBox(cfg, log)
	if err != nil {
		return err
	}
	sim, err := startSimulator(ctx, cfg, db, box, log, func(sim *simulator.Simulator) error {
		return printDemoClient(sim, cfg.DataDir)
	})
	if err != nil {
		return err
	}
	log.Info("simulator listening", "url", simulatorURL(cfg), "discovery", simulatorURL(cfg)+"/.well-known/varco-simulator.json")
	<-ctx.Done()
	sctx, cancel := shutdownCtx()
	defer cancel()
	return sim.server.Shutdown(sctx)
}

// simulatorBox opens the Comuni's keys when a secrets key is configured; without one the
// simulator starts with no Comune registered (integrators register their own clients).
func simulatorBox(cfg config.Config, log *slog.Logger) (*secretbox.Box, error) {
	if cfg.SecretsKey == "" {
		log.Warn("no secrets key: Comuni in the database are not registered with the simulator")
		return nil, nil
	}
	return loadBox(cfg)
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

// registerSimulatorClients tells the simulator about every Comune of the "simulator"
// environment: its PDND client, key and purposes, as the PDND back office would.
func registerSimulatorClients(ctx context.Context, db *store.DB, box *secretbox.Box, sim *simulator.Simulator) (int, error) {
	comuni, err := store.ListComuni(ctx, db)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range comuni {
		if c.Environment != "simulator" || box == nil {
			continue
		}
		key, err := activities.ComuneKey(box, &c)
		if err != nil {
			return n, err
		}
		if err := sim.RegisterClient(simulatorClient(&c, &key.PublicKey)); err != nil {
			return n, fmt.Errorf("register comune %s with the simulator: %w", c.Code, err)
		}
		n++
	}
	return n, nil
}

func simulatorClient(c *store.Comune, pub *rsa.PublicKey) simulator.Client {
	purposes := make(map[string]string, len(c.PurposeIDs))
	for service, purpose := range c.PurposeIDs {
		purposes[purpose] = service
	}
	return simulator.Client{ClientID: c.PDNDClientID, Kid: c.PDNDKid, PublicKey: pub, Purposes: purposes}
}
