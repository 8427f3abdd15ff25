package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clockPackages decide by time (expiry, lockout, validity days, quotas, retention, the audit):
// they read "now" from internal/clock, so tests choose the day and `make test-clock` can move
// it. A time.Now call there would read the real day again.
var clockPackages = []string{
	"internal/store", "internal/auth", "rbac", "internal/auditlog", "internal/anpr",
	"internal/simulator", "internal/seed", "activities",
}

// TestDecidersUseTheClock fails on any time.Now in the non-test files of those packages.
func TestDecidersUseTheClock(t *testing.T) {
	for _, pkg := range clockPackages {
		files, err := filepath.Glob(filepath.Join("..", "..", pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", pkg, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			for _, pos := range timeNowCalls(t, f) {
				t.Errorf("%s: time.Now; take the time from internal/clock (an injected clock.Clock, or clock.System)", pos)
			}
		}
	}
}

// timeNowCalls lists the positions of time.Now references in one file (the one exception:
// a random seed in internal/anpr/opid.go, which decides nothing).
func timeNowCalls(t *testing.T, path string) []string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Now" {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == "time" {
			pos := fset.Position(sel.Pos()).String()
			if !strings.HasSuffix(filepath.ToSlash(path), "internal/anpr/opid.go") {
				out = append(out, pos)
			}
		}
		return true
	})
	return out
}
