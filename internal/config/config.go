// Package config is Varco's one configuration struct: read from flags and VARCO_* environment
// variables (a flag wins over its variable), validated at start and printed with secrets hidden.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of every subcommand. Fields tagged secret are never printed.
type Config struct {
	DataDir        string        `flag:"data-dir" help:"directory for SQLite files and generated dev secrets" group:"common"`
	DatabaseURL    string        `flag:"database-url" help:"sqlite:<path> or postgres://... (default sqlite in data-dir)" group:"database" secret:"url"`
	APIAddr        string        `flag:"api-addr" help:"address the HTTP API listens on" group:"http"`
	TemporalAddr   string        `flag:"temporal-addr" help:"Temporal frontend host:port (dev: where the embedded server listens)" group:"temporal"`
	TemporalUIPort int           `flag:"temporal-ui-port" help:"embedded Temporal Web UI port (dev only; 0 disables)" group:"embedded"`
	Namespace      string        `flag:"namespace" help:"Temporal system namespace (each Comune has its own, comune-<code>)" group:"temporal"`
	TemporalUIURL  string        `flag:"temporal-ui-url" help:"URL of the Temporal Web UI, allowed to call the codec endpoint (dev: derived from temporal-ui-port)" group:"http"`
	SimulatorAddr  string        `flag:"simulator-addr" help:"address the ANPR/PDND simulator listens on" group:"simulator,anpr"`
	SimulatorSeed  int64         `flag:"simulator-seed" help:"seed of the simulator's synthetic population" group:"simulator"`
	SimulatorSize  int           `flag:"simulator-population" help:"generated people in the simulator" group:"simulator"`
	SimAdminToken  string        `flag:"simulator-admin-token" help:"bearer token the simulator's /admin/* requires (empty: open)" group:"simulator" secret:"true"`
	SimDailyQuota  int           `flag:"simulator-daily-quota" help:"simulator calls per purpose per day before 429 LimitExceeded (0: unlimited)" group:"simulator"`
	SimFaults      string        `flag:"simulator-faults" help:"JSON file of faults the simulator injects from the start" group:"simulator"`
	SimSandbox     bool          `flag:"simulator-sandbox" help:"simulator explains malformed requests precisely and refuses unknown fields (the real gateway does neither)" group:"simulator"`
	SimClients     string        `flag:"simulator-register-client" help:"comma-separated JSON files of PDND clients to register in the simulator" group:"simulator"`
	CodecKey       string        `flag:"codec-key" help:"base64 AES-256 key encrypting Temporal payloads" group:"payload" secret:"true"`
	CodecKeyID     string        `flag:"codec-key-id" help:"id of the codec key, stored with each payload" group:"payload"`
	CodecRetired   string        `flag:"codec-retired-keys" help:"comma-separated <key id>=<base64 key> of earlier codec keys: they still decrypt the history they encrypted, the codec key alone encrypts" secret:"true" group:"payload"`
	TokenKey       string        `flag:"token-key" help:"base64 key (>=32 bytes) signing API access tokens" group:"http" secret:"true"`
	SubjectKey     string        `flag:"subject-key" help:"base64 key (>=32 bytes) of the audit's subject hash" group:"payload" secret:"true"`
	AuditKey       string        `flag:"audit-key" help:"base64 32-byte seed of the Ed25519 key signing the audit's checkpoints" group:"audit-signing" secret:"true"`
	AuditKeyID     string        `flag:"audit-key-id" help:"id of the audit signing key, stored with each checkpoint" group:"audit-signing"`
	AuditRetired   string        `flag:"audit-retired-keys" help:"comma-separated <key id>=<base64 public key> of earlier audit signing keys (printed by varco audit key), so their checkpoints verify after a rotation" group:"audit-signing"`
	SealKey        string        `flag:"seal-key" help:"base64 32-byte seed of the Ed25519 key with which the API seals every workflow input it authenticated (api and dev; a worker may hold only the public key)" group:"payload" secret:"true"`
	SealKeyID      string        `flag:"seal-key-id" help:"id of the seal key, written in each seal" group:"payload"`
	SealPublicKeys string        `flag:"seal-public-keys" help:"comma-separated <key id>=<base64 public key> of seal keys the worker accepts besides seal-key's own (printed by varco seal key): a worker without the private key, or the previous key during a rotation" group:"payload"`
	TemporalJWTKey string        `flag:"temporal-jwt-key" help:"base64 PKCS#8 ECDSA P-256 key signing the ES256 JWTs Temporal's frontend accepts: Varco's own processes, the operator's admin token and the Web UI's sign-in (its public key is served at <oidc-issuer>/keys)" group:"temporal" secret:"true"`
	TemporalJWTKID string        `flag:"temporal-jwt-key-id" help:"id (kid) of temporal-jwt-key, in each token's header and in the JWKS" group:"temporal"`
	OIDCIssuer     string        `flag:"oidc-issuer" help:"URL of Varco's OpenID Provider for the Temporal Web UI, as browsers reach it (default http://<api-addr>/oidc)" group:"temporal"`
	UIClientSecret string        `flag:"temporal-ui-client-secret" help:"OIDC client secret of the Temporal Web UI (client id temporal-ui)" group:"http" secret:"true"`
	SecretsKey     string        `flag:"secrets-key" help:"base64 AES-256 key sealing the Comuni's PDND private keys in the database" group:"secrets" secret:"true"`
	DemoPassword   string        `flag:"demo-password" help:"password of the demo users seeded by varco dev" group:"demo" secret:"true"`
	ANPRCABundle   string        `flag:"anpr-ca-bundle" help:"PEM file of extra CAs trusted for ANPR (collaudo's private CA), besides the system roots" group:"anpr"`
	RequestTimeout time.Duration `flag:"request-timeout" help:"deadline of one ANPR request (call and retries)" group:"http"`
	DrainDelay     time.Duration `flag:"drain-delay" help:"at SIGTERM, how long readiness answers 503 draining while the API still serves, before it stops accepting (set to the load balancer's probe period, e.g. 5s)" group:"http"`
	TokenTTL       time.Duration `flag:"token-ttl" help:"lifetime of API access tokens" group:"http"`
	CallMode       string        `flag:"call-mode" help:"how CallANPR runs: local or regular activity" group:"http"`
	LogLevel       string        `flag:"log-level" help:"debug, info, warn or error" group:"common"`
	LogFormat      string        `flag:"log-format" help:"text or json" group:"common"`
	MetricsAddr    string        `flag:"metrics-addr" help:"address of the Prometheus /metrics listener, apart from the API's port (empty: none)" group:"observability"`
	OTLPEndpoint   string        `flag:"otlp-endpoint" help:"OTLP/gRPC collector URL receiving traces, e.g. http://otel-collector:4317 (empty: no exporter)" group:"observability"`
	AuditPublic    string        `flag:"audit-public-keys" help:"comma-separated <key id>=<base64 public key> of the audit signing keys whose checkpoints to accept, current and retired (printed by varco audit key); default in a dev data-dir: its own key" group:"audit-public"`

	// Batch queries (issue 16).
	BatchConcurrency int           `flag:"batch-concurrency" help:"subjects of one Comune and e-service a worker queries at once for batch queries" group:"batch"`
	BatchRunSize     int           `flag:"batch-run-size" help:"subjects a batch workflow handles before it continues as new (bounds its history)" group:"batch"`
	BatchRecheck     time.Duration `flag:"batch-quota-recheck" help:"how often a batch waiting for a quota or an ANPR pause checks again (it waits at most until the pause ends)" group:"batch"`
	BatchRetention   time.Duration `flag:"batch-retention" help:"how long a batch's encrypted results are kept before the daily retention purges them" group:"batch"`

	// groups are the groups Load registered; nil means every one.
	groups map[Group]bool
}

