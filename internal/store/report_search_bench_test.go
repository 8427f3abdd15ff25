package store_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// The 10-million-record data set lives in its own schema and survives runs, because building
// it takes minutes. Drop it with:
//
//	psql "$VARCO_TEST_POSTGRES_DSN" -c 'DROP SCHEMA varco_bench CASCADE'
const (
	benchSchema  = "varco_bench"
	benchRecords = 10_000_000
)

// benchEnd anchors the data set: records span the two years before it, so that reruns months
// later still measure the same "last 30 days".
var benchEnd = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// BenchmarkAuditSearch10M measures the scoped audit search (ListAudit) over 10 M records on
// PostgreSQL: a TOP of the largest Comune (about 1 M records) asking for the last 30 days of
// one e-service, first page of 50 and a page 5,000 records deep; and an ADMIN (Comune + Ente).
//
//	go test -run '^$' -bench BenchmarkAuditSearch10M -benchtime 200x -timeout 60m ./internal/store/
func BenchmarkAuditSearch10M(b *testing.B) {
	ctx := context.Background()
	db := benchDB(b)
	buildBenchData(b, db)
	from := benchEnd.AddDate(0, 0, -30)
	top := store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "B000"}}, Service: "C020", From: from, To: benchEnd, Limit: 50}
	admin := store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "B000", EnteID: 5}}, From: from, To: benchEnd, Limit: 50}
	deep := top
	var last store.AuditRecord
	deep.Cursor, last = cursorAt(b, db, top, 5000)
	explain(b, db, "top first page", "comune_code = 'B000' AND service = 'C020'", nil)
	explain(b, db, "top deep page", "comune_code = 'B000' AND service = 'C020'", &last)
	explain(b, db, "admin first page", "comune_code = 'B000' AND ente_id = 5", nil)
	for _, c := range []struct {
		name string
		q    store.AuditQuery
	}{{"top-first-page", top}, {"top-deep-page", deep}, {"admin-first-page", admin}} {
		b.Run(c.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				page, _, err := store.ListAudit(ctx, db.DB, c.q)
				if err != nil || len(page) != 50 {
					b.Fatalf("page of %d: %v", len(page), err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}

// benchDB opens the benchmark schema. Unless bench_meta says the data set is complete, the
// schema is dropped and migrated afresh, so an interrupted build never leaves half a data set
// (or a table without its indexes) behind.
func benchDB(b *testing.B) *store.DB {
	b.Helper()
	ctx := context.Background()
	dsn := os.Getenv("VARCO_TEST_POSTGRES_DSN")
	if dsn == "" {
		dsn = storetest.DefaultPostgresDSN
	}
	admin, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var done int64
	err = admin.QueryRowContext(ctx, "SELECT records FROM "+benchSchema+".bench_meta").Scan(&done)
	if err != nil || done != benchRecords {
		for _, stmt := range []string{"DROP SCHEMA IF EXISTS " + benchSchema + " CASCADE", "CREATE SCHEMA " + benchSchema} {
			if _, err := admin.ExecContext(ctx, stmt); err != nil {
				b.Skipf("PostgreSQL unavailable: %v", err)
			}
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", benchSchema)
	q.Set("read_timeout", "30m") // the bulk insert and index builds run for minutes
	u.RawQuery = q.Encode()
	db, err := store.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// buildBenchData fills audit_events once (bench_meta records that it is complete). Secondary
// indexes are dropped during the bulk insert and rebuilt after: several times faster than
// maintaining them row by row. Distribution: 100 Comuni skewed (B000 gets ~10%: a capital beside
// small towns), 100 users per Comune (10,000), 20 Enti, 9 e-services skewed towards C030/C020,
// 90% ok / 7% not_found / 3% error, uniform over the two years before benchEnd.
func buildBenchData(b *testing.B, db *store.DB) {
	b.Helper()
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		if _, err := db.ExecContext(ctx, sql, args...); err != nil {
			b.Fatalf("%s: %v", strings.Fields(sql)[0], err)
		}
	}
	exec("CREATE TABLE IF NOT EXISTS bench_meta (records BIGINT NOT NULL)")
	var done int64
	_ = db.QueryRowContext(ctx, "SELECT COALESCE(MAX(records), 0) FROM bench_meta").Scan(&done)
	if done == benchRecords {
		return
	}
	start := time.Now()
	var defs []string
	rows, err := db.QueryContext(ctx, `SELECT indexname, indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename = 'audit_events' AND indexname <> 'audit_events_pkey'`)
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			b.Fatal(err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	for _, name := range names {
		exec("DROP INDEX " + name)
	}
	_, noSeq := db.ExecContext(ctx, "SELECT seq FROM audit_events LIMIT 0")
	seqCol, seqVal := ", seq", ", g"
	if noSeq != nil {
		seqCol, seqVal = "", ""
	}
	const chunk = 1_000_000
	for lo := 1; lo <= benchRecords; lo += chunk {
		insertBenchChunk(b, exec, seqCol, seqVal, lo, lo+chunk-1)
	}
	for _, def := range defs {
		exec(def)
	}
	exec("ANALYZE audit_events")
	exec("INSERT INTO bench_meta VALUES (?)", benchRecords)
	b.Logf("built %d records in %s", benchRecords, time.Since(start).Round(time.Second))
}

// insertBenchChunk inserts records lo..hi (see buildBenchData for the distribution).
func insertBenchChunk(b *testing.B, exec func(string, ...any), seqCol, seqVal string, lo, hi int) {
	exec(`INSERT INTO audit_events (request_id, created_at, user_id, ente_id, comune_code, service, motivo,
		outcome, http_status, voucher_jti, duration_ms, workstation, subject_hash`+seqCol+`)
	SELECT 'bench-' || g, ?::timestamptz - r3 * interval '730 days', u, 1 + u % 20, 'B' || lpad(c::text, 3, '0'),
		(ARRAY['C030','C020','C021','C001','C017','C018','C019','C015','C016'])[1 + floor(9 * r4 ^ 1.5)::int],
		'PROT-' || (g % 100000),
		CASE WHEN r5 < 0.90 THEN 'ok' WHEN r5 < 0.97 THEN 'not_found' ELSE 'error' END,
		CASE WHEN r5 < 0.90 THEN 200 WHEN r5 < 0.97 THEN 404 ELSE 502 END,
		'jti-' || (g / 500), 20 + floor(r6 * 200)::int, 'PC-' || (u % 50),
		md5('s' || floor(r2 * 2000000)::text) || md5('t' || floor(r2 * 2000000)::text)`+seqVal+`
	FROM (SELECT g, floor(100 * r1 ^ 2)::int AS c, floor(100 * r1 ^ 2)::int * 100 + 1 + floor(r2 * 100)::int AS u, r2, r3, r4, r5, r6
		FROM (SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5, random() r6
			FROM generate_series(?::int, ?::int) g) r) s`, benchEnd, lo, hi)
}

// cursorAt returns the cursor after the first n records of q, following pages of 500, and
// the last record before it.
func cursorAt(b *testing.B, db *store.DB, q store.AuditQuery, n int) (string, store.AuditRecord) {
	b.Helper()
	q.Limit = store.MaxAuditLimit
	var last store.AuditRecord
	for seen := 0; seen < n; seen += q.Limit {
		page, next, err := store.ListAudit(context.Background(), db.DB, q)
		if err != nil || next == "" {
			b.Fatalf("cursor at %d: %v", seen, err)
		}
		q.Cursor, last = next, page[len(page)-1]
	}
	return q.Cursor, last
}

// explain logs (run with -v) the plan of the query ListAudit sends for a scope, over the last
// 30 days, after the record after (nil: first page), so the index in use is visible.
func explain(b *testing.B, db *store.DB, name, scope string, after *store.AuditRecord) {
	b.Helper()
	args := []any{benchEnd.AddDate(0, 0, -30), benchEnd}
	sql := "SELECT * FROM audit_events WHERE (" + scope + ") AND created_at >= ? AND created_at < ?"
	if after != nil {
		sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
		args = append(args, after.CreatedAt, after.CreatedAt, after.ID)
	}
	sql += " ORDER BY created_at DESC, id DESC LIMIT 51"
	rows, err := db.QueryContext(context.Background(), "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	plan := []string{name + ":"}
	for rows.Next() {
		var line string
		_ = rows.Scan(&line)
		plan = append(plan, line)
	}
	b.Log(strings.Join(plan, "\n"))
}
