// Package devtemporal runs a real Temporal server in-process, persisted in one SQLite file,
// with its Web UI: what `varco dev` and the integration tests use instead of a cluster.
//
// It is the only package that imports go.temporal.io/server, so that only the binary and the
// integration tests pay for its build. Settings come from measurements (docs/performance.md):
// four history shards, the request path's task processors polled far faster than the
// dev-server defaults (which add latency in 50 ms steps) and visibility slower, so that a
// query's workflow is written to visibility once; WAL on the SQLite files, visibility in a file
// of its own; and search attributes registered with the namespace before the first workflow
// needs them.
package devtemporal

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

const clusterName = "active"

// Options configure the embedded server. Zero ports are not allowed for the frontend and UI:
// they are what a person connects to.
type Options struct {
	IP               string // default 127.0.0.1
	Port             int    // frontend gRPC
	UIPort           int    // 0 disables the Web UI
	DatabaseFile     string // "" keeps everything in memory (tests)
	Namespaces       []string
	SearchAttributes []string // keyword search attributes registered on every namespace
	Retention        time.Duration
	CodecEndpoint    string // shown to the Web UI; "" for none
	Logger           *slog.Logger
	Auth             *Auth   // required: Temporal's authorizer and claim mapper are always on
	UISignIn         *SignIn // the Web UI's OpenID Provider; required with a UIPort
}

// Server is a running embedded Temporal server and Web UI.
type Server struct {
	srv      temporal.Server
	ui       *uiserver.Server
	opts     Options
	level    *slog.LevelVar
	hostPort string
	uiURL    string
}

// Start builds and starts the server; it returns once the frontend accepts calls.
func Start(o Options) (*Server, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	if err := checkFree(o.IP, o.Port, o.UIPort); err != nil {
		return nil, err
	}
	sqlCfg, err := o.sqlConfig()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(o.IP, 6)
	if err != nil {
		return nil, err
	}
	level := &slog.LevelVar{}
	level.Set(slog.LevelWarn)
	srv, err := temporal.NewServer(o.serverOptions(sqlCfg, ports, level)...)
	if err != nil {
		return nil, fmt.Errorf("build temporal server: %w", err)
	}
	s := &Server{srv: srv, opts: o, level: level, hostPort: net.JoinHostPort(o.IP, strconv.Itoa(o.Port))}
	if o.UIPort != 0 {
		s.uiURL = "http://" + net.JoinHostPort(o.IP, strconv.Itoa(o.UIPort))
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	return s, nil
}

func (o *Options) defaults() error {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.Port == 0 {
		return errors.New("devtemporal: frontend port required")
	}
	if len(o.Namespaces) == 0 {
		return errors.New("devtemporal: at least one namespace required")
	}
	if o.Retention == 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.UIPort != 0 && o.UISignIn == nil {
		return errors.New("devtemporal: the Web UI needs UISignIn: it never runs unauthenticated")
	}
	return o.Auth.validate()
}

// HostPort is the frontend address for SDK clients.
func (s *Server) HostPort() string { return s.hostPort }

// UIURL is the Web UI address, "" when disabled.
func (s *Server) UIURL() string { return s.uiURL }

// Stop stops the UI, then the server, silencing the shutdown warnings the server emits.
func (s *Server) Stop() {
	s.level.Set(slog.LevelError + 4)
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.srv.Stop()
}

// stores is where the server persists: the default store (histories, mutable state, task
// queues, namespaces), the visibility store (what the Web UI lists and filters), and the
// number of history shards.
type stores struct {
	main, visibility *config.SQL
	shards           int32
}

// historyShards: with one shard every workflow update of the process is serialised behind
// the shard's lock and its single task queues; four measured better at concurrency 32
// (docs/performance.md). The count is fixed when a database is created.
const historyShards = 4

// sqlConfig puts visibility in its own file beside the main one: SQLite has one writer per
// file, and each visibility write (a row, its indexes and full-text tables) held the only
// connection that the request path's history writes also need. A data directory created
// before the split (a main file and no visibility file) keeps its single file and its one
// shard: the shard count cannot change, and its workflows stay listed.
func (o *Options) sqlConfig() (stores, error) {
	if o.DatabaseFile == "" {
		cfg := &config.SQL{PluginName: sqliteplugin.PluginName, DatabaseName: "varco-" + strconv.FormatInt(time.Now().UnixNano(), 36),
			ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"}}
		return stores{main: cfg, visibility: cfg, shards: historyShards}, o.createNamespaces(cfg)
	}
	main := fileSQL(o.DatabaseFile)
	st := stores{main: main, visibility: fileSQL(VisibilityFile(o.DatabaseFile)), shards: historyShards}
	if legacyLayout(o.DatabaseFile) {
		st.visibility, st.shards = main, 1
	}
	for _, cfg := range []*config.SQL{st.main, st.visibility} {
		if err := o.setupSchema(cfg); err != nil {
			return st, err
		}
	}
	return st, o.createNamespaces(main)
}

// VisibilityFile is where the visibility store of db lives.
func VisibilityFile(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + "-visibility" + filepath.Ext(db)
}

func legacyLayout(db string) bool {
	_, errMain := os.Stat(db)
	_, errVis := os.Stat(VisibilityFile(db))
	return errMain == nil && errors.Is(errVis, os.ErrNotExist)
}

func fileSQL(name string) *config.SQL {
	return &config.SQL{PluginName: sqliteplugin.PluginName, DatabaseName: name,
		ConnectAttributes: map[string]string{"mode": "rwc", "journal_mode": "wal", "synchronous": "normal", "busy_timeout": "10000"}}
}

// setupSchema creates Temporal's tables in a fresh database file. (The SQLite plugin sets
// up an in-memory database by itself.)
func (o *Options) setupSchema(cfg *config.SQL) error {
	if _, err := os.Stat(cfg.DatabaseName); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DatabaseName), 0o700); err != nil {
		return fmt.Errorf("temporal data dir: %w", err)
	}
	if err := sqliteschema.SetupSchema(cfg); err != nil {
		return fmt.Errorf("temporal schema: %w", err)
	}
	return nil
}

