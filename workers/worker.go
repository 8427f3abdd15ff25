// Package workers builds the Temporal worker that runs AnprQuery and its activities, and
// registers Varco's search attributes on a namespace.
package workers

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/workflows"
)

// StopTimeout is how long Stop waits for the running activities to finish.
const StopTimeout = 15 * time.Second

// New returns a worker for the varco-anpr task queue. More pollers than the SDK default
// trim the latency tail under concurrency (docs/temporal.md).
func New(c client.Client, acts *activities.Activities) worker.Worker {
	w := worker.New(c, workflows.TaskQueue, worker.Options{
		MaxConcurrentWorkflowTaskPollers: 8,
		MaxConcurrentActivityTaskPollers: 4,
		// Stop lets running tasks finish (a SIGTERM drains): an ANPR call and its audit write
		// take at most the request deadline. Without it Stop cancels them at once.
		WorkerStopTimeout: StopTimeout,
	})
	w.RegisterWorkflowWithOptions(workflows.AnprQuery, workflow.RegisterOptions{Name: "AnprQuery"})
	w.RegisterActivityWithOptions(acts.Authorize, activity.RegisterOptions{Name: workflows.ActivityAuthorize})
	w.RegisterActivityWithOptions(acts.CallANPR, activity.RegisterOptions{Name: workflows.ActivityCallANPR})
	w.RegisterActivityWithOptions(acts.WriteAudit, activity.RegisterOptions{Name: workflows.ActivityWriteAudit})
	w.RegisterWorkflowWithOptions(workflows.AnprBatch, workflow.RegisterOptions{Name: "AnprBatch"})
	w.RegisterActivityWithOptions(acts.BatchVerify, activity.RegisterOptions{Name: workflows.ActivityBatchVerify})
	w.RegisterActivityWithOptions(acts.BatchSubject, activity.RegisterOptions{Name: workflows.ActivityBatchSubject})
	w.RegisterActivityWithOptions(acts.BatchState, activity.RegisterOptions{Name: workflows.ActivityBatchState})
	return w
}

// EnsureSearchAttributes registers Varco's keyword search attributes on a namespace of a
// Temporal cluster; attributes that already exist are left as they are.
// A namespace registered a moment ago may not be in the frontend's namespace cache yet (a
// cluster refreshes it every few seconds): NamespaceNotFound is retried for up to a minute.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := addSearchAttributes(ctx, c, namespace)
		var nf *serviceerror.NamespaceNotFound
		if err == nil {
			break
		}
		if !errors.As(err, &nf) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
	return waitSearchAttributes(ctx, c, namespace)
}

func addSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	sas, err := missingSearchAttributes(ctx, c, namespace)
	if err != nil || len(sas) == 0 {
		return err
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: sas,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register search attributes on %s: %w", namespace, err)
	}
	return nil
}

// missingSearchAttributes lists Varco's attributes the namespace lacks (asking first keeps
// the server from logging a warning for each one that exists).
func missingSearchAttributes(ctx context.Context, c client.Client, namespace string) (map[string]enumspb.IndexedValueType, error) {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return nil, fmt.Errorf("list search attributes of %s: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range workflows.SearchAttributeNames() {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
		}
	}
	return missing, nil
}

// waitSearchAttributes waits until the frontend's namespace cache knows the attributes (it
// refreshes every few seconds): until then, starting a workflow would fail.
func waitSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		_, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, PageSize: 1, Query: workflows.ProbeQuery(),
		})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("search attributes not usable on %s: %w", namespace, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
