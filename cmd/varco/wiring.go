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
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/codec"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/edkeys"
	"github.com/varco-anpr/varco/internal/seal"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/telemetry"
	"github.com/varco-anpr/varco/internal/temporalauth"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workers"
	"github.com/varco-anpr/varco/workflows"
)

// keys are the decoded secrets of the configuration.
type keys struct {
	codec   *codec.Codec // the key ring: bind it to a namespace (converter) before use
	tokens  *auth.Tokens
	subject []byte
	box     *secretbox.Box
	signer  *auditlog.Signer
	sealer  *seal.Signer   // nil in a worker that holds only the public seal keys
	seals   *seal.Verifier // the worker's check of every workflow input
	// temporal signs this process's tokens for Temporal's frontend, the operator's and the
	// Web UI's: the frontend trusts its public key and nothing else.
	temporal    *temporalauth.Minter
	temporalKey *ecdsa.PrivateKey // the same key, for the Web UI's OpenID Provider
}

func loadKeys(cfg config.Config) (keys, error) {
	ck, err := config.Key("codec-key", cfg.CodecKey, codec.KeySize)
	if err != nil {
		return keys{}, err
	}
	ring, err := codec.ParseKeys(cfg.CodecRetired)
	if err != nil {
		return keys{}, fmt.Errorf("codec-retired-keys: %w", err)
	}
	if _, dup := ring[cfg.CodecKeyID]; dup {
		return keys{}, fmt.Errorf("codec-retired-keys: id %q is the codec key's own", cfg.CodecKeyID)
	}
	ring[cfg.CodecKeyID] = ck[:codec.KeySize]
	c, err := codec.New(cfg.CodecKeyID, ring)
	if err != nil {
		return keys{}, err
	}
	tokens, err := loadTokens(cfg)
	if err != nil {
		return keys{}, err
	}
	sk, err := config.Key("subject-key", cfg.SubjectKey, 32)
	if err != nil {
		return keys{}, err
	}
	box, err := loadBox(cfg)
	if err != nil {
		return keys{}, err
	}
	signer, err := loadAuditSigner(cfg)
	if err != nil {
		return keys{}, err
	}
	sealer, seals, err := loadSealKeys(cfg)
	if err != nil {
		return keys{}, err
	}
	tkey, minter, err := loadTemporalKey(cfg)
	if err != nil {
		return keys{}, err
	}
	return keys{codec: c, tokens: tokens, subject: sk, box: box, signer: signer, sealer: sealer, seals: seals,
		temporal: minter, temporalKey: tkey}, nil
}

// loadAuditSigner reads the audit signing key and the public keys of the ones it replaced.
func loadAuditSigner(cfg config.Config) (*auditlog.Signer, error) {
	ak, err := config.Key("audit-key", cfg.AuditKey, 32)
	if err != nil {
		return nil, err
	}
	signer, err := auditlog.NewSigner(ak[:32], cfg.AuditKeyID)
	if err != nil {
		return nil, err
	}
	if err := signer.Retire(cfg.AuditRetired); err != nil {
		return nil, fmt.Errorf("audit-retired-keys: %w", err)
	}
	return signer, nil
}

// loadTokens reads the key of the API's access tokens: nil without one (a worker issues none;
// the API requires it).
func loadTokens(cfg config.Config) (*auth.Tokens, error) {
	if cfg.TokenKey == "" {
		return nil, nil
	}
	tk, err := config.Key("token-key", cfg.TokenKey, 32)
	if err != nil {
		return nil, err
	}
	return auth.NewTokens(tk, cfg.TokenTTL, nil)
}

// loadBox reads the key sealing the Comuni's PDND private keys: nil without one (the API never
// opens them; the worker and the operator's commands require it).
func loadBox(cfg config.Config) (*secretbox.Box, error) {
	if cfg.SecretsKey == "" {
		return nil, nil
	}
	xk, err := config.Key("secrets-key", cfg.SecretsKey, 32)
	if err != nil {
		return nil, err
	}
	return secretbox.New(xk[:32])
}

