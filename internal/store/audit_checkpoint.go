package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// AuditCheckpoint is a signed statement that a Comune's chain had Hash at Seq (auditlog signs
// and checks it). Checkpoints are append-only like the records, and outlive the records the
// retention purge removes: the one at the last removed record anchors the rest of the chain.
type AuditCheckpoint struct {
	bun.BaseModel `bun:"table:audit_checkpoints"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Comune    string    `bun:"comune,notnull"`
	Seq       int64     `bun:"seq,notnull"`
	Hash      string    `bun:"hash,notnull"`
	SignedAt  time.Time `bun:"signed_at,notnull"`
	Signature string    `bun:"signature,notnull"` // base64 (standard) Ed25519 signature
	KeyID     string    `bun:"key_id,notnull"`
}

// InsertCheckpoint appends cp unless the Comune already has a checkpoint at that seq (it
// vouches for the same immutable record), reporting whether it wrote one. SignedAt must be
// set by the signer (it is signed), and is kept to the microsecond.
func InsertCheckpoint(ctx context.Context, db bun.IDB, cp *AuditCheckpoint) (bool, error) {
	res, err := db.NewInsert().Model(cp).On("CONFLICT (comune, seq) DO NOTHING").Returning("id").Exec(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, classify("insert checkpoint", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, classify("insert checkpoint", err)
	}
	return n > 0, nil
}

// CheckpointPage returns up to limit checkpoints of the Comune with after < seq <= upTo, by seq.
func CheckpointPage(ctx context.Context, db bun.IDB, comune string, after, upTo int64, limit int) ([]AuditCheckpoint, error) {
	var out []AuditCheckpoint
	err := db.NewSelect().Model(&out).
		Where("comune = ? AND seq > ? AND seq <= ?", comune, after, upTo).
		OrderExpr("seq ASC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, classify("checkpoint page", err)
	}
	return out, nil
}

// LastCheckpoint returns the Comune's newest checkpoint, or ErrNotFound.
func LastCheckpoint(ctx context.Context, db bun.IDB, comune string) (*AuditCheckpoint, error) {
	cp := new(AuditCheckpoint)
	if err := db.NewSelect().Model(cp).Where("comune = ?", comune).OrderExpr("seq DESC").Limit(1).Scan(ctx); err != nil {
		return nil, classify("last checkpoint", err)
	}
	return cp, nil
}
