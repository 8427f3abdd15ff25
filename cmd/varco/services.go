package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workers"
	"github.com/varco-anpr/varco/workflows"
)

// runAPI serves the HTTP API against a Temporal cluster and the database.
func runAPI(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	k, err := loadKeys(cfg)
	if err != nil {
		return err
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
	c, err := dialTemporal(ctx, cfg, k, log)
	if err != nil {
		return err
	}
	defer c.Close()
	srv := api.New(api.Deps{
		DB: db, Temporal: c, Authz: az, Tokens: k.tokens, Logger: log,
		RequestTimeout: cfg.RequestTimeout, CallMode: workflows.CallMode(cfg.CallMode),
	})
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

// runWorker runs the AnprQuery worker until interrupted.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	k, err := loadKeys(cfg)
	if err != nil {
		return err
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
	c, err := dialTemporal(ctx, cfg, k, log)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := workers.EnsureSearchAttributes(ctx, c, cfg.Namespace); err != nil {
		return err
	}
	w := workers.New(c, newActivities(db, az, k, simulatorEndpoints(cfg), log))
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	log.Info("worker polling", "taskQueue", workflows.TaskQueue, "namespace", cfg.Namespace)
	<-ctx.Done()
	w.Stop()
	return nil
}

// runSimulate serves the ANPR/PDND simulator alone. Comuni of the "simulator" environment in
// the database (when there is one) are registered as its PDND clients.
func runSimulate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	sim, err := startSimulator(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	log.Info("simulator listening", "url", simulatorURL(cfg), "token", sim.sim.TokenURL())
	<-ctx.Done()
	sctx, cancel := shutdownCtx()
	defer cancel()
	return sim.server.Shutdown(sctx)
}

// runMigrate applies the database migrations.
func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	log.Info("migrations applied", "database", cfg.Redacted()[3])
	return db.Close()
}
