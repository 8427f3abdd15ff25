package main

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/simulator"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workers"
	"github.com/varco-anpr/varco/workflows"
)

// backends are what `varco api` and `varco worker` share: keys, database, policy, Temporal.
type backends struct {
	keys      keys
	db        *store.DB
	az        *rbac.Authorizer
	client    client.Client
	stopWatch context.CancelFunc
}

func openBackends(ctx context.Context, cfg config.Config, log *slog.Logger) (b *backends, err error) {
	b = &backends{}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	if b.keys, err = loadKeys(cfg); err != nil {
		return b, err
	}
	if b.db, err = openStore(ctx, cfg, false); err != nil {
		return b, err
	}
	if b.az, err = rbac.New(ctx, b.db); err != nil {
		return b, fmt.Errorf("load policy: %w", err)
	}
	b.stopWatch = watchPolicy(b.az, log)
	b.client, err = dialTemporal(ctx, cfg, b.keys, log)
	return b, err
}

func (b *backends) close() {
	if b.stopWatch != nil {
		b.stopWatch()
	}
	if b.client != nil {
		b.client.Close()
	}
	if b.db != nil {
		_ = b.db.Close()
	}
}

// runAPI serves the HTTP API against a Temporal cluster and the database.
func runAPI(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	b, err := openBackends(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.close()
	if b.keys.sealer == nil {
		return fmt.Errorf("seal-key: required by the API, which seals every request it starts (set %s)", config.EnvName("seal-key"))
	}
	m, stop, err := manage(ctx, cfg, b, nil, log)
	if err != nil {
		return err
	}
	defer stop()
	srv := api.New(api.Deps{
		DB: b.db, Temporal: b.client, Clients: m, Authz: b.az, Tokens: b.keys.tokens, Logger: log,
		RequestTimeout: cfg.RequestTimeout, CallMode: workflows.CallMode(cfg.CallMode), Namespace: cfg.Namespace,
		Codec: b.keys.codec, UIOrigin: uiURL(cfg), UIURL: uiURL(cfg), SubjectKey: b.keys.subject, AuditSigner: b.keys.signer,
		Sealer: b.keys.sealer, OIDC: oidcConfig(cfg, b.keys),
	})
	if err := mountConsole(srv, cfg, log); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(cfg.APIAddr) }()
	log.Info("api listening", "addr", cfg.APIAddr)
	select {
	case <-ctx.Done():
		sctx, cancel := shutdownCtx()
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}

// runWorker runs a worker on every Comune's namespace until interrupted.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	b, err := openBackends(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.close()
	acts, err := newActivities(cfg, b.db, b.az, b.keys, log)
	if err != nil {
		return err
	}
	_, stop, err := manage(ctx, cfg, b, acts, log)
	if err != nil {
		return err
	}
	sys, err := startSystem(ctx, b.client, acts)
	if err != nil {
		stop()
		return err
	}
	defer sys.Stop()
	log.Info("worker polling", "taskQueue", workflows.TaskQueue)
	<-ctx.Done()
	stop()
	return nil
}

// manage prepares every Comune's namespace (and, with activities, its worker) and follows
// the Comuni added later; stop ends both.
func manage(ctx context.Context, cfg config.Config, b *backends, acts *activities.Activities, log *slog.Logger) (*workers.Manager, func(), error) {
	comuni, err := comuneCodes(ctx, b.db)
	if err != nil {
		return nil, nil, err
	}
	m, err := newManager(cfg, b.keys, b.client, acts, log)
	if err != nil {
		return nil, nil, err
	}
	if err := m.Ensure(ctx, comuni...); err != nil {
		m.Stop()
		return nil, nil, err
	}
	stopFollow := followComuni(m, b.db)
	return m, func() { stopFollow(); m.Stop() }, nil
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
	k, err := config.Key("secrets-key", cfg.SecretsKey, 32)
	if err != nil {
		return nil, err
	}
	return secretbox.New(k[:32])
}

// runMigrate applies the database migrations.
func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	log.Info("migrations applied")
	return db.Close()
}
