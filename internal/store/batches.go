package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Batch statuses.
const (
	BatchRunning   = "running"
	BatchCompleted = "completed"
	BatchCancelled = "cancelled"
)

// Batch is one batch query (issue 16). It names no person: subjects and answers live only in
// BatchResult.Sealed.
type Batch struct {
	bun.BaseModel `bun:"table:batches"`

	ID          string `bun:"id,pk"`
	ComuneCode  string `bun:"comune_code,notnull"`
	UserID      int64  `bun:"user_id,notnull"`
	EnteID      int64  `bun:"ente_id,notnull"`
	Service     string `bun:"service,notnull"`
	Motivo      string `bun:"motivo,notnull"`
	Total       int    `bun:"total,notnull"`
	Fingerprint string `bun:"fingerprint,notnull"`
	Status      string `bun:"status,notnull"`
	// Waiting is why the batch is paused ("quota", "anpr_pause"), "" while it runs freely.
	Waiting      string     `bun:"waiting,notnull"`
	WaitingUntil *time.Time `bun:"waiting_until"`
	CreatedAt    time.Time  `bun:"created_at,notnull"`
	FinishedAt   *time.Time `bun:"finished_at"`
	ExpiresAt    time.Time  `bun:"expires_at,notnull"`
	PurgedAt     *time.Time `bun:"purged_at"`
}

