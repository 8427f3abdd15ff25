package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// workflowImports is what workflow code may import beside the standard library: the SDK's
// workflow-side packages and Varco's error vocabulary. An allow-list, not a deny-list: a new
// import (a database driver, an HTTP framework, the ANPR client, a clock) fails here until it
// is argued for, since workflow code must stay deterministic and replayable.
var workflowImports = []string{
	"go.temporal.io/sdk/workflow",
	"go.temporal.io/sdk/temporal",
	"go.temporal.io/api/", // enums and failure types
	mod + "internal/errcode",
	mod + "workflows",
}

// TestWorkflowsImportAllowList checks the direct imports of every workflows package (tests
// aside), and that the only Varco packages it reaches at all are allowed ones.
func TestWorkflowsImportAllowList(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, mod+"workflows/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		for _, imp := range f[1:] {
			if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
				continue // the standard library
			}
			if !allowed(imp) {
				t.Errorf("%s imports %s, which is not in the workflows allow-list", f[0], imp)
			}
		}
	}
	for _, d := range deps(t, "workflows") {
		if strings.HasPrefix(d, mod) && !allowed(d) {
			t.Errorf("workflows reaches %s, which is not in the allow-list", d)
		}
	}
}

func allowed(imp string) bool {
	for _, a := range workflowImports {
		if imp == strings.TrimSuffix(a, "/") || (strings.HasSuffix(a, "/") && strings.HasPrefix(imp, a)) ||
			strings.HasPrefix(imp, a+"/") {
			return true
		}
	}
	return false
}
