package workers_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/internal/codec"
	"github.com/varco-anpr/varco/internal/devtemporal"
	"github.com/varco-anpr/varco/internal/temporalauth"
	"github.com/varco-anpr/varco/workers"
	"github.com/varco-anpr/varco/workflows"
)

// env is a real embedded Temporal server (in memory, authorization on) and an admin client.
type env struct {
	base client.Client
	opts client.Options
	cdc  *codec.Codec
}

func newEnv(t *testing.T) *env {
	t.Helper()
	key, err := temporalauth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := temporalauth.ParsePrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	minter, err := temporalauth.NewMinter(priv, "k1", "varco-test")
	if err != nil {
		t.Fatal(err)
	}
	port, err := devtemporal.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := devtemporal.Start(devtemporal.Options{Port: port, Namespaces: []string{"default"}, Logger: quiet,
		Auth: &devtemporal.Auth{Keys: map[string]*ecdsa.PublicKey{minter.KeyID(): minter.Public()}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	cdc, err := codec.New("k1", map[string][]byte{"k1": bytes.Repeat([]byte{3}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	opts := client.Options{HostPort: srv.HostPort(), Namespace: "default", Logger: tlog.NewStructuredLogger(quiet),
		DataConverter:   cdc.DataConverter(),
		HeadersProvider: temporalauth.NewHeadersProvider(minter, "varco-test", []string{temporalauth.SystemAdmin}, time.Hour)}
	base, err := client.Dial(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(base.Close)
	return &env{base: base, opts: opts, cdc: cdc}
}

func (e *env) manager(acts *activities.Activities) *workers.Manager {
	return &workers.Manager{Base: e.base, Options: e.opts, Activities: acts,
		Converter: func(ns string) (converter.DataConverter, error) {
			c, err := e.cdc.ForNamespace(ns)
			if err != nil {
				return nil, err
			}
			return c.Strict().DataConverter(), nil
		}}
}

// TestManager: one real server, the Manager's whole life: a Comune's namespace is registered
// with its retention and every Varco search attribute, ready for starts; preparing twice is a
// no-op; an unknown Comune is ErrUnknownComune; a Comune added later is picked up by Follow
// without a restart; Stop closes everything.
func TestManager(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	m := e.manager(&activities.Activities{})
	defer m.Stop()

	if _, err := m.Client("H501"); !errors.Is(err, workers.ErrUnknownComune) {
		t.Fatalf("before Ensure: %v, want ErrUnknownComune", err)
	}
	if err := m.Ensure(ctx, "H501"); err != nil {
		t.Fatal(err)
	}
	c, err := m.Client("H501")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Ensure(ctx, "H501"); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if again, _ := m.Client("H501"); again != c {
		t.Fatal("a second Ensure replaced the Comune's client")
	}
	ns := workflows.Namespace("H501")
	desc, err := e.base.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != 7*24*time.Hour {
		t.Errorf("retention %v, want the default 7 days", got)
	}
	sas, err := e.base.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range workflows.SearchAttributeNames() {
		if _, ok := sas.GetCustomAttributes()[name]; !ok {
			t.Errorf("namespace %s lacks search attribute %s", ns, name)
		}
	}
	// The namespace client is usable for visibility queries naming every attribute.
	if _, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, Query: workflows.ProbeQuery()}); err != nil {
		t.Fatalf("probe query on %s: %v", ns, err)
	}

	// Follow: the operator adds F205 while the process runs.
	var mu sync.Mutex
	comuni := []string{"H501"}
	followCtx, stopFollow := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Follow(followCtx, 50*time.Millisecond, func(context.Context) ([]string, error) {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(comuni), nil
		})
	}()
	mu.Lock()
	comuni = append(comuni, "F205")
	mu.Unlock()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := m.Client("F205"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Follow never prepared the Comune added while it ran")
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopFollow()
	<-done
	got := m.Comuni()
	slices.Sort(got)
	if !slices.Equal(got, []string{"F205", "H501"}) {
		t.Fatalf("Comuni() = %v", got)
	}
	m.Stop()
	if _, err := m.Client("H501"); !errors.Is(err, workers.ErrUnknownComune) {
		t.Fatalf("after Stop: %v, want ErrUnknownComune", err)
	}
}

// TestManagerNeedsTheEncryptingConverter: a Manager that would start clients sending plain
// payloads refuses to prepare any namespace.
func TestManagerNeedsTheEncryptingConverter(t *testing.T) {
	e := newEnv(t)
	opts := e.opts
	opts.DataConverter = nil
	m := &workers.Manager{Base: e.base, Options: opts}
	defer m.Stop()
	if err := m.Ensure(context.Background(), "H501"); err == nil {
		t.Fatal("Ensure prepared a namespace client without the encrypting DataConverter")
	}
	if _, err := m.Client("H501"); !errors.Is(err, workers.ErrUnknownComune) {
		t.Fatalf("a refused Comune has a client: %v", err)
	}
}

// TestRegistrationIsIdempotent: registering a namespace, its search attributes and the
// retention schedule twice succeeds and changes nothing, as every process start does.
func TestRegistrationIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 2 {
		if err := workers.RegisterNamespace(ctx, e.base, "comune-x999", 24*time.Hour); err != nil {
			t.Fatalf("register %d: %v", i, err)
		}
		if err := workers.EnsureSearchAttributes(ctx, e.base, "comune-x999"); err != nil {
			t.Fatalf("search attributes %d: %v", i, err)
		}
		if err := workers.EnsureRetentionSchedule(ctx, e.base); err != nil {
			t.Fatalf("retention schedule %d: %v", i, err)
		}
	}
	desc, err := e.base.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "comune-x999"})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != 24*time.Hour {
		t.Errorf("retention %v, want 24h", got)
	}
	sched, err := e.base.ScheduleClient().GetHandle(ctx, workflows.RetentionScheduleID).Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal := sched.Schedule.Spec.Calendars
	if len(cal) != 1 || sched.Schedule.Spec.TimeZoneName != "Europe/Rome" {
		t.Fatalf("retention schedule spec %+v", sched.Schedule.Spec)
	}
}
