// Package compose keeps docker-compose.yml in step with the stack deploy/stack.sh runs: the
// test loads the file with compose-go, the library Docker Compose itself parses it with, and
// checks the topology. No Docker engine runs here: the file is checked, not run.
package compose

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

const file = "../../docker-compose.yml"

// keys are the secrets the file must take from the environment, with a value for the test.
var keys = map[string]string{
	"POSTGRES_PASSWORD":               "pg-from-env",
	"VARCO_CODEC_KEY":                 "codec-from-env",
	"VARCO_TOKEN_KEY":                 "token-from-env",
	"VARCO_SUBJECT_KEY":               "subject-from-env",
	"VARCO_SEAL_KEY":                  "seal-from-env",
	"VARCO_AUDIT_KEY":                 "audit-from-env",
	"VARCO_SECRETS_KEY":               "secrets-from-env",
	"VARCO_TEMPORAL_JWT_KEY":          "jwt-from-env",
	"VARCO_TEMPORAL_UI_CLIENT_SECRET": "ui-secret-from-env",
	"VARCO_PUBLIC_URL":                "https://varco.example.it",
	"TEMPORAL_UI_PUBLIC_URL":          "https://temporal.example.it",
}

func load(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithEnv(list), cli.WithName("varco"),
		cli.WithWorkingDirectory(filepath.Dir(file)), cli.WithDiscardEnvFile)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeTopology(t *testing.T) {
	p, err := load(t, keys)
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range p.Services {
			if !yield(n) {
				return
			}
		}
	})
	want := []string{"api", "jwks", "migrate", "postgres", "temporal", "temporal-schema", "temporal-ui", "worker"}
	if !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
	t.Run("replicas", func(t *testing.T) {
		for _, n := range []string{"api", "worker"} {
			s := p.Services[n]
			if r := s.GetScale(); r != 2 {
				t.Errorf("%s: %d replicas, want 2 (as deploy/stack.sh runs)", n, r)
			}
		}
	})
	t.Run("health checks", func(t *testing.T) {
		for _, n := range []string{"postgres", "temporal", "temporal-ui", "api"} {
			hc := p.Services[n].HealthCheck
			if hc == nil || hc.Disable || len(hc.Test) == 0 {
				t.Errorf("%s has no health check", n)
			}
		}
		// What others wait for is a health check or a completed one-shot, never a mere start.
		for n, s := range p.Services {
			for dep, d := range s.DependsOn {
				if d.Condition == types.ServiceConditionStarted {
					t.Errorf("%s waits only for %s to start", n, dep)
				}
			}
		}
	})
	t.Run("images", func(t *testing.T) {
		server, ui := modVersion(t, "go.temporal.io/server"), modVersion(t, "github.com/temporalio/ui-server/v2")
		wantImages := map[string]string{
			"temporal":        "temporalio/server:" + server,
			"temporal-schema": "temporalio/admin-tools:" + server,
			"temporal-ui":     "temporalio/ui:" + ui,
		}
		for n, img := range wantImages {
			if got := p.Services[n].Image; got != img {
				t.Errorf("%s: image %q, want %q (go.mod's version)", n, got, img)
			}
		}
		for n, s := range p.Services {
			if strings.Contains(s.Image, "auto-setup") {
				t.Errorf("%s uses the deprecated %s", n, s.Image)
			}
		}
	})
	t.Run("keys from the environment", func(t *testing.T) {
		for _, n := range []string{"api", "worker", "migrate", "jwks"} {
			env := p.Services[n].Environment
			for k, v := range keys {
				if !strings.HasPrefix(k, "VARCO_") || strings.HasSuffix(k, "_URL") {
					continue
				}
				if k == "VARCO_TEMPORAL_UI_CLIENT_SECRET" && n != "api" {
					continue
				}
				if got := env[k]; got == nil || *got != v {
					t.Errorf("%s: %s = %v, want the environment's value", n, k, got)
				}
			}
		}
		if got := p.Services["temporal"].Environment["POSTGRES_PWD"]; got == nil || *got != keys["POSTGRES_PASSWORD"] {
			t.Errorf("temporal: POSTGRES_PWD not from the environment")
		}
		// No key written in the file: each required one missing makes the load fail.
		for k := range keys {
			without := map[string]string{}
			for k2, v := range keys {
				if k2 != k {
					without[k2] = v
				}
			}
			if _, err := load(t, without); err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("without %s: %v, want a refusal naming it", k, err)
			}
		}
	})
	t.Run("temporal authorization", func(t *testing.T) {
		env := p.Services["temporal"].Environment
		for k, v := range map[string]string{
			"TEMPORAL_AUTH_AUTHORIZER": "default", "TEMPORAL_AUTH_CLAIM_MAPPER": "default",
			"TEMPORAL_JWT_PERMISSIONS_CLAIM": "permissions", "USE_INTERNAL_FRONTEND": "true", "DB": "postgres12",
		} {
			if got := env[k]; got == nil || *got != v {
				t.Errorf("temporal: %s = %v, want %q", k, got, v)
			}
		}
		if src := env["TEMPORAL_JWT_KEY_SOURCE1"]; src == nil || !strings.HasPrefix(*src, "file:///jwks/") {
			t.Errorf("temporal: its keys are not the jwks service's: %v", src)
		}
		if ns := p.Services["api"].Environment["VARCO_NAMESPACE"]; ns == nil || *ns != "varco-system" {
			t.Errorf("api: system namespace %v", ns)
		}
	})
	t.Run("published ports", func(t *testing.T) {
		// Only what answers authenticated callers alone is published, and on loopback only
		// (for the reverse proxy): the API (tokens) and the Web UI (OIDC sign-in on).
		authenticated := map[string]func(types.ServiceConfig) bool{
			"api": func(types.ServiceConfig) bool { return true },
			"temporal-ui": func(s types.ServiceConfig) bool {
				v := s.Environment["TEMPORAL_AUTH_ENABLED"]
				return v != nil && *v == "true"
			},
		}
		var published []string
		for n, s := range p.Services {
			for _, port := range s.Ports {
				published = append(published, n)
				if port.HostIP != "127.0.0.1" {
					t.Errorf("%s publishes %s on %q, not loopback", n, port.Published, port.HostIP)
				}
				if ok := authenticated[n]; ok == nil || !ok(s) {
					t.Errorf("%s publishes port %s without authentication", n, port.Published)
				}
			}
		}
		sort.Strings(published)
		if !slices.Contains(published, "api") || slices.Contains(published, "temporal") || slices.Contains(published, "postgres") {
			t.Errorf("published: %v", published)
		}
	})
}

// modVersion reads a module's version from go.mod, without its "v".
func modVersion(t *testing.T, mod string) string {
	t.Helper()
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(mod) + `\s+v(\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s not in go.mod", mod)
	}
	return string(m[1])
}
