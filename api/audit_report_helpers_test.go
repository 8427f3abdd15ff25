package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// reportApp serves the report handlers of a Server over db for a signed-in user who reads
// exactly the given scope (granted through the real rules, scopedUsers), without the token
// machinery the handlers do not depend on.
func reportApp(t testing.TB, db *store.DB, scope store.Scope) (*Server, *fiber.App) {
	az, users := scopedUsers(t, db, scope)
	s := New(Deps{DB: db, Authz: az, Logger: discard(), RequestTimeout: time.Second})
	app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler, DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error { c.Locals(callerKey{}, caller{UserID: users[0]}); return c.Next() })
	app.Get("/report", s.auditReport)
	app.Get("/export.csv", s.auditExportCSV)
	app.Get("/export.json", s.auditExportJSON)
	app.Get("/anomalies", s.auditAnomalies)
	app.Get("/tracing.csv", s.auditTracing)
	return s, app
}

// auditRow is the part of an audit_events row these tests write, in bulk rather than through
// InsertAudit because they need many. seq (the position in the Comune's hash chain, migration
// 0006) is set by hand so that its unique key holds.
type auditRow struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID          int64     `bun:"id,pk,autoincrement"`
	RequestID   string    `bun:"request_id"`
	CreatedAt   time.Time `bun:"created_at"`
	UserID      int64     `bun:"user_id"`
	EnteID      int64     `bun:"ente_id"`
	ComuneCode  string    `bun:"comune_code"`
	Service     string    `bun:"service"`
	Motivo      string    `bun:"motivo"`
	Outcome     string    `bun:"outcome"`
	HTTPStatus  int       `bun:"http_status"`
	Reason      string    `bun:"reason"`
	Workstation string    `bun:"workstation"`
	VoucherJTI  string    `bun:"voucher_jti"`
	SubjectHash string    `bun:"subject_hash"`
	Seq         int64     `bun:"seq"`
}

func bulkAudit(tb testing.TB, db *store.DB, recs []store.AuditRecord) {
	tb.Helper()
	ctx := context.Background()
	_, noSeq := db.ExecContext(ctx, "SELECT seq FROM audit_events LIMIT 0")
	seq := map[string]int64{}
	rows := make([]auditRow, len(recs))
	for i, r := range recs {
		seq[r.ComuneCode]++
		rows[i] = auditRow{RequestID: fmt.Sprintf("api-%d", i), CreatedAt: r.CreatedAt.UTC().Truncate(time.Microsecond),
			UserID: r.UserID, EnteID: r.EnteID, ComuneCode: r.ComuneCode, Service: r.Service, Motivo: r.Motivo,
			Outcome: r.Outcome, HTTPStatus: r.HTTPStatus, Reason: r.Reason, Workstation: r.Workstation,
			VoucherJTI: r.VoucherJTI, SubjectHash: r.SubjectHash, Seq: seq[r.ComuneCode]}
	}
	for lo := 0; lo < len(rows); lo += 500 {
		batch := rows[lo:min(lo+500, len(rows))]
		ins := db.NewInsert().Model(&batch)
		if noSeq != nil {
			ins = ins.ExcludeColumn("seq")
		}
		if _, err := ins.Exec(ctx); err != nil {
			tb.Fatal(err)
		}
	}
}
