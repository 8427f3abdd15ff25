package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// MinAuditRetentionMonths is the shortest retention a Comune may set (the table's CHECK too).
const MinAuditRetentionMonths = 6

// PurgeBound returns the highest seq S such that every record of the Comune with seq <= S
// was created before `before` (0 when none). The purge removes exactly that prefix: records
// are chained in commit order, which can differ slightly from their creation times, and
// removing anything but a prefix would cut the chain. A few old records just after a newer
// one wait for the next purge.
func PurgeBound(ctx context.Context, db bun.IDB, comune string, before time.Time) (int64, error) {
	var firstKept, last sql.NullInt64
	err := db.NewSelect().Table("audit_events").ColumnExpr("MIN(seq)").
		Where("comune_code = ? AND created_at >= ?", comune, stamp(before)).Scan(ctx, &firstKept)
	if err != nil {
		return 0, classify("purge bound", err)
	}
	if firstKept.Valid {
		return firstKept.Int64 - 1, nil
	}
	err = db.NewSelect().Table("audit_events").ColumnExpr("MAX(seq)").
		Where("comune_code = ?", comune).Scan(ctx, &last)
	if err != nil {
		return 0, classify("purge bound", err)
	}
	return last.Int64, nil
}

// DeleteAuditThrough removes the Comune's records with seq <= through, all created before
// `before`, and returns how many went. It is the only deletion of audit records, and it only
// works inside the purge's transaction tx: it lifts the append-only trigger for this Comune
// and this transaction alone — on PostgreSQL with the transaction-local setting
// varco.audit_purge, on SQLite with a row of audit_purge_guard removed before commit.
func DeleteAuditThrough(ctx context.Context, tx bun.Tx, comune string, through int64, before time.Time) (int, error) {
	if err := allowPurge(ctx, tx, comune, before); err != nil {
		return 0, err
	}
	res, err := tx.NewDelete().Table("audit_events").
		Where("comune_code = ? AND seq <= ? AND created_at < ?", comune, through, stamp(before)).Exec(ctx)
	if err != nil {
		return 0, classify("purge audit", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, classify("purge audit", err)
	}
	if err := endPurge(ctx, tx, comune); err != nil {
		return 0, err
	}
	return int(n), nil
}

func allowPurge(ctx context.Context, tx bun.Tx, comune string, before time.Time) error {
	var err error
	if tx.Dialect().Name() == dialect.PG {
		// set_config(..., true) = SET LOCAL, but takes the value as a parameter.
		_, err = tx.ExecContext(ctx, "SELECT set_config('varco.audit_purge', ?, true)", comune)
	} else {
		_, err = tx.ExecContext(ctx, "INSERT INTO audit_purge_guard (comune_code, before) VALUES (?, ?)", comune, stamp(before))
	}
	if err != nil {
		return fmt.Errorf("store: purge audit: lift the append-only guard: %w", err)
	}
	return nil
}

func endPurge(ctx context.Context, tx bun.Tx, comune string) error {
	var err error
	if tx.Dialect().Name() == dialect.PG {
		_, err = tx.ExecContext(ctx, "SELECT set_config('varco.audit_purge', '', true)")
	} else {
		_, err = tx.ExecContext(ctx, "DELETE FROM audit_purge_guard WHERE comune_code = ?", comune)
	}
	if err != nil {
		return fmt.Errorf("store: purge audit: restore the append-only guard: %w", err)
	}
	return nil
}

// AuditRetentions returns every Comune's audit retention in months.
func AuditRetentions(ctx context.Context, db bun.IDB) (map[string]int, error) {
	var rows []struct {
		Code   string `bun:"code"`
		Months int    `bun:"audit_retention_months"`
	}
	if err := db.NewSelect().Table("comuni").Column("code", "audit_retention_months").Scan(ctx, &rows); err != nil {
		return nil, classify("audit retentions", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Months
	}
	return out, nil
}

// ErrRetentionTooShort: a retention under MinAuditRetentionMonths.
var ErrRetentionTooShort = errors.New("store: audit retention under the minimum")

// SetAuditRetention sets the Comune's audit retention in months.
func SetAuditRetention(ctx context.Context, db bun.IDB, comune string, months int) error {
	if months < MinAuditRetentionMonths {
		return fmt.Errorf("%w: %d months, at least %d", ErrRetentionTooShort, months, MinAuditRetentionMonths)
	}
	res, err := db.NewUpdate().Table("comuni").Set("audit_retention_months = ?", months).
		Where("code = ?", comune).Exec(ctx)
	if err != nil {
		return classify("set audit retention", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: set audit retention: comune %s: %w", comune, ErrNotFound)
	}
	return nil
}
