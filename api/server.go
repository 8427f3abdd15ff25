// Package api serves Varco's HTTP API with Fiber: authentication, the synchronous ANPR query
// (which starts an AnprQuery workflow and waits for it), request outcomes, the audit and the
// OpenAPI document. It starts workflows and never calls ANPR itself (a test checks it).
package api

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/codec"
	"github.com/varco-anpr/varco/internal/seal"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

// maxBody bounds every request body: a query is a few hundred bytes.
const maxBody = 64 * 1024

// Clients gives the Temporal client of a Comune's namespace (workers.Manager).
type Clients interface {
	Client(comune string) (client.Client, error)
	Comuni() []string
}

// Deps are what the API needs; cmd/varco wires them.
type Deps struct {
	DB       *store.DB
	Temporal client.Client // the connection, for health checks
	Clients  Clients       // one client per Comune namespace
	// Codec decrypts payloads for the Web UI's codec endpoint; UIOrigin is the Web UI's
	// origin (CORS) and UIURL where the sign-in page sends people afterwards.
	Codec *codec.Codec // the key ring; each request uses its namespace's codec
	// Sealer seals every query's workflow input (internal/seal); without it the API starts no
	// workflow, for the worker would refuse it.
	Sealer   *seal.Signer
	UIOrigin string
	UIURL    string
	// Authz decides every question of who may do what: queries run it in the worker, the API
	// asks it for audit scopes, roles and admin decisions, so both follow the same rules.
	Authz          *rbac.Authorizer
	Tokens         *auth.Tokens
	Logger         *slog.Logger
	RequestTimeout time.Duration
	Namespace      string
	CallMode       workflows.CallMode
	Now            clock.Clock // every time-based decision of the API reads it
	// SubjectKey keys the audit's subject hashes: GET /api/v1/audit?subject= needs it.
	SubjectKey []byte
	// AuditSigner checks the audit's signed checkpoints: GET /api/v1/audit/verify needs it.
	AuditSigner *auditlog.Signer
	// OIDC makes Varco the Temporal Web UI's OpenID Provider; nil serves none.
	OIDC *OIDC
	// RateLimit is how many requests a credential (or, before sign-in, an address) may make
	// under /api/v1 in a minute; zero means DefaultRateLimit.
	RateLimit int
	// SessionUser names the user of the request's web-console session, if it has a live one:
	// the Web UI's sign-in then asks for no password (console.Console.UserOf).
	SessionUser func(c *fiber.Ctx) (userID int64, ok bool)
	// BatchRetention is how long a batch's results are kept (DefaultBatchRetention if zero).
	BatchRetention time.Duration
	// NoEagerStart turns eager workflow start off; only the benchmark comparing the variants sets it.
	NoEagerStart bool
	// Metrics records every request by route pattern and status; nil records nothing.
	Metrics HTTPMetrics
	// Tracing gives the request's server span; nil is a no-op provider, which still carries an
	// integrator's traceparent to the workflow.
	Tracing trace.TracerProvider
}

// Server is the HTTP API.
type Server struct {
	Deps
	app     *fiber.App
	log     *slog.Logger
	oidc    *oidcProvider
	metrics HTTPMetrics
	tracer  trace.Tracer
	// untraced: the provider records nothing, so only a request with a traceparent gets a
	// (non-recording) span, to carry the integrator's trace to the workflow.
	untraced bool
	// draining is set by Drain at shutdown: readiness then answers 503 while the requests in
	// flight, and those a load balancer still sends, are served.
	draining atomic.Bool
}

// New builds the Fiber app with every route registered.
func New(d Deps) *Server {
	if d.Now == nil {
		d.Now = clock.System
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{Deps: d, log: d.Logger, metrics: d.Metrics}
	s.tracer, s.untraced = tracerOf(d.Tracing)
	if s.metrics == nil {
		s.metrics = noMetrics{}
	}
	s.app = fiber.New(fiber.Config{
		AppName:               "varco",
		BodyLimit:             maxBatchBody, // limitBody keeps every other route to maxBody
		DisableStartupMessage: true,
		ErrorHandler:          s.errorHandler,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          d.RequestTimeout + 30*time.Second,
		IdleTimeout:           2 * time.Minute,
	})
	s.app.Use(recover.New())
	s.app.Use(inProcessContext)
	s.app.Use(s.traceRequest)
	s.app.Use(s.accessLog)
	s.app.Use(limitBody)
	s.routes()
	return s
}

// App exposes the Fiber app (tests, and Listen in cmd/varco).
func (s *Server) App() *fiber.App { return s.app }

// Listen serves on addr until Shutdown.
func (s *Server) Listen(addr string) error { return s.app.Listen(addr) }

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.app.ShutdownWithContext(ctx) }

// accessLog logs each request by its route pattern: paths and bodies may hold identifiers.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			return herr
		}
	}
	elapsed, status, route := time.Since(start), c.Response().StatusCode(), c.Route().Path
	s.metrics.ObserveHTTP(route, methodName(c), status, elapsed)
	s.log.Info("http",
		"method", c.Method(), "route", route, "status", status,
		"ms", elapsed.Milliseconds(), "requestId", requestIDOf(c), "traceId", traceIDOf(c))
	return nil
}
