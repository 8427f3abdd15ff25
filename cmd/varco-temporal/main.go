// Command varco-temporal is Temporal's server (go.temporal.io/server at the version pinned in
// go.mod) with Varco's authorization wired in: the production-shaped stack (deploy/stack.sh,
// docs/operations.md) runs it on PostgreSQL. It takes the stock server's YAML configuration
// (-config-file) and adds what that YAML cannot express — Varco's authorizer, which lets a
// Comune's reader list its own namespaces, and the filter of ListNamespaces answers
// (internal/devtemporal.ClusterAuthOptions). It is its own binary so that neither `varco` nor
// its lean build carries a cluster's server.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // the postgres12 persistence plugin
	"go.temporal.io/server/temporal"

	"github.com/varco-anpr/varco/internal/devtemporal"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "varco-temporal:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("varco-temporal", flag.ContinueOnError)
	file := fs.String("config-file", "", "Temporal server YAML configuration (required)")
	services := fs.String("services", "frontend,internal-frontend,history,matching,worker", "comma-separated services this process runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("-config-file required")
	}
	cfg, err := config.Load(config.WithConfigFile(*file))
	if err != nil {
		return fmt.Errorf("load %s: %w", *file, err)
	}
	if len(cfg.Global.Authorization.JWTKeyProvider.KeySourceURIs) == 0 {
		return fmt.Errorf("%s: global.authorization.jwtKeyProvider.keySourceURIs is empty: the frontend never runs unauthenticated", *file)
	}
	logger := log.NewZapLogger(log.BuildZapLogger(cfg.Log))
	opts := append([]temporal.ServerOption{
		temporal.ForServices(strings.Split(*services, ",")),
		temporal.WithConfig(cfg),
		temporal.WithLogger(logger),
		temporal.InterruptOn(temporal.InterruptCh()), // SIGINT, SIGTERM
	}, devtemporal.ClusterAuthOptions(logger)...)
	if dc := cfg.DynamicConfigClient; dc == nil || dc.Filepath == "" {
		opts = append(opts, temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{}))
	}
	s, err := temporal.NewServer(opts...)
	if err != nil {
		return fmt.Errorf("build server: %w", err)
	}
	// Start blocks until the interrupt channel fires, then stops the services.
	return s.Start()
}
