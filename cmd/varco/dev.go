//go:build !lean

package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/devtemporal"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/seed"
	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// stack is everything `varco dev` runs: the system (assembled as in production, all parts in
// one process) and the embedded parts around it.
type stack struct {
	*system
	sim       *http.Server
	simulator *simulator.Simulator
	temporal  *devtemporal.Server
	seeded    bool
	// simEndpoints are the simulator's PDND and ANPR endpoints.
	simEndpoints activities.Endpoints
}

func runDev(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	start := time.Now()
	if err := fillDevSecrets(&cfg); err != nil {
		return err
	}
	s, err := startDev(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.stop(log)
	printBanner(cfg, s.seeded, time.Since(start))
	apiErr := make(chan error, 1)
	go func() { apiErr <- s.api.Listen(cfg.APIAddr) }()
	if err := s.startUI(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case err := <-apiErr:
		return fmt.Errorf("api: %w", err)
	}
}

// startDev opens the system (migrating its SQLite database), seeds the demo, starts the
// simulator and the embedded Temporal server, then starts every part of the system on it.
func startDev(ctx context.Context, cfg config.Config, log *slog.Logger) (s *stack, err error) {
	if err := checkPorts(cfg.APIAddr, cfg.SimulatorAddr); err != nil {
		return nil, err
	}
	limitDevMemory()
	sys, err := openSystem(ctx, cfg, true, log)
	if err != nil {
		return nil, err
	}
	s = &stack{system: sys, simEndpoints: simulatorEndpoints(cfg)}
	defer func() {
		if err != nil {
			s.stop(log)
		}
	}()
	if s.seeded, err = seed.Demo(ctx, s.db, s.az, seed.DemoOptions{Password: cfg.DemoPassword, SealKey: sealer(s.keys.box)}); err != nil {
		return s, fmt.Errorf("seed demo: %w", err)
	}
	if s.seeded {
		if err := s.az.Reload(ctx); err != nil {
			return s, err
		}
	}
	sim, err := startSimulator(ctx, cfg, s.db, s.keys.box, log)
	if err != nil {
		return s, err
	}
	s.sim, s.simulator = sim.server, sim.sim
	comuni, err := comuneCodes(ctx, s.db)
	if err != nil {
		return s, err
	}
	if err := s.startTemporal(cfg, s.keys, comuni, log); err != nil {
		return s, err
	}
	return s, s.system.start(ctx, cfg, parts{api: true, worker: true}, log)
}

func (s *stack) startTemporal(cfg config.Config, k keys, comuni []string, log *slog.Logger) error {
	// One namespace per Comune (the first is the Web UI's default), plus the system one.
	namespaces := make([]string, 0, len(comuni)+1)
	for _, c := range comuni {
		namespaces = append(namespaces, workflows.Namespace(c))
	}
	namespaces = append(namespaces, cfg.Namespace)
	host, portStr, _ := net.SplitHostPort(cfg.TemporalAddr)
	port, _ := strconv.Atoi(portStr)
	srv, err := devtemporal.Start(devtemporal.Options{
		IP: host, Port: port, UIPort: cfg.TemporalUIPort,
		DatabaseFile:     filepath.Join(cfg.DataDir, "temporal.db"),
		Namespaces:       namespaces,
		SearchAttributes: workflows.SearchAttributeNames(),
		CodecEndpoint:    "http://" + cfg.APIAddr + "/codec",
		Logger:           log,
		Auth:             &devtemporal.Auth{Keys: map[string]*ecdsa.PublicKey{k.temporal.KeyID(): k.temporal.Public()}},
		UISignIn:         &devtemporal.SignIn{ProviderURL: cfg.Issuer(), ClientID: api.UIClientID, ClientSecret: cfg.UIClientSecret},
	})
	if err != nil {
		return err
	}
	s.temporal = srv
	return nil
}

// startUI starts the Web UI once the API, its OpenID Provider, answers.
func (s *stack) startUI(ctx context.Context) error {
	var err error
	for range 50 {
		if err = s.temporal.StartUI(ctx); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// stop shuts down in the order that loses nothing: the system (API, loops, workers, client),
// then the embedded server and the simulator, and the database last.
func (s *stack) stop(log *slog.Logger) {
	s.system.shutdown(log)
	if s.temporal != nil {
		s.temporal.Stop()
	}
	if s.sim != nil {
		ctx, cancel := shutdownCtx()
		defer cancel()
		_ = s.sim.Shutdown(ctx)
	}
	s.system.close()
}

// checkPorts fails fast, with the port's name, when something already listens there.
func checkPorts(addrs ...string) error {
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			return fmt.Errorf("%s is not free (is another varco running?): %w", a, err)
		}
		_ = l.Close()
	}
	return nil
}

// runningSimulator is a simulator serving HTTP.
type runningSimulator struct {
	sim    *simulator.Simulator
	server *http.Server
}

// startSimulator builds the simulator, registers the configured and the database's clients,
// runs the prepare steps, and only then serves: the first request finds every client.
func startSimulator(ctx context.Context, cfg config.Config, db *store.DB, box *secretbox.Box, log *slog.Logger, prepare ...func(*simulator.Simulator) error) (*runningSimulator, error) {
	simCfg, err := simulatorConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	sim, err := simulator.New(simCfg)
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	if err := registerClientFiles(sim, cfg.SimClients); err != nil {
		return nil, err
	}
	if db != nil {
		if _, err := registerSimulatorClients(ctx, db, box, sim); err != nil {
			return nil, err
		}
	}
	for _, p := range prepare {
		if err := p(sim); err != nil {
			return nil, err
		}
	}
	l, err := net.Listen("tcp", cfg.SimulatorAddr)
	if err != nil {
		return nil, fmt.Errorf("simulator listen: %w", err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("simulator stopped", "error", err)
		}
	}()
	return &runningSimulator{sim: sim, server: srv}, nil
}

// devMemoryLimit is `varco dev`'s soft limit on the Go runtime's memory. Its live heap stays
// near 80 MiB after 10,000 queries (the server's history cache is bounded by entries), but
// with the default GC pacing the process kept the peak of a burst, and the garbage of start-up
// (the sign-in hash's 64 MiB), as resident memory; with a limit the runtime collects and
// returns memory to the OS before passing it. Measured in docs/performance.md
// (BenchmarkDevMemory). GOMEMLIMIT, when set, wins.
const devMemoryLimit = 200 << 20

func limitDevMemory() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(devMemoryLimit)
	}
}