// BatchResult is one subject's answer, in input order by Index.
type BatchResult struct {
	bun.BaseModel `bun:"table:batch_results"`

	BatchID   string `bun:"batch_id,pk"`
	Index     int    `bun:"idx,pk"`
	RequestID string `bun:"request_id,notnull"`
	Outcome   string `bun:"outcome,notnull"`
	ErrorCode string `bun:"error_code,notnull"`
	Sealed    string `bun:"sealed,notnull"` // encrypted: reference, criteria, answer
	// Audited is false until the subject's audit record is committed (MarkAudited): only
	// audited results are counted and returned.
	Audited   bool      `bun:"audited,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// Batches stores batches and their results.
type Batches struct{ DB bun.IDB }

// Create inserts b unless a batch with its id exists; it returns the stored batch, so a
// repeated Idempotency-Key finds the first one (compare its Fingerprint).
func (s Batches) Create(ctx context.Context, b *Batch) (*Batch, error) {
	b.CreatedAt, b.ExpiresAt = stamp(b.CreatedAt), stamp(b.ExpiresAt)
	if b.Status == "" {
		b.Status = BatchRunning
	}
	if _, err := s.DB.NewInsert().Model(b).On("CONFLICT (id) DO NOTHING").Exec(ctx); err != nil {
		return nil, classify("create batch", err)
	}
	return s.Get(ctx, b.ID)
}

// Get reads a batch.
func (s Batches) Get(ctx context.Context, id string) (*Batch, error) {
	b := new(Batch)
	if err := s.DB.NewSelect().Model(b).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, classify("batch", err)
	}
	return b, nil
}

// SetEnte records the batch's Ente once authorization has named it (scoped TOPs see it).
func (s Batches) SetEnte(ctx context.Context, id string, enteID int64) error {
	_, err := s.DB.NewRaw("UPDATE batches SET ente_id = ? WHERE id = ? AND ente_id = 0", enteID, id).Exec(ctx)
	return classify("batch ente", err)
}

// SetWaiting records why and until when the batch waits; "" clears it.
func (s Batches) SetWaiting(ctx context.Context, id, why string, until time.Time) error {
	var u *time.Time
	if why != "" {
		t := stamp(until)
		u = &t
	}
	_, err := s.DB.NewRaw("UPDATE batches SET waiting = ?, waiting_until = ? WHERE id = ?", why, u, id).Exec(ctx)
	return classify("batch waiting", err)
}

// Finish records the batch's final status; a finished batch keeps its first final status.
func (s Batches) Finish(ctx context.Context, id, status string, at time.Time) error {
	_, err := s.DB.NewRaw(`UPDATE batches SET status = ?, finished_at = ?, waiting = '', waiting_until = NULL
		WHERE id = ? AND status = ?`, status, stamp(at), id, BatchRunning).Exec(ctx)
	return classify("finish batch", err)
}

// PutResult stores a subject's result once: a second write of the same index is a no-op
// (inserted false), so a retried activity never answers a subject twice.
func (s Batches) PutResult(ctx context.Context, r *BatchResult) (inserted bool, err error) {
	r.CreatedAt = stamp(r.CreatedAt)
	res, err := s.DB.NewInsert().Model(r).On("CONFLICT (batch_id, idx) DO NOTHING").Exec(ctx)
	return affectedOne("put batch result", res, err)
}

// MarkAudited records that the subject's audit record is committed, with its result as kept
// from then on.
func (s Batches) MarkAudited(ctx context.Context, batchID string, index int, sealed string) error {
	_, err := s.DB.NewRaw("UPDATE batch_results SET audited = TRUE, sealed = ? WHERE batch_id = ? AND idx = ?", sealed, batchID, index).Exec(ctx)
	return classify("mark batch result audited", err)
}

// Result reads one subject's result, audited or not.
func (s Batches) Result(ctx context.Context, batchID string, index int) (*BatchResult, error) {
	r := new(BatchResult)
	if err := s.DB.NewSelect().Model(r).Where("batch_id = ? AND idx = ?", batchID, index).Scan(ctx); err != nil {
		return nil, classify("batch result", err)
	}
	return r, nil
}

// Audit reads a subject's committed audit record (GetAudit): a retried subject that finds
// one is not run again.
func (s Batches) Audit(ctx context.Context, requestID string) (*AuditRecord, error) {
	return GetAudit(ctx, s.DB, requestID)
}

// BatchCounts is a batch's progress by outcome.
type BatchCounts struct {
	Done      int
	ByOutcome map[string]int
}

// Counts counts the batch's audited results by outcome.
func (s Batches) Counts(ctx context.Context, batchID string) (BatchCounts, error) {
	var rows []struct {
		Outcome string `bun:"outcome"`
		N       int    `bun:"n"`
	}
	err := s.DB.NewRaw("SELECT outcome, COUNT(*) AS n FROM batch_results WHERE batch_id = ? AND audited GROUP BY outcome", batchID).Scan(ctx, &rows)
	if err != nil {
		return BatchCounts{}, classify("batch counts", err)
	}
	c := BatchCounts{ByOutcome: map[string]int{}}
	for _, r := range rows {
		c.ByOutcome[r.Outcome] = r.N
		c.Done += r.N
	}
	return c, nil
}

// EachResult calls fn for the batch's audited results in input order, a page at a time, so a
// 10,000-subject batch is streamed, not loaded whole.
func (s Batches) EachResult(ctx context.Context, batchID string, fn func(BatchResult) error) error {
	const page = 500
	after := -1
	for {
		var rows []BatchResult
		err := s.DB.NewSelect().Model(&rows).Where("batch_id = ? AND idx > ? AND audited", batchID, after).
			OrderExpr("idx").Limit(page).Scan(ctx)
		if err != nil {
			return classify("batch results", err)
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < page {
			return nil
		}
		after = rows[len(rows)-1].Index
	}
}

// PurgeExpired removes the results of batches expired at now and marks them purged; the
// batch rows and the audit stay. It returns how many results went.
func (s Batches) PurgeExpired(ctx context.Context, now time.Time) (int, error) {
	now = stamp(now)
	var n int64
	err := Tx(ctx, s.DB, func(tx bun.Tx) error {
		res, err := tx.NewRaw(`DELETE FROM batch_results WHERE batch_id IN
			(SELECT id FROM batches WHERE expires_at <= ? AND purged_at IS NULL)`, now).Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.NewRaw("UPDATE batches SET purged_at = ? WHERE expires_at <= ? AND purged_at IS NULL", now, now).Exec(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge batch results: %w", classify("purge batch results", err))
	}
	return int(n), nil
}
