// Package archtest checks Varco's import direction, which is its architecture: workflows stay
// deterministic and free of infrastructure, the API never talks to ANPR itself, and only the
// binary pulls in the embedded Temporal server.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/varco-anpr/varco/"

// deps lists every package pkg imports, directly or not.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestImportDirection(t *testing.T) {
	cases := []struct {
		pkg       string
		forbidden []string
	}{
		// workflows: an allow-list (TestWorkflowsImportAllowList).
		{"api", []string{mod + "internal/anpr", mod + "activities", mod + "internal/simulator", "go.temporal.io/server"}},
		{"activities", []string{"github.com/gofiber/", "go.temporal.io/server", mod + "api"}},
		{"workers", []string{"github.com/gofiber/", "go.temporal.io/server", mod + "api"}},
		{"rbac", []string{"go.temporal.io/", "github.com/gofiber/"}},
		{"internal/store", []string{"go.temporal.io/", "github.com/gofiber/", "github.com/casbin/"}},
		{"internal/anpr", []string{"go.temporal.io/", "github.com/gofiber/", "github.com/uptrace/bun"}},
		{"internal/simulator", []string{"go.temporal.io/", "github.com/gofiber/", "github.com/uptrace/bun"}},
		// The console holds no rule: it reaches data and actions only through the API's HTTP
		// handlers (api.Server.Do, wired in cmd/varco), never the store or the authorizer.
		{"console", []string{mod + "api", mod + "internal/store", mod + "rbac", mod + "activities", mod + "workflows",
			mod + "internal/anpr", "github.com/uptrace/bun", "github.com/casbin/", "go.temporal.io/"}},
		// The API and the worker mint Temporal tokens with it; only the binary runs the server.
		{"internal/temporalauth", []string{"go.temporal.io/", "github.com/gofiber/", "github.com/uptrace/bun"}},
	}
	for _, tc := range cases {
		t.Run(tc.pkg, func(t *testing.T) {
			for _, d := range deps(t, tc.pkg) {
				for _, f := range tc.forbidden {
					if d == strings.TrimSuffix(f, "/") || strings.HasPrefix(d, f) || strings.HasPrefix(d, f+"/") {
						t.Errorf("%s imports %s (forbidden: %s)", tc.pkg, d, f)
					}
				}
			}
		})
	}
}

// TestOnlyCmdImportsTheServer keeps the 5-minute server build out of every package but the
// binaries (varco, varco-temporal) and their integration tests.
func TestOnlyCmdImportsTheServer(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, mod+"...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		pkg := f[0]
		// cmd/varco-temporal is the other binary that runs a server: the stack's cluster
		// server (docs/operations.md), built only by deploy/stack.sh.
		if pkg == mod+"internal/devtemporal" || pkg == mod+"cmd/varco" || pkg == mod+"cmd/varco-temporal" {
			continue
		}
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, "go.temporal.io/server") || imp == mod+"internal/devtemporal" {
				t.Errorf("%s imports %s: only cmd/varco may run the embedded server", pkg, imp)
			}
		}
	}
}