// requireBox is loadBox for those who open or seal PDND private keys.
func requireBox(cfg config.Config) (*secretbox.Box, error) {
	if cfg.SecretsKey == "" {
		return nil, fmt.Errorf("secrets-key: required (set %s)", config.EnvName("secrets-key"))
	}
	return loadBox(cfg)
}

// loadTemporalKey reads the key signing the tokens Temporal's frontend accepts.
func loadTemporalKey(cfg config.Config) (*ecdsa.PrivateKey, *temporalauth.Minter, error) {
	if cfg.TemporalJWTKey == "" {
		return nil, nil, fmt.Errorf("temporal-jwt-key: required (set %s; varco dev generates one)", config.EnvName("temporal-jwt-key"))
	}
	k, err := temporalauth.ParsePrivateKey(cfg.TemporalJWTKey)
	if err != nil {
		return nil, nil, fmt.Errorf("temporal-jwt-key: %w", err)
	}
	m, err := temporalauth.NewMinter(k, cfg.TemporalJWTKID, cfg.Issuer())
	if err != nil {
		return nil, nil, fmt.Errorf("temporal-jwt-key: %w", err)
	}
	return k, m, nil
}

// oidcConfig is the Web UI's OpenID Provider, when a UI is configured and has a client
// secret: otherwise Varco offers no UI sign-in.
func oidcConfig(cfg config.Config, k keys) *api.OIDC {
	ui := uiURL(cfg)
	if ui == "" || cfg.UIClientSecret == "" {
		return nil
	}
	return &api.OIDC{
		Issuer: cfg.Issuer(), Key: k.temporalKey, KeyID: cfg.TemporalJWTKID,
		ClientSecret: cfg.UIClientSecret, UIURL: ui, TokenTTL: cfg.TokenTTL,
	}
}

// serviceTokenTTL is the lifetime of the tokens Varco's processes mint for themselves: short,
// since nothing revokes them, and renewed by the headers provider well before it ends.
const serviceTokenTTL = 10 * time.Minute

// serviceSubject names this process to Temporal (the principal in its audit of calls).
func serviceSubject() string {
	h, _ := os.Hostname()
	return "varco-service@" + h
}

// loadSealKeys reads the API's seal key (optional for a worker) and the public keys a worker
// accepts: the seal key's own plus seal-public-keys.
func loadSealKeys(cfg config.Config) (*seal.Signer, *seal.Verifier, error) {
	pubs, err := edkeys.Parse(cfg.SealPublicKeys)
	if err != nil {
		return nil, nil, fmt.Errorf("seal-public-keys: %w", err)
	}
	var sealer *seal.Signer
	if cfg.SealKey != "" {
		seed, err := config.Key("seal-key", cfg.SealKey, 32)
		if err != nil {
			return nil, nil, err
		}
		if sealer, err = seal.NewSigner(seed[:32], cfg.SealKeyID); err != nil {
			return nil, nil, fmt.Errorf("seal-key: %w", err)
		}
		id, pub := sealer.Public()
		if _, dup := pubs[id]; dup {
			return nil, nil, fmt.Errorf("seal-public-keys: id %q is the seal key's own", id)
		}
		pubs[id] = pub
	}
	if len(pubs) == 0 {
		return nil, nil, fmt.Errorf("seal-key: required (set %s, or %s on a worker)", config.EnvName("seal-key"), config.EnvName("seal-public-keys"))
	}
	seals, err := seal.NewVerifier(pubs)
	return sealer, seals, err
}

// converter is the data converter of one namespace: payloads bound to it, and only
// encrypted ones accepted (a hand-written plain input is refused, never decoded).
func (k keys) converter(ns string) (converter.DataConverter, error) {
	c, err := k.codec.ForNamespace(ns)
	if err != nil {
		return nil, err
	}
	return c.Strict().DataConverter(), nil
}

func openStore(ctx context.Context, cfg config.Config, migrate bool) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.Database())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if migrate {
		if err := db.Migrate(ctx); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("migrate database: %w", err)
		}
	}
	return db, nil
}

