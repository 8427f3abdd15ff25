package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// ExportPageSize is how many records EachAudit reads per query: large enough that the query
// count stays low, small enough that memory does not grow with the export.
const ExportPageSize = MaxAuditLimit

// EachAudit calls fn for every record q selects, newest first (the order of ListAudit), reading
// the database in keyset pages so that memory stays constant however many records match, and
// so that no query holds a connection (on SQLite the only one) for the whole export. q.Cursor
// and q.Limit are ignored. fn must not keep the record after it returns; an error from fn stops the walk.
func EachAudit(ctx context.Context, db bun.IDB, q AuditQuery, fn func(*AuditRecord) error) error {
	q.Cursor, q.Limit = "", ExportPageSize
	for {
		page, next, err := ListAudit(ctx, db, q)
		if err != nil {
			return fmt.Errorf("store: export audit: %w", err)
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("store: export audit: %w", err)
		}
		q.Cursor = next
	}
}