// Defaults are what `varco dev` runs with when nothing is set.
func Defaults() Config {
	return Config{
		DataDir:        ".varco",
		APIAddr:        "127.0.0.1:8080",
		TemporalAddr:   "127.0.0.1:7233",
		TemporalUIPort: 8233,
		Namespace:      "default",
		SimulatorAddr:  "127.0.0.1:8089",
		SimulatorSeed:  1,
		SimulatorSize:  10000,
		CodecKeyID:     "k1",
		AuditKeyID:     "a1",
		SealKeyID:      "s1",
		TemporalJWTKID: "t1",
		DemoPassword:   "demo",
		RequestTimeout: 10 * time.Second,
		TokenTTL:       15 * time.Minute,
		CallMode:       "local",
		LogLevel:       "info",
		LogFormat:      "text",

		BatchConcurrency: 8,
		BatchRunSize:     1000,
		BatchRecheck:     10 * time.Minute,
		BatchRetention:   7 * 24 * time.Hour,
	}
}

// Load fills cfg from the environment, then from args parsed by fs: the settings of groups
// (every setting when none is named). It does not validate.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string, groups ...Group) (Config, error) {
	cfg, err := Bind(fs, getenv, groups...)
	if err != nil {
		return Config{}, err
	}
	if err := fs.Parse(args); err != nil {
		return *cfg, err
	}
	return *cfg, nil
}

