package auditlog

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/store"
)

// DefaultCheckpointEvery is how many records of a Comune separate two periodic checkpoints.
const DefaultCheckpointEvery = 1000

// Writer stores audit records (it implements activities.AuditWriter) and writes a signed
// checkpoint in the same transaction as every Every-th record of a Comune. Comuni with little
// traffic also get one at each retention run (PurgeExpired checkpoints every head).
type Writer struct {
	DB     bun.IDB
	Signer *Signer     // nil: no periodic checkpoints (tests, or a deployment without the key)
	Every  int64       // 0 = DefaultCheckpointEvery
	Now    clock.Clock // nil: the system clock
}

// InsertAudit implements activities.AuditWriter: idempotent by request ID, like store.InsertAudit.
func (w *Writer) InsertAudit(ctx context.Context, rec *store.AuditRecord) (bool, error) {
	if w.Signer == nil {
		return store.InsertAudit(ctx, w.DB, rec)
	}
	every := w.Every
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	return store.InsertAuditWith(ctx, w.DB, rec, func(ctx context.Context, tx bun.Tx, r *store.AuditRecord) error {
		if r.Seq%every != 0 {
			return nil
		}
		cp := w.Signer.Sign(r.ComuneCode, r.Seq, r.Hash, now(w.Now))
		if _, err := store.InsertCheckpoint(ctx, tx, &cp); err != nil {
			return fmt.Errorf("auditlog: periodic checkpoint: %w", err)
		}
		return nil
	})
}

// StoredAudit implements activities.AuditWriter: the committed record of a request.
func (w *Writer) StoredAudit(ctx context.Context, requestID string) (*store.AuditRecord, error) {
	return store.GetAudit(ctx, w.DB, requestID)
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
