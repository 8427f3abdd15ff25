package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// InsertAuditRow inserts r in tx unless a record with its RequestID exists, reporting whether
// it did: the workflow retries its audit step until it commits, and a retry must change
// nothing. It is one statement; the chain links and the transaction belong to
// auditlog.Writer, the audit's only writer, which stamps CreatedAt (Stamp) before it hashes.
func InsertAuditRow(ctx context.Context, tx bun.Tx, r *AuditRecord) (bool, error) {
	if r.RequestID == "" {
		return false, fmt.Errorf("store: insert audit: empty request ID")
	}
	res, err := tx.NewInsert().Model(r).
		On("CONFLICT (request_id) DO NOTHING").
		Returning("id").
		Exec(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // RETURNING yielded no row: the conflict path
	}
	if err != nil {
		return false, classify("insert audit", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, classify("insert audit", err)
	}
	return n > 0, nil
}

// GetAudit returns the record of a request.
func GetAudit(ctx context.Context, db bun.IDB, requestID string) (*AuditRecord, error) {
	r := new(AuditRecord)
	if err := db.NewSelect().Model(r).Where("request_id = ?", requestID).Scan(ctx); err != nil {
		return nil, classify("get audit", err)
	}
	return r, nil
}

// Scope is a slice of the audit a reader may see: one Comune, optionally narrowed to one Ente
// and/or one user (0 = any).
type Scope struct {
	ComuneCode string
	EnteID     int64
	UserID     int64
}

// AuditQuery selects audit records. Records visible = the OR of Scopes (none = nothing);
// the other fields narrow further (zero = no filter). From is inclusive, To exclusive.
type AuditQuery struct {
	Scopes  []Scope
	Comune  string
	Service string
	Outcome string
	// Subject is a keyed subject hash (hex, see auditlog.SubjectHash): it matches the
	// record's SubjectHash or SubjectHashCF.
	Subject string
	EnteID  int64
	UserID  int64
	BatchID string // the records of one batch query
	From    time.Time
	To      time.Time
	Cursor  string // from the previous page's next; "" for the first page
	Limit   int    // default 50, at most 500
}

// Page sizes of ListAudit.
const (
	DefaultAuditLimit = 50
	MaxAuditLimit     = 500
)

// ListAudit returns one page of records, newest first (created_at, then id, descending), and
// the cursor of the next page ("" on the last page).
func ListAudit(ctx context.Context, db bun.IDB, q AuditQuery) ([]AuditRecord, string, error) {
	scopes := validScopes(q.Scopes)
	if len(scopes) == 0 {
		return nil, "", nil
	}
	var out []AuditRecord
	sel := db.NewSelect().Model(&out)
	sel = whereScopes(sel, scopes)
	sel = whereFilters(sel, q)
	next, err := scanPage(ctx, sel, &out, "created_at", q.Cursor, q.Limit, "list audit",
		func(r AuditRecord) cursor { return cursor{createdAt: r.CreatedAt, id: r.ID} })
	return out, next, err
}

// scanPage scans one page of sel, newest first by timeCol then id, after the cursor; one
// row more than asked tells whether a next page exists, whose cursor it returns ("" at the
// end). out must be the slice sel scans into.
func scanPage[T any](ctx context.Context, sel *bun.SelectQuery, out *[]T, timeCol, after string, limit int, op string, key func(T) cursor) (string, error) {
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	if after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return "", err
		}
		col := bun.Ident(timeCol)
		sel = sel.Where("(? < ? OR (? = ? AND id < ?))", col, c.createdAt, col, c.createdAt, c.id)
	}
	if err := sel.OrderExpr("? DESC, id DESC", bun.Ident(timeCol)).Limit(int64(limit) + 1).Scan(ctx); err != nil {
		return "", classify(op, err)
	}
	if len(*out) <= limit {
		return "", nil
	}
	*out = (*out)[:limit]
	return encodeCursor(key((*out)[limit-1])), nil
}

// validScopes drops scopes without a Comune: an empty Scope must never mean "everything".
func validScopes(in []Scope) []Scope {
	out := make([]Scope, 0, len(in))
	for _, s := range in {
		if s.ComuneCode != "" {
			out = append(out, s)
		}
	}
	return out
}

func whereScopes(sel *bun.SelectQuery, scopes []Scope) *bun.SelectQuery {
	return whereScopeColumns(sel, scopes, "comune_code", "user_id")
}

// whereScopeColumns keeps the rows inside one of the scopes (OR of scopes, AND within one);
// userCol "" ignores the scopes' users (tables that have none).
func whereScopeColumns(sel *bun.SelectQuery, scopes []Scope, comuneCol, userCol string) *bun.SelectQuery {
	return sel.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, s := range scopes {
			q = q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
				q = q.Where("? = ?", bun.Ident(comuneCol), s.ComuneCode)
				if s.EnteID != 0 {
					q = q.Where("ente_id = ?", s.EnteID)
				}
				if s.UserID != 0 && userCol != "" {
					q = q.Where("? = ?", bun.Ident(userCol), s.UserID)
				}
				return q
			})
		}
		return q
	})
}

func whereFilters(sel *bun.SelectQuery, q AuditQuery) *bun.SelectQuery {
	sel = whereEq(sel, "comune_code", q.Comune)
	sel = whereEq(sel, "service", q.Service)
	sel = whereEq(sel, "outcome", q.Outcome)
	if q.Subject != "" {
		sel = sel.Where("(subject_hash = ? OR subject_hash_cf = ?)", q.Subject, q.Subject)
	}
	sel = whereEq(sel, "ente_id", q.EnteID)
	sel = whereEq(sel, "user_id", q.UserID)
	sel = whereEq(sel, "batch_id", q.BatchID)
	return whereBetween(sel, "created_at", q.From, q.To)
}

// whereEq filters col = v, unless v is its type's zero value (the filter was not given).
func whereEq[T comparable](sel *bun.SelectQuery, col string, v T) *bun.SelectQuery {
	var zero T
	if v == zero {
		return sel
	}
	return sel.Where("? = ?", bun.Ident(col), v)
}

// whereBetween keeps from <= col < to; a zero bound is open.
func whereBetween(sel *bun.SelectQuery, col string, from, to time.Time) *bun.SelectQuery {
	if !from.IsZero() {
		sel = sel.Where("? >= ?", bun.Ident(col), stamp(from))
	}
	if !to.IsZero() {
		sel = sel.Where("? < ?", bun.Ident(col), stamp(to))
	}
	return sel
}
