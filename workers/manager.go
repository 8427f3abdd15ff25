package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/workflows"
)

// ErrUnknownComune: no namespace is ready for that Comune (it is not registered in Varco).
var ErrUnknownComune = errors.New("no Temporal namespace for this Comune")

// Manager keeps one Temporal client per Comune namespace, sharing the base client's
// connection, and — when it runs workers — one worker per namespace on that same client, so
// that the API's starts are eager on the process that also works the queue.
type Manager struct {
	Base client.Client
	// Options are copied for each namespace's client: they must carry the encrypting
	// DataConverter (a client made from an existing one does not inherit it) and the logger.
	Options client.Options
	// Converter gives each namespace's client its own data converter: payloads are bound to
	// their namespace (internal/codec). Nil keeps Options.DataConverter.
	Converter  func(namespace string) (converter.DataConverter, error)
	Activities *activities.Activities // nil: clients only (a `varco api` process)
	Retention  time.Duration
	Log        *slog.Logger

	mu      sync.RWMutex
	clients map[string]client.Client // by Comune code
	workers []worker.Worker
}

// Client returns the client of a Comune's namespace, once Ensure has prepared it.
func (m *Manager) Client(comune string) (client.Client, error) {
	m.mu.RLock()
	c, ok := m.clients[comune]
	m.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%s: %w", comune, ErrUnknownComune)
	}
	return c, nil
}

// Comuni lists the Comuni whose namespace is ready.
func (m *Manager) Comuni() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]string, 0, len(m.clients))
	for c := range m.clients {
		out = append(out, c)
	}
	return out
}

// Ensure prepares each Comune not yet prepared: namespace registered, search attributes
// usable, client created and (with Activities) a worker started.
func (m *Manager) Ensure(ctx context.Context, comuni ...string) error {
	for _, comune := range comuni {
		m.mu.RLock()
		_, done := m.clients[comune]
		m.mu.RUnlock()
		if done {
			continue
		}
		if err := m.prepare(ctx, comune); err != nil {
			return fmt.Errorf("namespace of %s: %w", comune, err)
		}
	}
	return nil
}

func (m *Manager) prepare(ctx context.Context, comune string) error {
	ns := workflows.Namespace(comune)
	if err := RegisterNamespace(ctx, m.Base, ns, m.Retention); err != nil {
		return err
	}
	opts := m.Options
	opts.Namespace = ns
	if m.Converter != nil {
		dc, err := m.Converter(ns)
		if err != nil {
			return fmt.Errorf("data converter of %s: %w", ns, err)
		}
		opts.DataConverter = dc
	}
	if opts.DataConverter == nil {
		return errors.New("workers: Manager.Options needs the encrypting DataConverter")
	}
	c, err := client.NewClientFromExisting(m.Base, opts)
	if err != nil {
		return fmt.Errorf("client for %s: %w", ns, err)
	}
	if err := EnsureSearchAttributes(ctx, c, ns); err != nil {
		c.Close()
		return err
	}
	if m.Activities != nil {
		w := New(c, m.Activities)
		if err := w.Start(); err != nil {
			c.Close()
			return fmt.Errorf("worker for %s: %w", ns, err)
		}
		m.mu.Lock()
		m.workers = append(m.workers, w)
		m.mu.Unlock()
	}
	m.mu.Lock()
	if m.clients == nil {
		m.clients = map[string]client.Client{}
	}
	m.clients[comune] = c
	m.mu.Unlock()
	if m.Log != nil {
		m.Log.Info("namespace ready", "namespace", ns, "worker", m.Activities != nil)
	}
	return nil
}

// Follow calls list every interval and prepares Comuni added since (by the installation
// operator's CLI, for instance), until ctx ends.
func (m *Manager) Follow(ctx context.Context, interval time.Duration, list func(context.Context) ([]string, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		comuni, err := list(ctx)
		if err == nil {
			err = m.Ensure(ctx, comuni...)
		}
		if err != nil && ctx.Err() == nil && m.Log != nil {
			m.Log.Warn("follow comuni", "error", err)
		}
	}
}

// Stop stops the workers (letting running tasks finish) and closes the namespace clients.
func (m *Manager) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	// All at once: each Stop waits for its running activities (StopTimeout), and a shutdown
	// should wait for the slowest Comune, not for the sum of them.
	var wg sync.WaitGroup
	for _, w := range m.workers {
		wg.Go(w.Stop)
	}
	wg.Wait()
	for _, c := range m.clients {
		c.Close()
	}
	m.workers, m.clients = nil, nil
}

// RegisterNamespace registers ns when it does not exist yet.
func RegisterNamespace(ctx context.Context, c client.Client, ns string, retention time.Duration) error {
	if retention == 0 {
		retention = 7 * 24 * time.Hour
	}
	_, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        ns,
		Description:                      "Varco: ANPR requests of one Comune",
		WorkflowExecutionRetentionPeriod: durationpb.New(retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register namespace %s: %w", ns, err)
	}
	return nil
}