// Bind registers on fs the flags of the settings of groups (every setting when none is named),
// after reading their VARCO_* variables: parsing fs then fills the returned Config, where a flag
// wins over its variable. Settings of other groups keep their defaults and are neither read,
// validated nor printed.
func Bind(fs *flag.FlagSet, getenv func(string) string, groups ...Group) (*Config, error) {
	cfg := Defaults()
	cfg.groups = groupSet(groups)
	v := reflect.ValueOf(&cfg).Elem()
	for _, s := range settings() {
		if !cfg.uses(s) {
			continue
		}
		if env := getenv(EnvName(s.flag)); env != "" {
			if err := set(v.Field(s.index), env); err != nil {
				return nil, fmt.Errorf("%s: %w", EnvName(s.flag), err)
			}
		}
	}
	// Register after reading the environment, so the usage shows the effective defaults.
	for _, s := range settings() {
		if cfg.uses(s) {
			fs.Var(fieldValue{v.Field(s.index)}, s.flag, s.help+" (env "+EnvName(s.flag)+")")
		}
	}
	return &cfg, nil
}

// EnvName is the environment variable of a flag: data-dir → VARCO_DATA_DIR.
func EnvName(flagName string) string {
	return "VARCO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

type fieldValue struct{ v reflect.Value }

func (f fieldValue) String() string {
	if !f.v.IsValid() {
		return ""
	}
	return fmt.Sprint(f.v.Interface())
}
func (f fieldValue) Set(s string) error { return set(f.v, s) }

// Type names the value in -h (string, int, duration), as the flag package's own values do.
func (f fieldValue) Type() string {
	if f.v.Type() == reflect.TypeFor[time.Duration]() {
		return "duration"
	}
	return f.v.Kind().String()
}

func set(v reflect.Value, s string) error {
	switch v.Interface().(type) {
	case string:
		v.SetString(s)
	case int, int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", s)
		}
		v.SetInt(n)
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("not a duration: %q", s)
		}
		v.SetInt(int64(d))
	default:
		return fmt.Errorf("unsupported config field type %s", v.Type())
	}
	return nil
}

// Validate checks the settings of the groups the configuration was loaded with; secrets are
// checked where they are decoded (Key).
func (c *Config) Validate() error {
	var errs []error
	addrs := []struct {
		g          Group
		name, addr string
	}{{GroupHTTP, "api-addr", c.APIAddr}, {GroupTemporal, "temporal-addr", c.TemporalAddr},
		{GroupSimulator, "simulator-addr", c.SimulatorAddr}, {GroupANPR, "simulator-addr", c.SimulatorAddr}}
	for _, a := range addrs {
		if !c.has(a.g) {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", a.name, err))
		}
	}
	if c.has(GroupObservability) {
		errs = append(errs, c.validateObservability()...)
	}
	if c.has(GroupHTTP) {
		errs = append(errs, c.validateHTTP()...)
	}
	if c.has(GroupBatch) {
		errs = append(errs, c.validateBatch()...)
	}
	if c.has(GroupCommon) {
		if _, err := c.Level(); err != nil {
			errs = append(errs, err)
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			errs = append(errs, errors.New("log-format: text or json"))
		}
	}
	if c.has(GroupTemporal) {
		if c.Namespace == "" {
			errs = append(errs, errors.New("namespace: required"))
		}
		if u, err := url.Parse(c.Issuer()); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path == "" {
			errs = append(errs, errors.New("oidc-issuer: an http(s) URL with a path, e.g. https://varco.example.it/oidc"))
		}
	}
	return errors.Join(dedup(errs)...)
}

