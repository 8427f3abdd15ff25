//go:build !lean

package main

import (
	"slices"

	"github.com/varco-anpr/varco/internal/config"
)

// The development commands: left out of the lean production build, and with them the
// embedded Temporal server, its Web UI and the simulator.
func init() {
	dev := slices.DeleteFunc(config.AllGroups(), func(g config.Group) bool { return g == config.GroupAuditPublic })
	register(
		&command{name: "dev", args: "[flags]", groups: dev, run: runDev,
			short: "everything in one process on 127.0.0.1: embedded Temporal + Web UI, worker, API, simulator, SQLite",
			long: `
Runs everything in one process on 127.0.0.1: an embedded Temporal server persisted in SQLite
with its Web UI, the worker, the HTTP API, the ANPR/PDND simulator with a synthetic population
and Varco's own SQLite database, all under -data-dir. Keys are generated once into
<data-dir>/secrets.json; the demo Comune, Ente and users are seeded on first start. Ctrl-C stops
everything; a restart keeps the data.

Examples:
  varco dev
  varco dev -api-addr 127.0.0.1:9080 -temporal-ui-port 0 -data-dir /tmp/varco
  VARCO_DEMO_PASSWORD=s3cret varco dev`},
		&command{name: "simulate", args: "[-register-client FILE]... [-admin-token T] [-daily-quota N] [-faults FILE] [flags]",
			short:  "the ANPR/PDND simulator alone (the TEST environment)",
			groups: []config.Group{config.GroupCommon, config.GroupDatabase, config.GroupSecrets, config.GroupSimulator},
			flags:  simulateFlags, long: `
Serves the ANPR/PDND simulator alone, at its real paths. Comuni of the simulator environment
found in the database are registered as its PDND clients (when the secrets key is set), and a
demo client is generated and printed. The short flags are aliases of the -simulator-… settings.

Examples:
  varco simulate -simulator-addr 127.0.0.1:8089
  varco simulate -register-client my-client.json -faults faults.json -daily-quota 100`},
	)
}
