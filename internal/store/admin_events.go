package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/errcode"
)

// Outcomes of an administrative action.
const (
	AdminOK     = "ok"
	AdminDenied = "denied"
	AdminFailed = "failed"
)

// AdminEvent is one administrative action, allowed or refused. Before and After are JSON
// snapshots of the object (never passwords or hashes); empty when not applicable.
type AdminEvent struct {
	bun.BaseModel `bun:"table:admin_events"`

	ID          int64        `bun:"id,pk,autoincrement"`
	At          time.Time    `bun:"at,notnull"`
	ActorUserID int64        `bun:"actor_user_id,notnull"`
	Comune      string       `bun:"comune,notnull"`
	EnteID      int64        `bun:"ente_id,notnull"`
	Action      string       `bun:"action,notnull"` // stable verb: "user.create", "grant.delete"...
	ObjectType  string       `bun:"object_type,notnull"`
	ObjectID    string       `bun:"object_id,notnull"`
	Before      string       `bun:"before,notnull"`
	After       string       `bun:"after,notnull"`
	Outcome     string       `bun:"outcome,notnull"`
	ErrorCode   errcode.Code `bun:"error_code,notnull"`
}

// InsertAdminEvent appends e and sets its ID; At is stamped when zero.
func InsertAdminEvent(ctx context.Context, db bun.IDB, e *AdminEvent) error {
	if e.Action == "" || e.Outcome == "" {
		return fmt.Errorf("store: insert admin event: action and outcome are required")
	}
	e.At = stamp(e.At)
	_, err := db.NewInsert().Model(e).Returning("id").Exec(ctx)
	return classify("insert admin event", err)
}

// AdminEventQuery selects admin events. Visible = the OR of Scopes (Comune, optionally one
// Ente; none = nothing); the other fields narrow further. From inclusive, To exclusive.
type AdminEventQuery struct {
	Scopes  []Scope
	Comune  string
	Action  string
	Outcome string
	ActorID int64
	EnteID  int64
	From    time.Time
	To      time.Time
	Cursor  string
	Limit   int // default 50, at most 500
}

// ListAdminEvents returns one page, newest first, and the next page's cursor ("" at the end).
func ListAdminEvents(ctx context.Context, db bun.IDB, q AdminEventQuery) ([]AdminEvent, string, error) {
	scopes := validScopes(q.Scopes)
	if len(scopes) == 0 {
		return nil, "", nil
	}
	var out []AdminEvent
	sel := db.NewSelect().Model(&out)
	sel = whereAdminScopes(sel, scopes)
	sel = whereAdminFilters(sel, q)
	next, err := scanPage(ctx, sel, &out, "at", q.Cursor, q.Limit, "list admin events",
		func(e AdminEvent) cursor { return cursor{createdAt: e.At, id: e.ID} })
	return out, next, err
}

func whereAdminScopes(sel *bun.SelectQuery, scopes []Scope) *bun.SelectQuery {
	return whereScopeColumns(sel, scopes, "comune", "")
}

func whereAdminFilters(sel *bun.SelectQuery, q AdminEventQuery) *bun.SelectQuery {
	sel = whereEq(sel, "comune", q.Comune)
	sel = whereEq(sel, "action", q.Action)
	sel = whereEq(sel, "outcome", q.Outcome)
	sel = whereEq(sel, "actor_user_id", q.ActorID)
	sel = whereEq(sel, "ente_id", q.EnteID)
	return whereBetween(sel, "at", q.From, q.To)
}

// CountAdminEventsSince counts the actor's events with one of the outcomes at or after since.
// The admin API reads it at every refusal to bound how many it records per user and minute,
// so it is an index range (admin_events_actor_at_idx), never a scan of the table.
func CountAdminEventsSince(ctx context.Context, db bun.IDB, actor int64, since time.Time, outcomes ...string) (int, error) {
	if len(outcomes) == 0 {
		return 0, fmt.Errorf("store: count admin events: no outcome given")
	}
	n, err := db.NewSelect().Model((*AdminEvent)(nil)).
		Where("actor_user_id = ?", actor).
		Where("at >= ?", since.UTC()).
		Where("outcome IN (?)", bun.In(outcomes)).
		Count(ctx)
	if err != nil {
		return 0, classify("count admin events", err)
	}
	return int(n), nil
}
