package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/devtemporal"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/seed"
	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workers"
	"github.com/varco-anpr/varco/workflows"
)

// stack is everything `varco dev` runs, stopped in reverse order of start.
type stack struct {
	db       *store.DB
	sim      *http.Server
	temporal *devtemporal.Server
	client   client.Client
	manager  *workers.Manager
	api      *api.Server
	seeded   bool
	// simEndpoints are the simulator's PDND and ANPR endpoints.
	simEndpoints activities.Endpoints
	keys         keys
	simulator    *simulator.Simulator
	stopWatch    context.CancelFunc
	stopFollow   context.CancelFunc
	system       worker.Worker
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

func startDev(ctx context.Context, cfg config.Config, log *slog.Logger) (s *stack, err error) {
	k, err := loadKeys(cfg)
	if err != nil {
		return nil, err
	}
	if err := checkPorts(cfg.APIAddr, cfg.SimulatorAddr); err != nil {
		return nil, err
	}
	s = &stack{keys: k}
	defer func() {
		if err != nil {
			s.stop(log)
		}
	}()
	if s.db, err = openStore(ctx, cfg, true); err != nil {
		return s, err
	}
	az, err := rbac.New(ctx, s.db)
	if err != nil {
		return s, fmt.Errorf("load policy: %w", err)
	}
	if s.seeded, err = seed.Demo(ctx, s.db, az, seed.DemoOptions{Password: cfg.DemoPassword, SealKey: sealer(k.box)}); err != nil {
		return s, fmt.Errorf("seed demo: %w", err)
	}
	if s.seeded {
		if err := az.Reload(ctx); err != nil {
			return s, err
		}
	}
	s.stopWatch = watchPolicy(az, log)
	sim, err := startSimulator(ctx, cfg, s.db, k.box, log)
	if err != nil {
		return s, err
	}
	s.sim, s.simulator = sim.server, sim.sim
	s.simEndpoints = simulatorEndpoints(cfg)
	comuni, err := comuneCodes(ctx, s.db)
	if err != nil {
		return s, err
	}
	if err := s.startTemporal(ctx, cfg, k, comuni, log); err != nil {
		return s, err
	}
	acts, err := newActivities(cfg, s.db, az, k, log)
	if err != nil {
		return s, err
	}
	if s.manager, err = newManager(cfg, k, s.client, acts, log); err != nil {
		return s, err
	}
	if err := s.manager.Ensure(ctx, comuni...); err != nil {
		return s, err
	}
	s.stopFollow = followComuni(s.manager, s.db)
	if s.system, err = startSystem(ctx, s.client, acts); err != nil {
		return s, err
	}
	s.api = api.New(api.Deps{
		DB: s.db, Temporal: s.client, Clients: s.manager, Authz: az, Tokens: k.tokens, Logger: log,
		RequestTimeout: cfg.RequestTimeout, CallMode: workflows.CallMode(cfg.CallMode), Namespace: cfg.Namespace,
		Codec: k.codec, UIOrigin: uiURL(cfg), UIURL: uiURL(cfg), SubjectKey: k.subject, AuditSigner: k.signer,
		Sealer: k.sealer, OIDC: oidcConfig(cfg, k),
	})
	if err := mountConsole(s.api, cfg, log); err != nil {
		return s, err
	}
	return s, nil
}

func (s *stack) startTemporal(ctx context.Context, cfg config.Config, k keys, comuni []string, log *slog.Logger) error {
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
	s.client, err = dialTemporal(ctx, cfg, k, log)
	return err
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

// stop shuts down in the order that loses nothing: stop taking requests, let the worker
// finish its tasks, then close the client, the server, the simulator and the database.
func (s *stack) stop(log *slog.Logger) {
	ctx, cancel := shutdownCtx()
	defer cancel()
	if s.stopWatch != nil {
		s.stopWatch()
	}
	if s.api != nil {
		if err := s.api.Shutdown(ctx); err != nil {
			log.Warn("api shutdown", "error", err)
		}
	}
	if s.stopFollow != nil {
		s.stopFollow()
	}
	if s.manager != nil {
		s.manager.Stop()
	}
	if s.system != nil {
		s.system.Stop()
	}
	if s.client != nil {
		s.client.Close()
	}
	if s.temporal != nil {
		s.temporal.Stop()
	}
	if s.sim != nil {
		_ = s.sim.Shutdown(ctx)
	}
	if s.db != nil {
		_ = s.db.Close()
	}
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
