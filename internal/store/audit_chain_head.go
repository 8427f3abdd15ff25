package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// ChainHead is the last link of a Comune's chain: the seq and hash of its newest record (0
// and "" before the first).
type ChainHead struct {
	bun.BaseModel `bun:"table:audit_chain_heads"`

	ComuneCode string `bun:"comune_code,pk"`
	Seq        int64  `bun:"seq,notnull"`
	Hash       string `bun:"hash,notnull"`
}

// GetChainHead returns the Comune's head; a Comune without records has the zero head.
func GetChainHead(ctx context.Context, db bun.IDB, comune string) (ChainHead, error) {
	h := ChainHead{ComuneCode: comune}
	err := db.NewSelect().Model(&h).WherePK().Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return ChainHead{ComuneCode: comune}, nil
	}
	if err != nil {
		return ChainHead{}, classify("get chain head", err)
	}
	return h, nil
}

// LockChainHead returns the Comune's head, locked until tx ends, creating it on the Comune's
// first record. On PostgreSQL SELECT ... FOR UPDATE serialises the Comune's writers (other
// Comuni proceed in parallel); on SQLite the transaction already holds the single write lock
// (BEGIN IMMEDIATE), which serialises everyone.
func LockChainHead(ctx context.Context, tx bun.Tx, comune string) (ChainHead, error) {
	pg := tx.Dialect().Name() == dialect.PG
	read := func() (ChainHead, error) {
		h := ChainHead{ComuneCode: comune}
		q := tx.NewSelect().Model(&h).WherePK()
		if pg {
			q = q.For("UPDATE")
		}
		return h, q.Scan(ctx)
	}
	h, err := read()
	if errors.Is(err, sql.ErrNoRows) {
		// Concurrent first writers: one inserts, the others wait on its row and do nothing.
		_, err = tx.NewInsert().Model(&ChainHead{ComuneCode: comune}).
			On("CONFLICT (comune_code) DO NOTHING").Exec(ctx)
		if err != nil {
			return ChainHead{}, classify("create chain head", err)
		}
		h, err = read()
	}
	if err != nil {
		return ChainHead{}, classify("lock chain head", err)
	}
	return h, nil
}

// AdvanceChainHead moves the Comune's head to r, the link just inserted in tx.
func AdvanceChainHead(ctx context.Context, tx bun.Tx, r *AuditRecord) error {
	_, err := tx.NewUpdate().Model(&ChainHead{ComuneCode: r.ComuneCode, Seq: r.Seq, Hash: r.Hash}).
		WherePK().Exec(ctx)
	return classify("advance chain head", err)
}

// AuditChainPage returns up to limit records of the Comune with after < seq <= upTo, by seq:
// Verify walks a chain page by page, in constant memory, and never holds a cursor open
// (SQLite has one connection).
func AuditChainPage(ctx context.Context, db bun.IDB, comune string, after, upTo int64, limit int) ([]AuditRecord, error) {
	var out []AuditRecord
	err := db.NewSelect().Model(&out).
		Where("comune_code = ? AND seq > ? AND seq <= ?", comune, after, upTo).
		OrderExpr("seq ASC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, classify("audit chain page", err)
	}
	return out, nil
}

// AuditAt returns the Comune's record at seq.
func AuditAt(ctx context.Context, db bun.IDB, comune string, seq int64) (*AuditRecord, error) {
	r := new(AuditRecord)
	err := db.NewSelect().Model(r).Where("comune_code = ? AND seq = ?", comune, seq).Scan(ctx)
	if err != nil {
		return nil, classify(fmt.Sprintf("audit at seq %d", seq), err)
	}
	return r, nil
}
