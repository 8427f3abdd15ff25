package main

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/temporalauth"
	"github.com/varco-anpr/varco/workflows"
)

// staticHeaders sends one fixed token, as the Web UI forwards its user's.
type staticHeaders string

func (h staticHeaders) GetHeaders(context.Context) (map[string]string, error) {
	if h == "" {
		return nil, nil
	}
	return map[string]string{"authorization": "Bearer " + string(h)}, nil
}

// dialAs connects to the frontend of cfg with token ("" for none) and no codec. Lazily: with
// an invalid token even the dial's health check is refused, and each call must say so.
func dialAs(t *testing.T, cfg config.Config, ns, token string) client.Client {
	t.Helper()
	c, err := client.NewLazyClient(client.Options{HostPort: cfg.TemporalAddr, Namespace: ns, Logger: nopLogger{}, HeadersProvider: staticHeaders(token)})
	if err != nil {
		t.Fatalf("dial %s: %v", ns, err)
	}
	return c
}

// mintFor signs a token with the installation's temporal-jwt-key.
func mintFor(t *testing.T, s *stack, perms ...string) string {
	t.Helper()
	tok, _, err := s.keys.temporal.Mint("test", perms, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func wantDenied(t *testing.T, what string, err error) {
	t.Helper()
	var pd *serviceerror.PermissionDenied
	if !errors.As(err, &pd) {
		t.Errorf("%s: got %v, want PermissionDenied", what, err)
	}
}

// TestTemporalRefusesUnauthenticated: with `varco dev`'s configuration, the frontend refuses
// every caller without a valid token (the forged start of issue #9 cannot even be sent),
// while Varco's own API, worker and the server's Schedules keep working.
func TestTemporalRefusesUnauthenticated(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	ctx := context.Background()

	// Varco's API and worker, authenticated with their own tokens.
	op := login(t, url, "demo-operatore")
	a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
	if a.status != 200 {
		t.Fatalf("query through the API: %d %s", a.status, a.raw)
	}
	id := a.body["requestId"].(string)

	ns := workflows.Namespace("H501")
	otherKey, _ := temporalauth.GenerateKey()
	forged := mintWithKey(t, otherKey, cfg.TemporalJWTKID, temporalauth.SystemAdmin)
	for name, tok := range map[string]string{"no token": "", "a token of another key": forged, "garbage": "not-a-jwt"} {
		t.Run(name, func(t *testing.T) {
			anon := dialAs(t, cfg, ns, tok)
			defer anon.Close()
			_, err := anon.WorkflowService().ListNamespaces(ctx, &workflowservice.ListNamespacesRequest{})
			wantDenied(t, "ListNamespaces", err)
			_, err = anon.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "rq-forged", TaskQueue: workflows.TaskQueue}, "AnprQuery", map[string]any{"userId": 3})
			wantDenied(t, "StartWorkflowExecution", err)
			wantDenied(t, "TerminateWorkflowExecution", anon.TerminateWorkflow(ctx, id, "", "forged"))
			_, err = anon.DescribeWorkflowExecution(ctx, id, "")
			wantDenied(t, "DescribeWorkflowExecution", err)
		})
	}

	// A reader of H501 reads H501 only, writes nothing, and lists only its namespace.
	reader := dialAs(t, cfg, ns, mintFor(t, s, temporalauth.Permission(ns, temporalauth.RoleRead)))
	defer reader.Close()
	if _, err := reader.DescribeWorkflowExecution(ctx, id, ""); err != nil {
		t.Fatalf("reader describe: %v", err)
	}
	wantDenied(t, "reader terminate", reader.TerminateWorkflow(ctx, id, "", "x"))
	_, err := reader.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: cfg.Namespace})
	wantDenied(t, "reader on the system namespace", err)
	assertListed(t, reader, []string{ns})

	// The server's own worker service still runs Schedules: the retention schedule exists
	// and a trigger starts its workflow, through the internal frontend.
	h := s.client.ScheduleClient().GetHandle(ctx, workflows.RetentionScheduleID)
	if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("trigger the retention schedule: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := h.Describe(ctx)
		if err != nil {
			t.Fatalf("describe schedule: %v", err)
		}
		if n := len(d.Info.RecentActions); n > 0 {
			run := d.Info.RecentActions[n-1].StartWorkflowResult
			r := s.client.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID)
			if err := r.Get(ctx, nil); err != nil {
				t.Fatalf("retention run: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the schedule's trigger never started a workflow: the server's internal calls are refused")
		}
		time.Sleep(200 * time.Millisecond)
	}
	desc, err := s.client.DescribeWorkflowExecution(ctx, "audit-retention", "")
	if err == nil && desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
		t.Fatal("retention workflow failed")
	}
}

// assertListed checks the namespaces ListNamespaces shows the caller.
func assertListed(t *testing.T, c client.Client, want []string) {
	t.Helper()
	resp, err := c.WorkflowService().ListNamespaces(context.Background(), &workflowservice.ListNamespacesRequest{})
	if err != nil {
		t.Fatalf("ListNamespaces: %v", err)
	}
	var got []string
	for _, n := range resp.GetNamespaces() {
		got = append(got, n.GetNamespaceInfo().GetName())
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("ListNamespaces shows %v, want %v", got, want)
	}
}

func mintWithKey(t *testing.T, b64, kid string, perms ...string) string {
	t.Helper()
	k, err := temporalauth.ParsePrivateKey(b64)
	if err != nil {
		t.Fatal(err)
	}
	m, err := temporalauth.NewMinter(k, kid, "elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := m.Mint("intruder", perms, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestTemporalTokenCommand: `varco temporal token` prints a token of the configured key with
// the asked permissions, and refuses malformed ones.
func TestTemporalTokenCommand(t *testing.T) {
	key, _ := temporalauth.GenerateKey()
	t.Setenv("VARCO_TEMPORAL_JWT_KEY", key)
	t.Setenv("VARCO_LOG_LEVEL", "error")
	var out strings.Builder
	stdout = &out
	defer func() { stdout = os.Stdout }()
	if err := run([]string{"temporal", "token", "-permissions", "comune-h501:read,temporal-system:admin", "-ttl", "30m"}, &strings.Builder{}); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("not a JWT: %q", tok)
	}
	for _, bad := range []string{"comune-h501", "comune-h501:owner", ":read"} {
		if err := run([]string{"temporal", "token", "-permissions", bad}, &strings.Builder{}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := run([]string{"temporal", "token", "-ttl", "48h"}, &strings.Builder{}); err == nil {
		t.Error("a 48h token accepted")
	}
}
