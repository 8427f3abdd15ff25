package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// batchFakes stand for the batch activities.
type batchFakes struct {
	mu       *sync.Mutex
	ok       bool
	settings BatchSettings
	// quotaFrom makes subjects from this index on wait for the quota on their first try.
	quotaFrom  int
	done       map[int]int // subject → answers
	running    int
	maxRunning int
	states     []BatchStateInput
	block      bool
	subjectTry map[int][]int
}

func (f *batchFakes) verify(_ context.Context, in BatchVerifyInput) (BatchVerified, error) {
	return BatchVerified{OK: f.ok, Settings: f.settings}, nil
}

func (f *batchFakes) subject(ctx context.Context, in BatchSubjectInput) (BatchSubjectOutput, error) {
	f.mu.Lock()
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.subjectTry[in.Index] = append(f.subjectTry[in.Index], in.Try)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.running--; f.mu.Unlock() }()
	if f.block {
		<-ctx.Done()
		return BatchSubjectOutput{}, ctx.Err()
	}
	time.Sleep(time.Millisecond) // let others overlap
	if f.quotaFrom > 0 && in.Index >= f.quotaFrom && in.Try == 0 {
		return BatchSubjectOutput{Wait: WaitQuota, RetryAt: in.At.Add(6 * time.Hour)}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done[in.Index]++
	return BatchSubjectOutput{Outcome: OutcomeOK}, nil
}

func (f *batchFakes) state(_ context.Context, in BatchStateInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.states = append(f.states, in)
	return nil
}

func newBatchEnv(t *testing.T, f *batchFakes) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	if f.done == nil {
		f.done, f.subjectTry, f.mu = map[int]int{}, map[int][]int{}, &sync.Mutex{}
	}
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(discardLogger()))
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(AnprBatch)
	env.RegisterActivityWithOptions(f.verify, activity.RegisterOptions{Name: ActivityBatchVerify})
	env.RegisterActivityWithOptions(f.subject, activity.RegisterOptions{Name: ActivityBatchSubject})
	env.RegisterActivityWithOptions(f.state, activity.RegisterOptions{Name: ActivityBatchState})
	return env
}

func batchInput(n int) BatchInput {
	in := BatchInput{BatchID: "bt-h501-0123456789abcdef0123456789abcdef", UserID: 3, Comune: "H501", Service: "C020",
		Motivo: "verbali", ReceivedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	for i := range n {
		in.Subjects = append(in.Subjects, BatchSubject{Criteria: Criteria{IDANPR: "AB12345CD"}, Line: i + 2})
	}
	return in
}

func TestAnprBatch(t *testing.T) {
	tests := []struct {
		name      string
		fakes     batchFakes
		n         int
		cancelAt  time.Duration
		want      string
		wantDone  int
		wantWaits int
	}{
		{"every subject once, at most the concurrency at a time",
			batchFakes{ok: true, settings: BatchSettings{Concurrency: 4, RunSize: 1000, Recheck: time.Minute}}, 40, 0, BatchCompleted, 40, 0},
		{"an unsealed input runs nothing",
			batchFakes{ok: false, settings: BatchSettings{Concurrency: 4, RunSize: 1000, Recheck: time.Minute}}, 10, 0, BatchRefused, 0, 0},
		{"over the quota it waits on a timer, then finishes",
			batchFakes{ok: true, quotaFrom: 15, settings: BatchSettings{Concurrency: 3, RunSize: 1000, Recheck: time.Hour}}, 30, 0, BatchCompleted, 30, 1},
		{"cancelled, it stops and says so",
			batchFakes{ok: true, block: true, settings: BatchSettings{Concurrency: 2, RunSize: 1000, Recheck: time.Minute}}, 10, time.Second, BatchCancelled, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fakes
			env := newBatchEnv(t, &f)
			if tt.cancelAt > 0 {
				env.RegisterDelayedCallback(env.CancelWorkflow, tt.cancelAt)
			}
			start := env.Now()
			env.ExecuteWorkflow(AnprBatch, batchInput(tt.n))
			if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
				t.Fatalf("workflow: completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
			}
			var out BatchOutcome
			if err := env.GetWorkflowResult(&out); err != nil || out.Status != tt.want {
				t.Fatalf("outcome %+v %v, want %s", out, err, tt.want)
			}
			if len(f.done) != tt.wantDone {
				t.Fatalf("%d subjects answered, want %d", len(f.done), tt.wantDone)
			}
			for i, n := range f.done {
				if n != 1 {
					t.Fatalf("subject %d answered %d times", i, n)
				}
			}
			if f.maxRunning > f.settings.Concurrency {
				t.Fatalf("%d subjects ran at once, concurrency %d", f.maxRunning, f.settings.Concurrency)
			}
			waits := 0
			for _, s := range f.states {
				if s.Waiting == WaitQuota {
					waits++
					if want := s.At.Add(f.settings.Recheck); !s.Until.Equal(want) {
						t.Fatalf("waits until %v, want the recheck %v", s.Until, want)
					}
				}
			}
			if waits != tt.wantWaits {
				t.Fatalf("%d quota waits recorded (%+v), want %d", waits, f.states, tt.wantWaits)
			}
			if tt.wantWaits > 0 && env.Now().Sub(start) < f.settings.Recheck {
				t.Fatalf("the batch did not sleep: %v passed", env.Now().Sub(start))
			}
			if last := f.states[len(f.states)-1]; last.Final != tt.want {
				t.Fatalf("last state %+v, want final %s", last, tt.want)
			}
		})
	}
}

// TestAnprBatchContinuesAsNew: a run starts at most RunSize subjects, then continues as new
// with a cursor; the continued run resumes there, without verifying again.
func TestAnprBatchContinuesAsNew(t *testing.T) {
	f := batchFakes{ok: true, settings: BatchSettings{Concurrency: 2, RunSize: 4, Recheck: time.Minute}}
	env := newBatchEnv(t, &f)
	env.ExecuteWorkflow(AnprBatch, batchInput(10))
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("error %v, want continue-as-new", err)
	}
	if len(f.done) != 4 {
		t.Fatalf("%d subjects in the first run, want 4", len(f.done))
	}
	var next BatchInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Cursor == nil || next.Cursor.Next != 4 || next.Cursor.Settings != f.settings || len(next.Subjects) != 10 {
		t.Fatalf("continued with %+v", next.Cursor)
	}
	// The continued run: BatchVerify now refuses, to show it is not asked again.
	f.ok = false
	env = newBatchEnv(t, &f)
	env.SetContinuedExecutionRunID("run-1")
	env.ExecuteWorkflow(AnprBatch, next)
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("second run: %v, want another continue-as-new", env.GetWorkflowError())
	}
	if len(f.done) != 8 {
		t.Fatalf("%d subjects after two runs, want 8", len(f.done))
	}
	// A forged "continued" input without Temporal's continuation is verified like any other.
	env = newBatchEnv(t, &f)
	env.ExecuteWorkflow(AnprBatch, next)
	var out BatchOutcome
	if err := env.GetWorkflowResult(&out); err != nil || out.Status != BatchRefused {
		t.Fatalf("a cursor without a continuation: %+v %v, want refused", out, err)
	}
}