// dialObserved connects with the encrypting data converter (nothing this client sends or reads
// is stored in clear in Temporal), o's SDK metrics handler and tracing interceptor (nil: none).
func dialObserved(ctx context.Context, cfg config.Config, k keys, o *observability, log *slog.Logger) (client.Client, error) {
	opts, err := clientOptions(cfg, k, log)
	if err != nil {
		return nil, err
	}
	o.instrument(&opts)
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s: %w", cfg.TemporalAddr, err)
	}
	return c, nil
}

// clientOptions are every Temporal client's options: the encrypting converter of the system
// namespace and a quiet logger. Namespace clients copy them with their own converter.
func clientOptions(cfg config.Config, k keys, log *slog.Logger) (client.Options, error) {
	quiet := slog.New(log.Handler()).With("component", "temporal-sdk")
	dc, err := k.converter(cfg.Namespace)
	if err != nil {
		return client.Options{}, err
	}
	return client.Options{
		HostPort:      cfg.TemporalAddr,
		Namespace:     cfg.Namespace,
		DataConverter: dc,
		Logger:        tlog.NewStructuredLogger(levelAtLeast(quiet, slog.LevelWarn)),
		// Varco administers its Temporal: it registers each new Comune's namespace and its
		// search attributes, which takes the cluster admin role.
		HeadersProvider:   temporalauth.NewHeadersProvider(k.temporal, serviceSubject(), []string{temporalauth.SystemAdmin}, serviceTokenTTL),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: grpcCompression(cfg.TemporalAddr)},
	}, nil
}

// grpcCompression turns the SDK's default gzip off towards a server on this machine (`varco
// dev`): there is no network to save, payloads are encrypted and do not compress, and gzip
// on both sides was ~6 % of the query path's CPU (docs/performance.md).
func grpcCompression(addr string) client.GrpcCompression {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err == nil && (host == "localhost" || ip != nil && ip.IsLoopback()) {
		return &client.GrpcCompressionNone{}
	}
	return &client.GrpcCompressionGzip{}
}

// newManager keeps one client (and, with activities, one worker) per Comune namespace, each
// with its namespace's converter.
func newManager(cfg config.Config, k keys, base client.Client, acts *activities.Activities, log *slog.Logger) (*workers.Manager, error) {
	opts, err := clientOptions(cfg, k, log)
	if err != nil {
		return nil, err
	}
	return &workers.Manager{Base: base, Options: opts, Converter: k.converter, Activities: acts, Log: log}, nil
}

// uiURL is the Temporal Web UI's address: configured, or the embedded one of `varco dev`.
func uiURL(cfg config.Config) string {
	if cfg.TemporalUIURL != "" {
		return strings.TrimSuffix(cfg.TemporalUIURL, "/")
	}
	if cfg.TemporalUIPort == 0 {
		return ""
	}
	return fmt.Sprintf("http://127.0.0.1:%d", cfg.TemporalUIPort)
}

// simulatorURL is where the simulator answers, as configured.
func simulatorURL(cfg config.Config) string { return "http://" + cfg.SimulatorAddr }

// simulatorEndpoints are the simulator's PDND and ANPR endpoints, for Comuni in the
// "simulator" environment, wherever the simulator runs.
func simulatorEndpoints(cfg config.Config) activities.Endpoints {
	return catalogue.EndpointsAt(simulatorURL(cfg))
}

// pauseRecheck is how often a worker rereads a (client, purpose) pair's quota pause from the
// database: another worker's pause stops this one's calls within it.
const pauseRecheck = time.Second

