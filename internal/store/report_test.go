package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// auditRow is the slice of an audit_events row the report tests write. Records are written in
// bulk, not through InsertAudit, because the tests need thousands; seq (the position in the
// Comune's hash chain of migration 0006) is set by hand so the unique (comune_code, seq) holds.
type auditRow struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID          int64     `bun:"id,pk,autoincrement"`
	RequestID   string    `bun:"request_id"`
	CreatedAt   time.Time `bun:"created_at"`
	UserID      int64     `bun:"user_id"`
	EnteID      int64     `bun:"ente_id"`
	ComuneCode  string    `bun:"comune_code"`
	Service     string    `bun:"service"`
	Outcome     string    `bun:"outcome"`
	HTTPStatus  int       `bun:"http_status"`
	VoucherJTI  string    `bun:"voucher_jti"`
	SubjectHash string    `bun:"subject_hash"`
	Seq         int64     `bun:"seq"`
}

// insertAll writes recs in a few statements.
func insertAll(t *testing.T, db *store.DB, recs []store.AuditRecord) {
	t.Helper()
	ctx := context.Background()
	_, noSeq := db.ExecContext(ctx, "SELECT seq FROM audit_events LIMIT 0")
	seq := map[string]int64{}
	rows := make([]auditRow, len(recs))
	for i, r := range recs {
		seq[r.ComuneCode]++
		rows[i] = auditRow{RequestID: fmt.Sprintf("rep-%d", i), CreatedAt: r.CreatedAt.UTC().Truncate(time.Microsecond),
			UserID: r.UserID, EnteID: r.EnteID, ComuneCode: r.ComuneCode, Service: r.Service, Outcome: r.Outcome,
			HTTPStatus: r.HTTPStatus, VoucherJTI: r.VoucherJTI, SubjectHash: r.SubjectHash, Seq: seq[r.ComuneCode]}
	}
	for lo := 0; lo < len(rows); lo += 500 {
		batch := rows[lo:min(lo+500, len(rows))]
		ins := db.NewInsert().Model(&batch)
		if noSeq != nil {
			ins = ins.ExcludeColumn("seq")
		}
		_, err := ins.Exec(ctx)
		mustNoErr(t, err)
	}
}

func rows(rep *store.Report) map[string]int64 {
	m := map[string]int64{}
	for _, r := range rep.Rows {
		m[r.Key] = r.Count
	}
	return m
}

func TestAuditReportRomeDays(t *testing.T) {
	utc := func(s string) time.Time { ts, _ := time.Parse(time.RFC3339, s); return ts }
	testEachDB(t, func(t *testing.T, db *store.DB) {
		recs := []store.AuditRecord{
			// Spring forward, 29 March 2026 (02:00 CET → 03:00 CEST).
			{CreatedAt: utc("2026-03-28T22:59:59Z")}, // 23:59:59 CET, 28th
			{CreatedAt: utc("2026-03-28T23:00:00Z")}, // 00:00 CET, 29th
			{CreatedAt: utc("2026-03-29T00:59:59Z")}, // 01:59:59 CET
			{CreatedAt: utc("2026-03-29T01:00:00Z")}, // 03:00 CEST
			{CreatedAt: utc("2026-03-29T21:59:59Z")}, // 23:59:59 CEST, 29th
			{CreatedAt: utc("2026-03-29T22:00:00Z")}, // 00:00 CEST, 30th
			// Fall back, 25 October 2026 (03:00 CEST → 02:00 CET): a 25-hour day.
			{CreatedAt: utc("2026-10-24T21:59:59Z")}, // 23:59:59 CEST, 24th
			{CreatedAt: utc("2026-10-24T22:00:00Z")}, // 00:00 CEST, 25th
			{CreatedAt: utc("2026-10-25T00:30:00Z")}, // 02:30 CEST
			{CreatedAt: utc("2026-10-25T01:30:00Z")}, // 02:30 CET (the repeated hour)
			{CreatedAt: utc("2026-10-25T22:59:59Z")}, // 23:59:59 CET, 25th
			{CreatedAt: utc("2026-10-25T23:00:00Z")}, // 00:00 CET, 26th
		}
		for i := range recs {
			recs[i].ComuneCode = "H501"
		}
		insertAll(t, db, recs)
		q := store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}}
		rep, err := store.AuditReport(context.Background(), db.DB, q, store.GroupDay)
		mustNoErr(t, err)
		want := []store.ReportRow{{"2026-03-28", 1}, {"2026-03-29", 4}, {"2026-03-30", 1},
			{"2026-10-24", 1}, {"2026-10-25", 4}, {"2026-10-26", 1}}
		if fmt.Sprint(rep.Rows) != fmt.Sprint(want) || rep.Total != 12 {
			t.Fatalf("days %v total %d, want %v", rep.Rows, rep.Total, want)
		}
		// A period given as Rome days selects exactly those days.
		q.From = time.Date(2026, 3, 29, 0, 0, 0, 0, store.Rome())
		q.To = time.Date(2026, 3, 30, 0, 0, 0, 0, store.Rome())
		rep, err = store.AuditReport(context.Background(), db.DB, q, store.GroupDay)
		mustNoErr(t, err)
		if fmt.Sprint(rep.Rows) != fmt.Sprint([]store.ReportRow{{"2026-03-29", 4}}) {
			t.Fatalf("one day: %v", rep.Rows)
		}
	})
}

