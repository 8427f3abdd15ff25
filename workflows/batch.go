package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Batch status values of BatchOutcome and the batches table.
const (
	BatchCompleted = "completed"
	BatchCancelled = "cancelled"
	BatchRefused   = "refused" // the input was not sealed by the API: nothing ran
)

// AnprBatch runs a batch's subjects, a bounded number at a time, each through the BatchSubject
// activity (authorize, certified call, audit with the batch id, encrypted result). A subject
// over a quota or an ANPR pause is put back and the batch sleeps on a durable timer until the
// pause ends; it never fails for it. It continues as new every RunSize subjects so that its
// history stays short; the cursor carries the progress.
func AnprBatch(ctx workflow.Context, in BatchInput) (BatchOutcome, error) {
	b := &batch{in: in}
	if in.Cursor != nil && workflow.GetInfo(ctx).ContinuedExecutionRunID != "" {
		// A run this workflow continued: its first run verified the seal.
		b.cur = *in.Cursor
		b.waitShown = b.cur.WaitShown
	} else {
		ok, err := b.verify(ctx)
		if err != nil {
			return BatchOutcome{}, err
		}
		if !ok {
			return b.finish(ctx, BatchRefused)
		}
	}
	return b.run(ctx)
}

type batch struct {
	in       BatchInput
	cur      BatchCursor
	inflight int
	started  int // subjects started by this run
	wait     BatchSubjectOutput
	sel      workflow.Selector
	// waitShown is set while the database says the batch waits: the first subject answered
	// after the wait clears it, so a recheck that finds the quota still used up does not
	// flicker the batch's state.
	waitShown, resumed bool
}

func (b *batch) verify(ctx workflow.Context) (bool, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	var v BatchVerified
	in := b.in
	in.Cursor = nil
	err := workflow.ExecuteLocalActivity(ctx, ActivityBatchVerify, BatchVerifyInput{
		Batch: in, Started: workflow.GetInfo(ctx).WorkflowStartTime,
	}).Get(ctx, &v)
	if err != nil {
		return false, err
	}
	b.cur = BatchCursor{Settings: v.Settings}
	return v.OK, nil
}

func (b *batch) run(ctx workflow.Context) (BatchOutcome, error) {
	b.sel = workflow.NewSelector(ctx)
	for {
		// Cancellation cancels the subjects in flight too, so Select wakes up for it.
		cancelled := ctx.Err() != nil
		for !cancelled && b.wait.Wait == "" && b.inflight < b.concurrency() && !b.shouldContinue(ctx) {
			idx, ok := b.nextSubject()
			if !ok {
				break
			}
			b.start(ctx, idx)
		}
		if b.inflight == 0 {
			switch {
			case cancelled:
				return b.finish(ctx, BatchCancelled)
			case b.wait.Wait != "":
				if err := b.sleep(ctx); err != nil {
					return b.finish(ctx, BatchCancelled)
				}
				continue
			case b.cur.Next >= len(b.in.Subjects) && len(b.cur.Retry) == 0:
				return b.finish(ctx, BatchCompleted)
			case b.shouldContinue(ctx):
				next := b.in
				cur := b.cur
				cur.WaitShown = b.waitShown
				next.Cursor = &cur
				return BatchOutcome{}, workflow.NewContinueAsNewError(ctx, AnprBatch, next)
			}
		}
		b.sel.Select(ctx)
		if b.resumed && b.waitShown {
			if err := b.state(ctx, BatchStateInput{BatchID: b.in.BatchID, At: workflow.Now(ctx)}); err != nil {
				return BatchOutcome{}, err
			}
			b.waitShown = false
		}
	}
}

func (b *batch) concurrency() int { return max(b.cur.Settings.Concurrency, 1) }

// shouldContinue: this run has started its share of subjects, or Temporal finds its history
// long; the run then stops starting subjects and continues as new once those in flight end.
func (b *batch) shouldContinue(ctx workflow.Context) bool {
	return b.started >= max(b.cur.Settings.RunSize, 1) || (b.started > 0 && workflow.GetInfo(ctx).GetContinueAsNewSuggested())
}

// nextSubject takes a waited subject first, then the next new one.
func (b *batch) nextSubject() (int, bool) {
	if len(b.cur.Retry) > 0 {
		idx := b.cur.Retry[0]
		b.cur.Retry = b.cur.Retry[1:]
		return idx, true
	}
	if b.cur.Next < len(b.in.Subjects) {
		b.cur.Next++
		return b.cur.Next - 1, true
	}
	return 0, false
}

// start schedules one subject; the future's callback counts it done or puts it back.
func (b *batch) start(ctx workflow.Context, idx int) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 20 * time.Second,
		// On cancellation the batch waits for the subjects in flight to end: it says it is
		// cancelled only once its results and records stop changing.
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
		},
	})
	in := b.in
	f := workflow.ExecuteActivity(actx, ActivityBatchSubject, BatchSubjectInput{
		BatchID: in.BatchID, Index: idx, RequestID: BatchSubjectRequestID(in.BatchID, idx), UserID: in.UserID,
		Comune: in.Comune, Service: in.Service, Motivo: in.Motivo, DataRiferimento: in.DataRiferimento,
		Workstation: in.Workstation, LoA: in.LoA, ReceivedAt: in.ReceivedAt, At: workflow.Now(ctx),
		Subject: in.Subjects[idx], Try: b.cur.Tries,
	})
	b.inflight++
	b.started++
	b.sel.AddFuture(f, func(f workflow.Future) {
		b.inflight--
		var out BatchSubjectOutput
		if err := f.Get(ctx, &out); err != nil {
			// Cancelled with the batch (its result, if written, stays) or an activity that
			// never succeeded (retried without limit, so only cancellation gets here): the
			// subject is not done, and a cancelled batch does not run it again.
			return
		}
		if out.Wait != "" {
			b.cur.Retry = append(b.cur.Retry, idx)
			if b.wait.Wait == "" || out.RetryAt.Before(b.wait.RetryAt) {
				b.wait = out
			}
			return
		}
		b.resumed = true
	})
}

// sleep waits, on a durable timer, until the pause ends or the recheck interval passes,
// whichever is first; the database tells GET /batches/{id} why it waits.
func (b *batch) sleep(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	until := now.Add(b.cur.Settings.Recheck)
	if !b.wait.RetryAt.IsZero() && b.wait.RetryAt.Before(until) {
		until = b.wait.RetryAt
	}
	if err := b.state(ctx, BatchStateInput{BatchID: b.in.BatchID, Waiting: b.wait.Wait, Until: until, At: now}); err != nil {
		return err
	}
	b.waitShown, b.resumed = true, false
	if d := until.Sub(now); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return err
		}
	}
	b.wait = BatchSubjectOutput{}
	b.cur.Tries++
	return nil
}

func (b *batch) state(ctx workflow.Context, in BatchStateInput) error {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: 24 * time.Hour,
		StartToCloseTimeout:    10 * time.Second,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second},
	})
	return workflow.ExecuteLocalActivity(ctx, ActivityBatchState, in).Get(ctx, nil)
}

// finish records the final status even when the batch was cancelled.
func (b *batch) finish(ctx workflow.Context, status string) (BatchOutcome, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if err := b.state(dctx, BatchStateInput{BatchID: b.in.BatchID, Final: status, At: workflow.Now(dctx)}); err != nil {
		return BatchOutcome{}, err
	}
	return BatchOutcome{Status: status}, nil
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func itoa(n int) string { return strconv.Itoa(n) }
