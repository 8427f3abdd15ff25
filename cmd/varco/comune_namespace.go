package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/temporalauth"
	"github.com/varco-anpr/varco/workers"
	"github.com/varco-anpr/varco/workflows"
)

// namespaceRetention is how long Temporal keeps a Comune's closed workflows (the audit, in
// Varco's database, is what is kept for years).
const namespaceRetention = 7 * 24 * time.Hour

// registerComuneNamespace registers the Comune's namespace on the Temporal cluster, with its
// retention and Varco's search attributes, idempotently (`varco comune add` on a cluster; a
// rerun, or a worker doing the same on seeing the Comune, changes nothing). Without
// temporal-jwt-key (varco dev's data dir) it registers nothing: there the running process's
// workers register it when they see the Comune (within followInterval).
func registerComuneNamespace(ctx context.Context, cfg config.Config, comune string, log *slog.Logger) (bool, error) {
	if cfg.TemporalJWTKey == "" {
		return false, nil
	}
	_, minter, err := loadTemporalKey(cfg)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort: cfg.TemporalAddr, Namespace: cfg.Namespace,
		Logger:          tlog.NewStructuredLogger(levelAtLeast(log, slog.LevelWarn)),
		HeadersProvider: temporalauth.NewHeadersProvider(minter, "varco-operator", []string{temporalauth.SystemAdmin}, serviceTokenTTL),
	})
	if err != nil {
		return false, fmt.Errorf("connect to temporal at %s (to register the namespace): %w", cfg.TemporalAddr, err)
	}
	defer c.Close()
	ns := workflows.Namespace(comune)
	if err := workers.RegisterNamespace(ctx, c, ns, namespaceRetention); err != nil {
		return false, err
	}
	if err := workers.EnsureSearchAttributes(ctx, c, ns); err != nil {
		return false, err
	}
	return true, nil
}
