package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// jacksonJars are Debian's Jackson (libjackson2-*-java), which .ci/run installs: the Java
// client compiles and runs against them, with no Maven download at test time.
var jacksonJars = []string{
	"/usr/share/java/jackson-databind.jar",
	"/usr/share/java/jackson-core.jar",
	"/usr/share/java/jackson-annotations.jar",
}

// TestJavaClientScenario compiles clients/java with javac and runs its example
// (clients/java/examples/Scenario.java) against a running `varco dev`, every answer checked
// against openapi.json on the way (checkedProxy). Without a JDK or
// Debian's Jackson it fails: the Java client must not go untested.
func TestJavaClientScenario(t *testing.T) {
	for _, tool := range []string{"javac", "java"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed (.ci/run installs a JDK's tools with Jackson): %v", tool, err)
		}
	}
	for _, j := range jacksonJars {
		if _, err := os.Stat(j); err != nil {
			t.Fatalf("Jackson is not installed (apt-get install libjackson2-databind-java): %v", err)
		}
	}
	root := filepath.Join("..", "..", "clients", "java")
	var sources []string
	err := filepath.WalkDir(filepath.Join(root, "src", "main", "java"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".java") {
			sources = append(sources, p)
		}
		return err
	})
	if err != nil || len(sources) == 0 {
		t.Fatalf("Java sources: %v %v", sources, err)
	}
	sources = append(sources, filepath.Join(root, "examples", "Scenario.java"))
	classes := t.TempDir()
	cp := strings.Join(jacksonJars, string(os.PathListSeparator))
	args := append([]string{"--release", "11", "-Xlint:all", "-Werror", "-d", classes, "-cp", cp}, sources...)
	if out, err := exec.Command("javac", args...).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}

	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	out, err := exec.Command("java", "-cp", classes+string(os.PathListSeparator)+cp, "Scenario", checkedProxy(t, url)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "scenario ok") {
		t.Fatalf("the Java scenario failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
