package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"golang.org/x/sync/errgroup"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workers"
	"github.com/varco-anpr/varco/workflows"
)

// system is Varco assembled once, the same way for `varco api`, `varco worker` and `varco dev`:
// keys, database, policy, the Temporal client, the per-Comune namespaces (and workers), the
// system worker and the HTTP API. `varco dev` adds the embedded parts (simulator, Temporal
// server, demo data) around it; production runs a part of it per process.
type system struct {
	keys    keys
	db      *store.DB
	az      *rbac.Authorizer
	client  client.Client
	manager *workers.Manager
	// worker runs the system namespace (audit retention); nil unless the system runs activities.
	worker worker.Worker
	// api is the HTTP API; nil unless the system serves it.
	api *api.Server
	// obs are the metrics, their listener and the tracing; nil until start.
	obs *observability
	// drainDelay is how long readiness answers "draining" before the API stops accepting.
	drainDelay time.Duration

	// loops are the background loops (policy watch, new Comuni): stopLoops ends them and
	// shutdown waits for them before the database closes.
	loops     *errgroup.Group
	stopLoops context.CancelFunc
}

// parts says which parts a process runs.
type parts struct {
	api, worker bool
}

// process names the process in metrics and traces.
func (p parts) process() string {
	switch {
	case p.api && p.worker:
		return "dev"
	case p.api:
		return "api"
	}
	return "worker"
}

// openSystem loads the keys, opens the database (migrating it when asked: varco dev) and the
// policy, and starts watching the policy.
func openSystem(ctx context.Context, cfg config.Config, migrate bool, log *slog.Logger) (s *system, err error) {
	s = &system{}
	loopCtx, stop := context.WithCancel(context.Background())
	s.loops, s.stopLoops = &errgroup.Group{}, stop
	defer func() {
		if err != nil {
			s.shutdown(log)
			s.close()
		}
	}()
	if s.keys, err = loadKeys(cfg); err != nil {
		return s, err
	}
	if s.db, err = openStore(ctx, cfg, migrate); err != nil {
		return s, err
	}
	if s.az, err = rbac.New(ctx, s.db); err != nil {
		return s, fmt.Errorf("load policy: %w", err)
	}
	s.loops.Go(func() error {
		err := s.az.Watch(loopCtx, func(err error) {
			if loopCtx.Err() == nil {
				log.Warn("policy watch", "error", err)
			}
		})
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	})
	return s, nil
}

// start connects to Temporal and starts the parts: every Comune's namespace (with its worker
// when the system runs activities), the Comuni added later, the system worker, the API.
func (s *system) start(ctx context.Context, cfg config.Config, p parts, log *slog.Logger) error {
	if p.api && (s.keys.sealer == nil || s.keys.tokens == nil) {
		return fmt.Errorf("seal-key and token-key: required by the API, which seals every request it starts and signs its tokens (set %s and %s)",
			config.EnvName("seal-key"), config.EnvName("token-key"))
	}
	if p.worker && s.keys.box == nil {
		return fmt.Errorf("secrets-key: required by the worker, which opens the Comuni's PDND keys (set %s)", config.EnvName("secrets-key"))
	}
	var err error
	if s.obs, err = startObservability(ctx, cfg, p.process(), log); err != nil {
		return err
	}
	if s.client, err = dialObserved(ctx, cfg, s.keys, s.obs, log); err != nil {
		return err
	}
	var acts *activities.Activities
	if p.worker {
		if acts, err = newActivities(cfg, s.db, s.az, s.keys, s.obs, log); err != nil {
			return err
		}
		if err := s.obs.exposeQuota(s.db); err != nil {
			return err
		}
	}
	if err := s.startNamespaces(ctx, cfg, acts, log); err != nil {
		return err
	}
	if p.worker {
		if s.worker, err = startSystem(ctx, s.client, cfg.Namespace, acts); err != nil {
			return err
		}
	}
	if p.api {
		s.api = api.New(api.Deps{
			DB: s.db, Temporal: s.client, Clients: s.manager, Authz: s.az, Tokens: s.keys.tokens, Logger: log,
			RequestTimeout: cfg.RequestTimeout, BatchRetention: cfg.BatchRetention, CallMode: workflows.CallMode(cfg.CallMode), Namespace: cfg.Namespace,
			Codec: s.keys.codec, UIOrigin: uiURL(cfg), UIURL: uiURL(cfg), SubjectKey: s.keys.subject, AuditSigner: s.keys.signer,
			Sealer: s.keys.sealer, OIDC: oidcConfig(cfg, s.keys),
			Metrics: s.obs.metrics, Tracing: s.obs.tracing.Provider,
		})
		s.drainDelay = cfg.DrainDelay
		if err := mountConsole(s.api, cfg, log); err != nil {
			return err
		}
	}
	return nil
}

// followInterval is how soon a Comune added by another process gets its namespace here.
const followInterval = 5 * time.Second

// startNamespaces prepares every Comune's namespace (and, with activities, its worker) and
// follows the Comuni added later.
func (s *system) startNamespaces(ctx context.Context, cfg config.Config, acts *activities.Activities, log *slog.Logger) error {
	comuni, err := comuneCodes(ctx, s.db)
	if err != nil {
		return err
	}
	if s.manager, err = newManager(cfg, s.keys, s.client, acts, log); err != nil {
		return err
	}
	s.obs.instrument(&s.manager.Options)
	if err := s.manager.Ensure(ctx, comuni...); err != nil {
		return err
	}
	loopCtx, stop := context.WithCancel(context.Background())
	prev := s.stopLoops
	s.stopLoops = func() { stop(); prev() }
	s.loops.Go(func() error {
		s.manager.Follow(loopCtx, followInterval, func(ctx context.Context) ([]string, error) { return comuneCodes(ctx, s.db) })
		return nil
	})
	return nil
}

// shutdown stops in the order that loses nothing: readiness answers "draining" (for
// drainDelay, so load balancers stop sending), stop taking requests and let those in flight
// finish, stop the background loops and wait for them, let the workers finish their tasks,
// close the client, flush the spans. The database stays open (close).
func (s *system) shutdown(log *slog.Logger) {
	if s.api != nil {
		s.api.Drain()
		log.Info("draining: readiness reports not ready", "delay", s.drainDelay)
		time.Sleep(s.drainDelay)
	}
	ctx, cancel := shutdownCtx()
	defer cancel()
	if s.api != nil {
		if err := s.api.Shutdown(ctx); err != nil {
			log.Warn("api shutdown", "error", err)
		}
	}
	if s.stopLoops != nil {
		s.stopLoops()
		if err := s.loops.Wait(); err != nil {
			log.Warn("background loop", "error", err)
		}
	}
	if s.manager != nil {
		s.manager.Stop()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.client != nil {
		s.client.Close()
	}
	s.obs.close(log)
}

// close closes the database, after shutdown.
func (s *system) close() {
	if s.db != nil {
		_ = s.db.Close()
	}
}