// newActivities wires the activities; o (nil: none) adds their metrics and the ANPR spans.
func newActivities(cfg config.Config, db *store.DB, az *rbac.Authorizer, k keys, o *observability, log *slog.Logger) (*activities.Activities, error) {
	hc, err := anprTransport(cfg)
	if err != nil {
		return nil, err
	}
	acts := &activities.Activities{
		Authz: az,
		// One 429 LimitExceeded pauses the pair on every worker sharing the database.
		// Its log lines carry the request id and the trace id of the activity calling.
		ANPR: anpr.NewClient(o.anprClientOptions(anpr.Options{Logger: telemetry.WithContextIDs(log),
			Pauses: anpr.NewCachedPauses(o.countPauses(store.AnprPauses{DB: db}), pauseRecheck, nil)})),
		Profiles:  &activities.StoreProfiles{DB: db, Simulator: simulatorEndpoints(cfg), Keys: k.box, HTTPClient: hc},
		Audit:     &auditlog.Writer{DB: db, SubjectKey: k.subject, Sealer: k.box, Signer: k.signer},
		Retention: auditlog.Retention{DB: db, Signer: k.signer},
		Directory: activities.StoreDirectory{DB: db},
		Seals:     k.seals,
		Claims:    store.RequestClaims{DB: db},
		Batch: &activities.Batch{Store: store.Batches{DB: db}, Seals: k.seals, Results: k.codec,
			Settings: workflows.BatchSettings{Concurrency: cfg.BatchConcurrency, RunSize: cfg.BatchRunSize, Recheck: cfg.BatchRecheck}},
	}
	o.observeActivities(acts)
	return acts, nil
}

// anprTransport trusts the system roots plus the configured CA bundle (ANPR collaudo's
// certificate is issued by a private CA), with verification always on.
func anprTransport(cfg config.Config) (*http.Client, error) {
	var bundle []byte
	if cfg.ANPRCABundle != "" {
		b, err := os.ReadFile(cfg.ANPRCABundle)
		if err != nil {
			return nil, fmt.Errorf("anpr-ca-bundle: %w", err)
		}
		bundle = b
	}
	hc, err := anpr.NewTLSClient(bundle, anpr.DefaultTimeout)
	if err != nil {
		return nil, fmt.Errorf("anpr-ca-bundle: %w", err)
	}
	return hc, nil
}

// comuneCodes lists the Comuni registered in Varco.
func comuneCodes(ctx context.Context, db *store.DB) ([]string, error) {
	comuni, err := store.ListComuni(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("list comuni: %w", err)
	}
	codes := make([]string, len(comuni))
	for i, c := range comuni {
		codes[i] = c.Code
	}
	return codes, nil
}

// startSystem registers the system namespace (a fresh cluster has none; on `varco dev` it
// exists), runs its worker and makes sure the daily audit retention schedule exists there.
func startSystem(ctx context.Context, c client.Client, ns string, acts *activities.Activities) (worker.Worker, error) {
	if err := workers.RegisterNamespace(ctx, c, ns, 0); err != nil {
		return nil, err
	}
	w := workers.NewSystem(c, acts)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start system worker: %w", err)
	}
	if err := ensureRetentionSchedule(ctx, c); err != nil {
		w.Stop()
		return nil, err
	}
	return w, nil
}

// ensureRetentionSchedule retries while a namespace just registered is not yet in the
// frontend's namespace cache (refreshed every few seconds on a cluster).
func ensureRetentionSchedule(ctx context.Context, c client.Client) error {
	for try := 0; ; try++ {
		err := workers.EnsureRetentionSchedule(ctx, c)
		var nf *serviceerror.NamespaceNotFound
		if err == nil || !errors.As(err, &nf) || try == 30 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// sealer seals a Comune's private key for storage.
func sealer(box *secretbox.Box) func(comune string, pemText []byte) (string, error) {
	return func(comune string, pemText []byte) (string, error) {
		return box.Seal(activities.KeyPurpose(comune), pemText)
	}
}

// levelAtLeast wraps a logger so that it drops records below min.
func levelAtLeast(l *slog.Logger, min slog.Level) *slog.Logger {
	return slog.New(minLevel{l.Handler(), min})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(a []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(a), m.min}
}
func (m minLevel) WithGroup(g string) slog.Handler { return minLevel{m.Handler.WithGroup(g), m.min} }

func shutdownCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}