func (c *Config) validateHTTP() []error {
	var errs []error
	if c.RequestTimeout < time.Second || c.RequestTimeout > 5*time.Minute {
		errs = append(errs, errors.New("request-timeout: between 1s and 5m"))
	}
	if c.DrainDelay < 0 || c.DrainDelay > time.Minute {
		errs = append(errs, errors.New("drain-delay: between 0s and 1m"))
	}
	if c.TokenTTL < time.Minute || c.TokenTTL > 24*time.Hour {
		errs = append(errs, errors.New("token-ttl: between 1m and 24h"))
	}
	if c.CallMode != "local" && c.CallMode != "regular" {
		errs = append(errs, errors.New("call-mode: local or regular"))
	}
	if u, err := url.Parse(c.TemporalUIURL); c.TemporalUIURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		errs = append(errs, errors.New("temporal-ui-url: an absolute http(s) URL"))
	}
	return errs
}

func (c *Config) validateObservability() []error {
	var errs []error
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("metrics-addr: %w", err))
		} else if c.has(GroupHTTP) && c.MetricsAddr == c.APIAddr {
			errs = append(errs, errors.New("metrics-addr: must differ from api-addr (/metrics is not served on the public port)"))
		}
	}
	if u, err := url.Parse(c.OTLPEndpoint); c.OTLPEndpoint != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		errs = append(errs, errors.New("otlp-endpoint: an http(s) URL such as http://otel-collector:4317"))
	}
	return errs
}

func (c *Config) validateBatch() []error {
	var errs []error
	if c.BatchConcurrency < 1 || c.BatchConcurrency > 64 {
		errs = append(errs, errors.New("batch-concurrency: between 1 and 64"))
	}
	if c.BatchRunSize < 50 || c.BatchRunSize > 5000 {
		errs = append(errs, errors.New("batch-run-size: between 50 and 5000"))
	}
	if c.BatchRecheck < time.Second || c.BatchRecheck > 24*time.Hour {
		errs = append(errs, errors.New("batch-quota-recheck: between 1s and 24h"))
	}
	if c.BatchRetention < time.Hour || c.BatchRetention > 366*24*time.Hour {
		errs = append(errs, errors.New("batch-retention: between 1h and 366 days"))
	}
	return errs
}

// dedup drops repeated messages (simulator-addr is in two groups).
func dedup(errs []error) []error {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return out
}

// Issuer is the OpenID Provider's issuer URL, without a trailing slash.
func (c *Config) Issuer() string {
	if c.OIDCIssuer != "" {
		return strings.TrimSuffix(c.OIDCIssuer, "/")
	}
	return "http://" + c.APIAddr + "/oidc"
}

// Level is the slog level of LogLevel.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("log-level: %w", err)
	}
	return l, nil
}

// Database is the database DSN, defaulting to a SQLite file in the data directory.
func (c *Config) Database() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return "sqlite:" + filepath.Join(c.DataDir, "varco.db")
}

// Key decodes a base64 secret of at least min bytes.
func Key(name, b64 string, min int) ([]byte, error) {
	if b64 == "" {
		return nil, fmt.Errorf("%s: required (set %s)", name, EnvName(name))
	}
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("%s: not base64", name)
	}
	if len(k) < min {
		return nil, fmt.Errorf("%s: %d bytes, want at least %d", name, len(k), min)
	}
	return k, nil
}

// Redacted returns the settings the configuration was loaded with as ordered key/value
// pairs for logging, secrets hidden.
func (c Config) Redacted() []any {
	v := reflect.ValueOf(c)
	var out []any
	for _, s := range settings() {
		if !c.uses(s) {
			continue
		}
		f := v.Type().Field(s.index)
		val := fmt.Sprint(v.Field(s.index).Interface())
		switch f.Tag.Get("secret") {
		case "true":
			if val != "" {
				val = "[redacted]"
			}
		case "url":
			val = redactURL(val)
		}
		out = append(out, s.flag, val)
	}
	return out
}

// redactURL hides a password in a DSN such as postgres://user:pw@host/db.
func redactURL(s string) string {
	at := strings.LastIndex(s, "@")
	scheme := strings.Index(s, "://")
	if at < 0 || scheme < 0 {
		return s
	}
	userinfo := s[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return s[:scheme+3] + userinfo[:i] + ":[redacted]" + s[at:]
	}
	return s
}

// Getenv is os.Getenv, named for injection in tests.
var Getenv = os.Getenv
