package store

import (
	"context"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// TracingRow is one line of the PDND tracing CSV (date, purpose_id, token_id, status,
// requests_count) before the purpose is looked up: the audit knows the service, the Comune's
// profile knows the service's purpose.
type TracingRow struct {
	Service    string `bun:"service"`
	VoucherJTI string `bun:"voucher_jti"`
	HTTPStatus int    `bun:"http_status"`
	Count      int64  `bun:"count"`
}

// TracingRows counts, for one Comune and one Europe/Rome day (day as returned by Day), the
// audited requests that reached PDND/ANPR — those with a voucher — per service, voucher and
// HTTP status. Requests refused before the call (no voucher) never reached PDND and are left out.
func TracingRows(ctx context.Context, db bun.IDB, comune string, day time.Time) ([]TracingRow, error) {
	from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, rome)
	to := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, rome)
	var rows []TracingRow
	err := db.NewSelect().TableExpr("audit_events").
		Column("service", "voucher_jti", "http_status").ColumnExpr("COUNT(*) AS count").
		Where("comune_code = ?", comune).Where("voucher_jti <> ''").
		Where("created_at >= ?", stamp(from)).Where("created_at < ?", stamp(to)).
		Group("service", "voucher_jti", "http_status").Scan(ctx, &rows)
	if err != nil {
		return nil, classify("tracing rows", err)
	}
	slices.SortFunc(rows, func(a, b TracingRow) int {
		if a.Service != b.Service {
			return compareKeys(a.Service, b.Service)
		}
		if a.VoucherJTI != b.VoucherJTI {
			return compareKeys(a.VoucherJTI, b.VoucherJTI)
		}
		return a.HTTPStatus - b.HTTPStatus
	})
	return rows, nil
}