func TestAuditReportGroupsAndScopes(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		var recs []store.AuditRecord
		for i := range 30 {
			recs = append(recs, store.AuditRecord{CreatedAt: base.Add(time.Duration(i) * time.Minute),
				ComuneCode: []string{"H501", "F205"}[i%2], EnteID: int64(1 + i%3), UserID: int64(10 + i%5),
				Service: []string{"C020", "C021", "C030"}[i%3], Outcome: []string{"ok", "ok", "denied"}[i%3]})
		}
		insertAll(t, db, recs)
		top := store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}}
		count := func(keep func(store.AuditRecord) bool, key func(store.AuditRecord) string) map[string]int64 {
			m := map[string]int64{}
			for _, r := range recs {
				if keep(r) {
					m[key(r)]++
				}
			}
			return m
		}
		inH501 := func(r store.AuditRecord) bool { return r.ComuneCode == "H501" }
		for group, key := range map[string]func(store.AuditRecord) string{
			store.GroupEnte:    func(r store.AuditRecord) string { return fmt.Sprint(r.EnteID) },
			store.GroupUser:    func(r store.AuditRecord) string { return fmt.Sprint(r.UserID) },
			store.GroupService: func(r store.AuditRecord) string { return r.Service },
			store.GroupOutcome: func(r store.AuditRecord) string { return r.Outcome },
		} {
			rep, err := store.AuditReport(ctx, db.DB, top, group)
			mustNoErr(t, err)
			if got, want := rows(rep), count(inH501, key); fmt.Sprint(got) != fmt.Sprint(want) || rep.Total != 15 {
				t.Errorf("%s: %v (total %d), want %v", group, got, rep.Total, want)
			}
		}
		// ADMIN scope (Ente 2 in H501) plus a service filter.
		admin := store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501", EnteID: 2}}, Service: "C021"}
		rep, err := store.AuditReport(ctx, db.DB, admin, store.GroupService)
		mustNoErr(t, err)
		want := count(func(r store.AuditRecord) bool { return inH501(r) && r.EnteID == 2 && r.Service == "C021" },
			func(r store.AuditRecord) string { return r.Service })
		if fmt.Sprint(rows(rep)) != fmt.Sprint(want) {
			t.Errorf("admin: %v, want %v", rows(rep), want)
		}
		// No scope: nothing, never everything.
		rep, err = store.AuditReport(ctx, db.DB, store.AuditQuery{}, store.GroupUser)
		mustNoErr(t, err)
		if rep.Total != 0 || len(rep.Rows) != 0 {
			t.Errorf("no scope: %+v", rep)
		}
		_, err = store.AuditReport(ctx, db.DB, top, "motivo")
		wantErr(t, err, store.ErrBadGroup)
	})
}

// TestEachAuditPages walks more than two pages and checks order and completeness.
func TestEachAuditPages(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		base := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
		n := 2*store.ExportPageSize + 37
		recs := make([]store.AuditRecord, n+10)
		for i := range recs {
			recs[i] = store.AuditRecord{CreatedAt: base.Add(time.Duration(i/2) * time.Second), ComuneCode: "H501"}
			if i >= n {
				recs[i].ComuneCode = "F205" // out of scope
			}
		}
		insertAll(t, db, recs)
		var got []store.AuditRecord
		err := store.EachAudit(context.Background(), db.DB, store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}, Limit: 3},
			func(r *store.AuditRecord) error { got = append(got, *r); return nil })
		mustNoErr(t, err)
		if len(got) != n {
			t.Fatalf("%d records, want %d", len(got), n)
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
				t.Fatalf("not newest first at %d: %v/%d then %v/%d", i, a.CreatedAt, a.ID, b.CreatedAt, b.ID)
			}
		}
	})
}

func TestTracingRows(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
		at := func(h int) time.Time { return time.Date(2026, 11, 26, h, 0, 0, 0, store.Rome()) }
		recs := []store.AuditRecord{
			{CreatedAt: at(0), ComuneCode: "H501", Service: "C020", VoucherJTI: "j1", HTTPStatus: 200},
			{CreatedAt: at(9), ComuneCode: "H501", Service: "C020", VoucherJTI: "j1", HTTPStatus: 200},
			{CreatedAt: at(10), ComuneCode: "H501", Service: "C020", VoucherJTI: "j1", HTTPStatus: 404},
			{CreatedAt: at(11), ComuneCode: "H501", Service: "C030", VoucherJTI: "j2", HTTPStatus: 200},
			{CreatedAt: at(12), ComuneCode: "H501", Service: "C020", HTTPStatus: 403}, // denied: no voucher
			{CreatedAt: at(23).Add(59 * time.Minute), ComuneCode: "F205", Service: "C020", VoucherJTI: "j9", HTTPStatus: 200},
			{CreatedAt: at(24), ComuneCode: "H501", Service: "C020", VoucherJTI: "j3", HTTPStatus: 200}, // next day
			{CreatedAt: at(0).Add(-time.Second), ComuneCode: "H501", Service: "C020", VoucherJTI: "j0", HTTPStatus: 200},
		}
		insertAll(t, db, recs)
		got, err := store.TracingRows(context.Background(), db.DB, "H501", day)
		mustNoErr(t, err)
		want := []store.TracingRow{{"C020", "j1", 200, 2}, {"C020", "j1", 404, 1}, {"C030", "j2", 200, 1}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rows %v, want %v", got, want)
		}
	})
}
