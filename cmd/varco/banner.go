//go:build !lean

package main

import (
	"fmt"
	"os"
	"time"

	"github.com/varco-anpr/varco/internal/config"
)

// printBanner tells a person where everything is, with a curl line that works as shown.
func printBanner(cfg config.Config, seeded bool, took time.Duration) {
	api := "http://" + cfg.APIAddr
	ui := "(disabled)"
	if cfg.TemporalUIPort != 0 {
		ui = fmt.Sprintf("http://127.0.0.1:%d/namespaces/comune-h501/workflows", cfg.TemporalUIPort)
	}
	metrics := "(off: set -metrics-addr)"
	if cfg.MetricsAddr != "" {
		metrics = "http://" + cfg.MetricsAddr + "/metrics   (dashboard: docs/grafana/varco.json)"
	}
	state := "existing data kept"
	if seeded {
		state = "demo data seeded"
	}
	fmt.Fprintf(os.Stdout, `
Varco dev is ready in %s (%s, data in %s)

  API              %s   (OpenAPI: %s/api/v1/openapi.json)
  Temporal Web UI  %s
                   (sign in through Varco as demo-top, the TOP of H501: read-only, payloads decrypted)
  Temporal gRPC    %s   (token required: go run ./cmd/varco temporal token)
  ANPR simulator   http://%s
  Metrics          %s

  Demo users (Comune H501 Roma, Ente "Polizia Locale Demo"):
    demo-top (TOP)   demo-admin (ADMIN)   demo-operatore (AUTORIZZATO)
`, took.Round(time.Millisecond), state, cfg.DataDir, api, api, ui, cfg.TemporalAddr, cfg.SimulatorAddr, metrics)
	if cfg.DemoPassword == config.Defaults().DemoPassword {
		fmt.Fprintf(os.Stdout, "    password: %q — for local use only (set VARCO_DEMO_PASSWORD before the first start)\n", cfg.DemoPassword)
	} else {
		fmt.Fprintln(os.Stdout, "    password: the value of VARCO_DEMO_PASSWORD")
	}
	body := fmt.Sprintf(`'{"username":"demo-operatore","password":"%s"}'`, cfg.DemoPassword)
	if cfg.DemoPassword != config.Defaults().DemoPassword {
		body = `"{\"username\":\"demo-operatore\",\"password\":\"$VARCO_DEMO_PASSWORD\"}"`
	}
	fmt.Fprintf(os.Stdout, `
  Try it:
    TOKEN=$(curl -s %[1]s/api/v1/auth/token -H 'Content-Type: application/json' \
      -d %[2]s | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    curl -s %[1]s/api/v1/anpr/C020 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d '{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"PROT-2026-123"}'

  Ctrl-C stops everything.
`, api, body)
}
