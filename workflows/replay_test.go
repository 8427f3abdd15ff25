package workflows

import (
	"path/filepath"
	"testing"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/varco-anpr/varco/internal/codec"
)

// testCodecKey encrypted the committed histories (cmd/varco writes them with
// VARCO_UPDATE_HISTORIES=1). It is a test fixture, not a secret.
var testCodecKey = []byte("varco-test-codec-key-32-bytes!!!")

// TestReplayCommittedHistories replays real AnprQuery and AnprBatch histories recorded by the end-to-end
// tests against today's workflow code: a non-deterministic change to AnprQuery fails here and
// must be versioned (workflow.GetVersion) instead.
func TestReplayCommittedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("want the ok, denied and not_found histories in testdata, found %v", files)
	}
	// The histories are H501's: older ones written before payloads were bound to their
	// namespace, newer ones bound to comune-h501; this codec opens both.
	ring, err := codec.New("k1", map[string][]byte{"k1": testCodecKey})
	if err != nil {
		t.Fatal(err)
	}
	cd, err := ring.ForNamespace(Namespace("H501"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: cd.DataConverter()})
			if err != nil {
				t.Fatal(err)
			}
			r.RegisterWorkflow(AnprQuery)
			r.RegisterWorkflow(AnprBatch)
			if err := r.ReplayWorkflowHistoryFromJSONFile(log.NewStructuredLogger(discardLogger()), f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
