package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanBinary: the production build (-tags lean, what the Dockerfile ships) links neither
// the embedded Temporal server, nor its Web UI, nor the simulator and the demo seed: `varco
// api`, `worker` and `migrate` carry only what they run.
func TestLeanBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "lean", mod+"cmd/varco").Output()
	if err != nil {
		t.Fatalf("go list -tags lean: %v", err)
	}
	forbidden := []string{"go.temporal.io/server", "github.com/temporalio/ui-server", mod + "internal/devtemporal",
		mod + "internal/simulator", mod + "internal/seed"}
	deps := strings.Fields(string(out))
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("the lean binary links %s", d)
			}
		}
	}
	// The check means something only if the full build does link them.
	full, err := exec.Command("go", "list", "-deps", mod+"cmd/varco").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, want := range []string{mod + "internal/devtemporal", mod + "internal/simulator"} {
		if !strings.Contains(string(full), want+"\n") {
			t.Errorf("the full build no longer links %s: is varco dev still there?", want)
		}
	}
}
