package main

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/varco-anpr/varco/internal/codec"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/workflows"
)

// testCodecKey is the codec key of the test stacks, so that the histories they produce can be
// committed under workflows/testdata and replayed there. It is a fixture, not a secret.
var testCodecKey = base64.StdEncoding.EncodeToString([]byte("varco-test-codec-key-32-bytes!!!"))

// rawHistory fetches a workflow's history as stored: payloads encrypted.
func rawHistory(t *testing.T, c client.Client, id string) *historypb.History {
	t.Helper()
	h := &historypb.History{}
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	return h
}

// replayAndKeep replays a real history against today's workflow code and, when
// VARCO_UPDATE_HISTORIES=1, writes it to workflows/testdata for the replay test there.
func replayAndKeep(t *testing.T, cfg config.Config, c client.Client, id, name string) {
	t.Helper()
	h := rawHistory(t, c, id)
	key, _ := base64.StdEncoding.DecodeString(cfg.CodecKey)
	ring, err := codec.New(cfg.CodecKeyID, map[string][]byte{cfg.CodecKeyID: key})
	if err != nil {
		t.Fatal(err)
	}
	cd, err := ring.ForNamespace(workflows.Namespace("H501"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: cd.DataConverter()})
	if err != nil {
		t.Fatal(err)
	}
	r.RegisterWorkflow(workflows.AnprQuery)
	r.RegisterWorkflow(workflows.AnprBatch)
	if err := r.ReplayWorkflowHistory(nopLogger{}, h); err != nil {
		t.Fatalf("replay of %s: %v", name, err)
	}
	if os.Getenv("VARCO_UPDATE_HISTORIES") != "1" {
		return
	}
	b, err := protojson.MarshalOptions{Multiline: true}.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "workflows", "testdata", name+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
