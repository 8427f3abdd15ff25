package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/telemetry"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

// observability is a process's metrics registry, its /metrics listener (on metrics-addr,
// never the API's port) and its tracer provider.
type observability struct {
	metrics *telemetry.Metrics
	tracing *telemetry.Tracing
	tracer  interceptor.Interceptor
	srv     *http.Server
}

// testTracing replaces the tracer provider of the processes a test starts (an in-memory
// recorder); nil in production.
var testTracing *telemetry.Tracing

// startObservability builds the registry and the tracing of process (api, worker, dev) and
// serves /metrics on cfg.MetricsAddr when set.
func startObservability(ctx context.Context, cfg config.Config, process string, log *slog.Logger) (*observability, error) {
	m, err := telemetry.NewMetrics(process)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	o := &observability{metrics: m, tracing: testTracing}
	if o.tracing == nil {
		if o.tracing, err = telemetry.NewTracing(ctx, cfg.OTLPEndpoint, "varco-"+process); err != nil {
			return nil, err
		}
	}
	if o.tracer, err = o.tracing.Interceptor(); err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	if cfg.MetricsAddr == "" {
		return o, nil
	}
	l, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := o.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener", "error", err)
		}
	}()
	log.Info("metrics listening", "addr", l.Addr().String())
	return o, nil
}

// instrument adds the SDK metrics handler and the tracing interceptor to Temporal client
// options (the workers made from the client inherit both).
func (o *observability) instrument(opts *client.Options) {
	if o == nil {
		return
	}
	opts.MetricsHandler = o.metrics.Temporal()
	opts.Interceptors = append(append([]interceptor.ClientInterceptor{}, opts.Interceptors...), o.tracer)
}

// observeActivities wraps the activities' dependencies so that they record metrics, and gives
// the ANPR HTTP clients their spans.
func (o *observability) observeActivities(a *activities.Activities) {
	if o == nil || a == nil {
		return
	}
	a.Authz = observedAuthz{a.Authz, o.metrics}
	a.ANPR = observedCaller{a.ANPR, o.metrics}
	a.Audit = observedAudit{a.Audit, o.metrics}
	if p, ok := a.Profiles.(*activities.StoreProfiles); ok && p.HTTPClient != nil {
		p.HTTPClient = o.tracing.HTTPClient(p.HTTPClient)
	}
}

// exposeQuota makes the worker's /metrics show today's quota use against the caps, read from
// the database at each scrape (the api processes do not: the counters are shared, one
// exposition per deployment is enough).
func (o *observability) exposeQuota(db *store.DB) error {
	if o == nil {
		return nil
	}
	return o.metrics.RegisterQuota(func(ctx context.Context) ([]telemetry.QuotaUse, error) {
		uses, err := store.QuotaUsage(ctx, db, clock.System())
		out := make([]telemetry.QuotaUse, len(uses))
		for i, u := range uses {
			out[i] = telemetry.QuotaUse{Comune: u.Comune, Scope: u.Scope, Used: u.Used, Cap: u.Cap, Exhausted: u.Exhausted}
		}
		return out, err
	})
}

// close stops the /metrics listener and flushes the spans.
func (o *observability) close(log *slog.Logger) {
	if o == nil {
		return
	}
	if o.srv != nil {
		_ = o.srv.Close()
	}
	if err := o.tracing.Close(); err != nil {
		log.Warn("trace export", "error", err)
	}
}

// observedCaller times the ANPR calls by service and error kind.
type observedCaller struct {
	activities.Caller
	m *telemetry.Metrics
}

func (c observedCaller) Call(ctx context.Context, p anpr.Profile, op anpr.Operator, req anpr.Request) (*anpr.Response, error) {
	start := time.Now()
	resp, err := c.Caller.Call(ctx, p, op, req)
	c.m.ObserveANPR(req.Service, errKind(err), time.Since(start))
	return resp, err
}

func (c observedCaller) ResolveRequest(ctx context.Context, p anpr.Profile, op anpr.Operator, req anpr.Request) (string, anpr.Trace, []json.RawMessage, error) {
	start := time.Now()
	id, tr, w, err := c.Caller.ResolveRequest(ctx, p, op, req)
	c.m.ObserveANPR("C030", errKind(err), time.Since(start))
	return id, tr, w, err
}

// anprClientOptions gives the ANPR client its metrics and spans: the default HTTP client (the
// simulator Comuni's) traced, the shared pause store counted.
func (o *observability) anprClientOptions(opts anpr.Options) anpr.Options {
	if o == nil {
		return opts
	}
	if opts.HTTPClient == nil {
		if hc, err := anpr.NewTLSClient(nil, anpr.DefaultTimeout); err == nil {
			opts.HTTPClient = hc
		}
	}
	if opts.HTTPClient != nil {
		opts.HTTPClient = o.tracing.HTTPClient(opts.HTTPClient)
	}
	return opts
}

// countPauses counts the quota pauses recorded in store.
func (o *observability) countPauses(store anpr.PauseStore) anpr.PauseStore {
	if o == nil {
		return store
	}
	return observedPauses{store, o.metrics}
}

// errKind is the anpr error kind of err, "" for none; any other error is "internal".
func errKind(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := anpr.AsError(err); ok {
		return string(e.Kind)
	}
	return "internal"
}

// observedAudit times the audit writes and counts each audited query once, when its record
// is inserted (a repeated write of the same request id is a duplicate, not a second query).
type observedAudit struct {
	activities.AuditWriter
	m *telemetry.Metrics
}

func (a observedAudit) Write(ctx context.Context, in workflows.AuditInput) (*store.AuditRecord, error) {
	start := time.Now()
	existing, err := a.AuditWriter.Write(ctx, in)
	outcome := "inserted"
	switch {
	case err != nil:
		outcome = "error"
	case existing != nil:
		outcome = "duplicate"
	default:
		if in.Resolve != nil {
			a.m.CountQuery(in.Comune, "C030", workflows.OutcomeOK) // its linked record
		}
		a.m.CountQuery(in.Comune, in.Service, in.Outcome)
	}
	a.m.ObserveAudit(outcome, time.Since(start))
	return existing, err
}

// observedAuthz counts the queries refused for a used-up daily quota.
type observedAuthz struct {
	activities.QueryAuthorizer
	m *telemetry.Metrics
}

func (a observedAuthz) AuthorizeQuery(ctx context.Context, userID int64, comune, service string, day time.Time) (rbac.Decision, error) {
	d, err := a.QueryAuthorizer.AuthorizeQuery(ctx, userID, comune, service, day)
	if err == nil && d.Reason == rbac.ReasonQuotaExceeded {
		a.m.CountQuotaDenial(comune, service)
	}
	return d, err
}

// observedPauses counts the pauses after ANPR's 429 LimitExceeded.
type observedPauses struct {
	anpr.PauseStore
	m *telemetry.Metrics
}

func (p observedPauses) Pause(ctx context.Context, key string, until time.Time) error {
	p.m.CountQuotaPause()
	return p.PauseStore.Pause(ctx, key, until)
}
