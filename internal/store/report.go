package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Dimensions of AuditReport.
const (
	GroupDay     = "day"     // Europe/Rome calendar day, "YYYY-MM-DD"
	GroupEnte    = "ente"    // Ente id
	GroupUser    = "user"    // user id
	GroupService = "service" // e-service code
	GroupOutcome = "outcome" // ok, denied, not_found, error...
)

// ErrBadGroup: AuditReport was asked for a dimension it does not know.
var ErrBadGroup = fmt.Errorf("store: unknown report group")

// ReportRow is the number of records of one group.
type ReportRow struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// Report is the count of the records an AuditQuery selects, per group.
type Report struct {
	GroupBy string      `json:"groupBy"`
	Rows    []ReportRow `json:"rows"`
	Total   int64       `json:"total"`
}

// AuditReport counts the records q selects (its Scopes and filters; Cursor and Limit are
// ignored) grouped by one dimension. Days come in calendar order, other groups by count,
// largest first.
func AuditReport(ctx context.Context, db bun.IDB, q AuditQuery, groupBy string) (*Report, error) {
	rep := &Report{GroupBy: groupBy, Rows: []ReportRow{}}
	scopes := validScopes(q.Scopes)
	if len(scopes) == 0 {
		if !knownGroup(groupBy) {
			return nil, fmt.Errorf("%w %q", ErrBadGroup, groupBy)
		}
		return rep, nil
	}
	var err error
	if groupBy == GroupDay {
		rep.Rows, err = countByRomeDay(ctx, db, q, scopes)
	} else {
		rep.Rows, err = countByColumn(ctx, db, q, scopes, groupBy)
	}
	if err != nil {
		return nil, err
	}
	for _, r := range rep.Rows {
		rep.Total += r.Count
	}
	return rep, nil
}

func knownGroup(g string) bool {
	return slices.Contains([]string{GroupDay, GroupEnte, GroupUser, GroupService, GroupOutcome}, g)
}

// groupColumns maps a dimension onto its column, cast to text so every key scans alike.
var groupColumns = map[string]string{
	GroupEnte:    "CAST(ente_id AS TEXT)",
	GroupUser:    "CAST(user_id AS TEXT)",
	GroupService: "service",
	GroupOutcome: "outcome",
}

func countByColumn(ctx context.Context, db bun.IDB, q AuditQuery, scopes []Scope, groupBy string) ([]ReportRow, error) {
	col, ok := groupColumns[groupBy]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrBadGroup, groupBy)
	}
	var rows []ReportRow
	sel := db.NewSelect().TableExpr("audit_events").
		ColumnExpr(col + " AS key").ColumnExpr("COUNT(*) AS count")
	sel = whereFilters(whereScopes(sel, scopes), q)
	if err := sel.GroupExpr(col).Scan(ctx, &rows); err != nil {
		return nil, classify("audit report", err)
	}
	slices.SortFunc(rows, func(a, b ReportRow) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return compareKeys(a.Key, b.Key)
	})
	return rows, nil
}

// compareKeys orders numeric keys (ids) as numbers and the rest as text.
func compareKeys(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return int(x - y)
	}
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// hourBucket is the SQL for "UTC hours since the epoch" of created_at. Timestamps are stored in
// UTC and SQLite has no time zones, so both dialects count per UTC hour and Go folds the hours
// into Europe/Rome days. That is exact: Rome's offset (+1 or +2) is a whole number of hours,
// so no UTC hour straddles a Rome midnight, DST changes included.
func hourBucket(db bun.IDB) string {
	if db.Dialect().Name() == dialect.PG {
		return "CAST(FLOOR(EXTRACT(EPOCH FROM created_at) / 3600) AS BIGINT)"
	}
	return "CAST(strftime('%s', created_at) AS INTEGER) / 3600"
}

type hourCount struct {
	Hour  int64 `bun:"hour"`
	Count int64 `bun:"count"`
}

func countByRomeDay(ctx context.Context, db bun.IDB, q AuditQuery, scopes []Scope) ([]ReportRow, error) {
	var hours []hourCount
	h := hourBucket(db)
	sel := db.NewSelect().TableExpr("audit_events").ColumnExpr(h + " AS hour").ColumnExpr("COUNT(*) AS count")
	sel = whereFilters(whereScopes(sel, scopes), q)
	if err := sel.GroupExpr(h).Scan(ctx, &hours); err != nil {
		return nil, classify("audit report by day", err)
	}
	perDay := map[string]int64{}
	for _, hc := range hours {
		perDay[RomeDayOfHour(hc.Hour)] += hc.Count
	}
	rows := make([]ReportRow, 0, len(perDay))
	for d, n := range perDay {
		rows = append(rows, ReportRow{Key: d, Count: n})
	}
	slices.SortFunc(rows, func(a, b ReportRow) int { return compareKeys(a.Key, b.Key) })
	return rows, nil
}

// RomeDayOfHour is the Europe/Rome date ("YYYY-MM-DD") of the UTC hour h (hours since the epoch).
func RomeDayOfHour(h int64) string {
	return time.Unix(h*3600, 0).In(rome).Format(time.DateOnly)
}
