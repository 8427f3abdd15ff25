package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDotnetClientScenario compiles clients/dotnet with Mono's mcs (System.Net.Http and
// DataContractJsonSerializer, which Mono ships: no NuGet download) and runs its example
// (clients/dotnet/examples/Scenario.cs) against a running `varco dev`, every answer checked
// against openapi.json on the way (checkedProxy). Without Mono it
// fails: the .NET client must not go untested.
func TestDotnetClientScenario(t *testing.T) {
	for _, tool := range []string{"mcs", "mono"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs mono-mcs and mono-runtime): %v", tool, err)
		}
	}
	root := filepath.Join("..", "..", "clients", "dotnet")
	sources, err := filepath.Glob(filepath.Join(root, "src", "*.cs"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("C# sources: %v %v", sources, err)
	}
	exe := filepath.Join(t.TempDir(), "Scenario.exe")
	args := append([]string{"-warnaserror", "-langversion:7.2", "-target:exe", "-out:" + exe,
		"-r:System.Net.Http.dll", "-r:System.Runtime.Serialization.dll"}, sources...)
	args = append(args, filepath.Join(root, "examples", "Scenario.cs"))
	if out, err := exec.Command("mcs", args...).CombinedOutput(); err != nil {
		t.Fatalf("mcs: %v\n%s", err, out)
	}

	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	out, err := exec.Command("mono", exe, checkedProxy(t, url)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "scenario ok") {
		t.Fatalf("the .NET scenario failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
