package api

import (
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// spectral is the repo-local Spectral CLI, pinned by tools/spectral/package-lock.json and
// installed by `make tools` (which `make test` runs first).
var spectral = filepath.Join("..", "tools", "spectral", "node_modules", ".bin", "spectral")

// TestSpectralLint lints the document as the API serves it with Spectral and Varco's
// ruleset (tools/spectral/ruleset.yaml: the Italian interoperability guidelines' asks). A
// warning fails it as an error does. Without Spectral it fails: a skipped lint would let a
// non-conforming contract ship.
func TestSpectralLint(t *testing.T) {
	if _, err := os.Stat(spectral); err != nil {
		t.Fatalf("Spectral is not installed (%v): run `make tools`", err)
	}
	s := New(Deps{RequestTimeout: time.Second, Logger: discard()})
	resp, err := s.App().Test(httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/openapi.json: %v %v", resp, err)
	}
	served, _ := io.ReadAll(resp.Body)
	doc := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(doc, served, 0o600); err != nil {
		t.Fatal(err)
	}
	ruleset := filepath.Join("..", "tools", "spectral", "ruleset.yaml")
	out, err := exec.Command(spectral, "lint", "--ruleset", ruleset, "--fail-severity", "warn",
		"--format", "text", doc).CombinedOutput()
	if err != nil {
		t.Fatalf("spectral lint: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// TestSpectralRulesetBites lints a document that breaks the guidelines, so a ruleset that
// no longer loads its rules (or a Spectral that ignores it) cannot pass for a clean lint.
func TestSpectralRulesetBites(t *testing.T) {
	if _, err := os.Stat(spectral); err != nil {
		t.Fatalf("Spectral is not installed (%v): run `make tools`", err)
	}
	bad := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"http://x"}],
"paths":{"/api/v1/x":{"get":{"parameters":[{"name":"X-Foo","in":"header","schema":{"type":"integer"}}],
"responses":{"200":{"description":"ok"},"400":{"description":"bad","content":{"application/json":{"schema":{"type":"object"}}}}}}}}}`
	doc := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(doc, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	ruleset := filepath.Join("..", "tools", "spectral", "ruleset.yaml")
	out, err := exec.Command(spectral, "lint", "--ruleset", ruleset, "--format", "text", doc).CombinedOutput()
	if err == nil {
		t.Fatalf("a non-conforming document passed:\n%s", out)
	}
	for _, rule := range []string{"varco-semver", "varco-info-summary", "varco-https-server", "varco-integer-format",
		"varco-problem-json", "varco-ratelimit-headers", "varco-no-x-request-headers", "operation-operationId"} {
		if !bytesContains(out, rule) {
			t.Errorf("rule %s did not fire:\n%s", rule, out)
		}
	}
}

func bytesContains(b []byte, s string) bool { return strings.Contains(string(b), s) }
