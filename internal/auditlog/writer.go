package auditlog

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// DefaultCheckpointEvery is how many records of a Comune separate two periodic checkpoints.
const DefaultCheckpointEvery = 1000

// Writer is the audit's only write path (activities.AuditWriter): it builds each record
// (Record), links it into its Comune's hash chain and commits it in one transaction, with a
// signed checkpoint in the same transaction as every Every-th record of a Comune. Comuni with
// little traffic also get one at each retention run (PurgeExpired checkpoints every head).
// internal/store supplies single statements; the order of the steps lives here, once.
type Writer struct {
	DB         bun.IDB
	SubjectKey []byte      // key of the subject hashes
	Sealer     Sealer      // seals the subject's identifier; nil keeps only the hashes
	Signer     *Signer     // nil: no periodic checkpoints (tests, or a deployment without the key)
	Every      int64       // 0 = DefaultCheckpointEvery
	Now        clock.Clock // nil: the system clock
}

// Write commits the request's record, after the linked record of its C030 resolution when
// there was one (it happened first). It is idempotent by request ID, so the workflow may
// retry it until it commits: when the request's record is already there (a run retried after
// a crash wrote it first), nothing is overwritten and the stored record is returned, so the
// workflow answers with its story.
func (w *Writer) Write(ctx context.Context, in workflows.AuditInput) (existing *store.AuditRecord, err error) {
	if err := w.nameUnansweredCall(ctx, &in); err != nil {
		return nil, err
	}
	if in.Resolve != nil {
		if _, err := w.write(ctx, linkedResolve(in)); err != nil {
			return nil, err
		}
	}
	inserted, err := w.write(ctx, in)
	if err != nil || inserted {
		return nil, err
	}
	rec, err := store.GetAudit(ctx, w.DB, in.RequestID)
	if err != nil {
		return nil, fmt.Errorf("auditlog: write %s: read the stored record: %w", in.RequestID, err)
	}
	return rec, nil
}

// nameUnansweredCall gives a failed or cancelled record without a call id the id of the last
// call its request sent: an attempt cut by the deadline, or lost with a worker, returns no
// trace, yet ANPR may have received it. The claim written just before each attempt
// (store.RequestClaims) names it, so the record says "called, outcome unknown" and never
// "not called" (`varco audit reconcile`). A request that never reached the call has no claim.
func (w *Writer) nameUnansweredCall(ctx context.Context, in *workflows.AuditInput) error {
	if in.Trace.IDOperazioneClient != "" || in.RequestID == "" ||
		in.Outcome != workflows.OutcomeFailed && in.Outcome != workflows.OutcomeCancelled {
		return nil
	}
	claim, err := store.RequestClaims{DB: w.DB}.Get(ctx, in.RequestID) // no claim: an empty one
	if err != nil {
		return fmt.Errorf("auditlog: write %s: the call it sent: %w", in.RequestID, err)
	}
	in.Trace.IDOperazioneClient = claim.OperationID
	return nil
}

func (w *Writer) write(ctx context.Context, in workflows.AuditInput) (bool, error) {
	rec, err := w.Record(in)
	if err != nil {
		return false, err
	}
	inserted, err := w.Insert(ctx, rec)
	if err != nil {
		return false, fmt.Errorf("auditlog: write %s: %w", in.RequestID, err)
	}
	return inserted, nil
}

// Insert commits rec as its Comune's next link, reporting whether it did (false: a record
// with its RequestID exists, and nothing changed). One transaction, in order: lock the chain
// head, link rec to it, insert, advance the head, checkpoint when due. On failure or a
// duplicate rec holds no link, since the chain has none for it.
func (w *Writer) Insert(ctx context.Context, rec *store.AuditRecord) (inserted bool, err error) {
	rec.CreatedAt = store.Stamp(rec.CreatedAt)
	err = store.Tx(ctx, w.DB, func(tx bun.Tx) error {
		head, err := store.LockChainHead(ctx, tx, rec.ComuneCode)
		if err != nil {
			return err
		}
		link(rec, head)
		if inserted, err = store.InsertAuditRow(ctx, tx, rec); err != nil || !inserted {
			return err
		}
		if err := store.AdvanceChainHead(ctx, tx, rec); err != nil {
			return err
		}
		return w.checkpointIfDue(ctx, tx, rec)
	})
	if err != nil || !inserted {
		rec.Seq, rec.PrevHash, rec.Hash = 0, "", ""
		return false, err
	}
	return true, nil
}

// checkpointIfDue signs rec's link when its seq is a multiple of Every, so a checkpoint exists
// exactly when its record does.
func (w *Writer) checkpointIfDue(ctx context.Context, tx bun.Tx, rec *store.AuditRecord) error {
	every := w.Every
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	if w.Signer == nil || rec.Seq%every != 0 {
		return nil
	}
	cp := w.Signer.Sign(rec.ComuneCode, rec.Seq, rec.Hash, now(w.Now))
	if _, err := store.InsertCheckpoint(ctx, tx, &cp); err != nil {
		return fmt.Errorf("auditlog: periodic checkpoint: %w", err)
	}
	return nil
}

// CheckpointHead signs the Comune's current head (nothing when the Comune has no records)
// and returns the checkpoint, or nil.
func CheckpointHead(ctx context.Context, db bun.IDB, comune string, signer *Signer, at time.Time) (*store.AuditCheckpoint, error) {
	head, err := store.GetChainHead(ctx, db, comune)
	if err != nil {
		return nil, fmt.Errorf("auditlog: checkpoint %s: %w", comune, err)
	}
	if head.Seq == 0 {
		return nil, nil
	}
	cp := signer.Sign(comune, head.Seq, head.Hash, at)
	if _, err := store.InsertCheckpoint(ctx, db, &cp); err != nil {
		return nil, fmt.Errorf("auditlog: checkpoint %s: %w", comune, err)
	}
	return &cp, nil
}

func now(c clock.Clock) time.Time { return c.Now() }
