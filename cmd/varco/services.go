package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/workflows"
)

// runAPI serves the HTTP API against a Temporal cluster and the database.
func runAPI(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	s, err := openSystem(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer s.close()
	defer s.shutdown(log)
	if err := s.start(ctx, cfg, parts{api: true}, log); err != nil {
		return err
	}
	return serve(ctx, s.api, cfg.APIAddr, log)
}

// serve runs the API until ctx ends (the caller's shutdown then stops it) or it fails.
func serve(ctx context.Context, srv *api.Server, addr string, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen(addr) }()
	log.Info("api listening", "addr", addr)
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return fmt.Errorf("api: %w", err)
	}
}

// runWorker runs a worker on every Comune's namespace until interrupted.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	s, err := openSystem(ctx, cfg, false, log)
	if err != nil {
		return err
	}
	defer s.close()
	defer s.shutdown(log)
	if err := s.start(ctx, cfg, parts{worker: true}, log); err != nil {
		return err
	}
	log.Info("worker polling", "taskQueue", workflows.TaskQueue)
	<-ctx.Done()
	return nil
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