func (o *Options) createNamespaces(cfg *config.SQL) error {
	sas := make(map[string]enumspb.IndexedValueType, len(o.SearchAttributes))
	for _, name := range o.SearchAttributes {
		sas[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	nss := make([]*sqliteschema.NamespaceConfig, 0, len(o.Namespaces))
	for _, name := range o.Namespaces {
		ns, err := sqliteschema.NewNamespaceConfig(clusterName, name, false, sas)
		if err != nil {
			return fmt.Errorf("namespace %s: %w", name, err)
		}
		ns.Detail.Config.Retention = durationpb.New(o.Retention)
		nss = append(nss, ns)
	}
	if err := sqliteschema.CreateNamespaces(cfg, nss...); err != nil {
		return fmt.Errorf("create namespaces: %w", err)
	}
	return nil
}

func (o *Options) serverOptions(sqlCfg stores, ports []int, level *slog.LevelVar) []temporal.ServerOption {
	conf := o.serverConfig(sqlCfg, ports)
	logger := slogLogger{log: o.Logger, level: level}
	host := func(p int) static.Hosts { return static.SingleLocalHost(net.JoinHostPort(o.IP, strconv.Itoa(p))) }
	return []temporal.ServerOption{
		temporal.WithConfig(conf),
		// The internal frontend serves the server's own worker service (Schedules, batch,
		// system workflows) with internal claims, so the public frontend can refuse every
		// caller without a token. It listens on a kernel-chosen loopback port like history and
		// matching, which are no less powerful and no more exposed.
		temporal.ForServices(append(slices.Clone(temporal.DefaultServices), string(primitives.InternalFrontendService))),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService:         host(o.Port),
			primitives.InternalFrontendService: host(ports[4]),
			primitives.HistoryService:          host(ports[0]),
			primitives.MatchingService:         host(ports[1]),
			primitives.WorkerService:           host(ports[2]),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(readerAuthorizer{next: authorization.NewDefaultAuthorizer()}),
		temporal.WithClaimMapper(func(c *config.Config) authorization.ClaimMapper { return o.Auth.claimMapper(c, logger) }),
		temporal.WithChainedFrontendGrpcInterceptors(filterNamespaces),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	}
}

// dynamicConfig raises the per-shard task polling rates whose defaults (20/s with one shard)
// put 50 ms steps into every workflow, and sizes the history cache for a long-running dev box.
func dynamicConfig() dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{}
	set := func(k dynamicconfig.Key, v any) { dc[k] = v }
	for _, k := range []string{
		"history.transferProcessorMaxPollRPS",
		"history.timerProcessorMaxPollRPS",
		"history.outboundProcessorMaxPollRPS",
	} {
		set(dynamicconfig.MakeKey(k), 10000)
	}
	// Visibility is read 10 times a second per shard, not at once: a query's workflow closes
	// within those 100 ms, and the server skips the "started" record of a workflow that is
	// no longer running (visibilityQueueTaskExecutor.processStartExecution), as it already
	// skips the upserts of one that closed: one visibility write per query instead of two.
	// Nothing waits on visibility; the Web UI lists a request at most 100 ms later.
	set(dynamicconfig.MakeKey("history.visibilityProcessorMaxPollRPS"), 10)
	// The history cache keeps mutable states of recent workflows: 512 still holds the last
	// ≈ 3 s of queries at 150 a second, far more than the visibility read's 100 ms needs, and
	// takes ~14 MB less live heap than 2,048 after 10,000 queries (BenchmarkDevMemory).
	set(dynamicconfig.HistoryCacheHostLevelMaxSize.Key(), 512)
	set(dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(), 100)
	set(dynamicconfig.EnableEagerWorkflowStart.Key(), true)
	// A Comune added while running gets its namespace within a second, not ten.
	set(dynamicconfig.NamespaceCacheRefreshInterval.Key(), time.Second)
	return dc
}

func (o *Options) serverConfig(sqlCfg stores, ports []int) *config.Config {
	front := net.JoinHostPort(o.IP, strconv.Itoa(o.Port))
	var c config.Config
	c.Global.Membership.MaxJoinDuration = 30 * time.Second
	c.Global.Membership.BroadcastAddress = o.IP
	c.Persistence.DefaultStore = "sqlite"
	c.Persistence.VisibilityStore = "sqlite-visibility"
	c.Persistence.NumHistoryShards = sqlCfg.shards
	c.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlCfg.main}, "sqlite-visibility": {SQL: sqlCfg.visibility}}
	c.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{clusterName: {
			Enabled:                true,
			InitialFailoverVersion: 1,
			RPCAddress:             front,
			HTTPAddress:            net.JoinHostPort(o.IP, strconv.Itoa(ports[3])),
			ClusterID:              "5a1e0f0e-7a8c-4c0a-9d1e-76a2c0de0001", // fixed: the server stores it on first start
		}},
	}
	c.DCRedirectionPolicy.Policy = "noop"
	svc := func(grpc, http int) config.Service {
		var s config.Service
		s.RPC.GRPCPort, s.RPC.BindOnIP, s.RPC.HTTPPort = grpc, o.IP, http
		return s
	}
	c.Services = map[string]config.Service{
		"frontend": svc(o.Port, ports[3]),
		"history":  svc(ports[0], 0),
		"matching": svc(ports[1], 0),
		"worker":   svc(ports[2], 0),
		// Its presence also points the server's own clients (publicClient) at it.
		"internal-frontend": svc(ports[4], ports[5]),
	}
	c.Archival.History.State = "disabled"
	c.Archival.Visibility.State = "disabled"
	c.NamespaceDefaults.Archival.History.State = "disabled"
	c.NamespaceDefaults.Archival.Visibility.State = "disabled"
	// PublicClient stays empty: with an internal-frontend service the server's own clients
	// resolve it through membership.
	return &c
}
