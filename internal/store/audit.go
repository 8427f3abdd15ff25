package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// InsertAudit writes r once: a second insert with the same RequestID changes nothing and
// returns inserted=false, so the workflow can retry its audit step until it commits. CreatedAt
// is set when zero and always truncated to microseconds.
func InsertAudit(ctx context.Context, db bun.IDB, r *AuditRecord) (inserted bool, err error) {
	if r.RequestID == "" {
		return false, fmt.Errorf("store: insert audit: empty request ID")
	}
	r.CreatedAt = stamp(r.CreatedAt)
	res, err := db.NewInsert().Model(r).
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
	EnteID  int64
	UserID  int64
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
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)

	var out []AuditRecord
	sel := db.NewSelect().Model(&out)
	sel = whereScopes(sel, scopes)
	sel = whereFilters(sel, q)
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return nil, "", err
		}
		sel = sel.Where("(created_at < ? OR (created_at = ? AND id < ?))", c.createdAt, c.createdAt, c.id)
	}
	// One row more than asked tells whether a next page exists.
	err := sel.OrderExpr("created_at DESC, id DESC").Limit(int64(limit) + 1).Scan(ctx)
	if err != nil {
		return nil, "", classify("list audit", err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[len(out)-1]
	return out, encodeCursor(cursor{createdAt: last.CreatedAt, id: last.ID}), nil
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
	return sel.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		for _, s := range scopes {
			q = q.WhereGroup(" OR ", func(q *bun.SelectQuery) *bun.SelectQuery {
				q = q.Where("comune_code = ?", s.ComuneCode)
				if s.EnteID != 0 {
					q = q.Where("ente_id = ?", s.EnteID)
				}
				if s.UserID != 0 {
					q = q.Where("user_id = ?", s.UserID)
				}
				return q
			})
		}
		return q
	})
}

func whereFilters(sel *bun.SelectQuery, q AuditQuery) *bun.SelectQuery {
	if q.Comune != "" {
		sel = sel.Where("comune_code = ?", q.Comune)
	}
	if q.Service != "" {
		sel = sel.Where("service = ?", q.Service)
	}
	if q.Outcome != "" {
		sel = sel.Where("outcome = ?", q.Outcome)
	}
	if q.EnteID != 0 {
		sel = sel.Where("ente_id = ?", q.EnteID)
	}
	if q.UserID != 0 {
		sel = sel.Where("user_id = ?", q.UserID)
	}
	if !q.From.IsZero() {
		sel = sel.Where("created_at >= ?", stamp(q.From))
	}
	if !q.To.IsZero() {
		sel = sel.Where("created_at < ?", stamp(q.To))
	}
	return sel
}
