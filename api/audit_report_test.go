package api

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestAuditExportCSVQuotingAndInjection: RFC 4180 quoting survives a round trip, formula-like
// cells are defused, and the subject never appears.
func TestAuditExportCSVQuotingAndInjection(t *testing.T) {
	db := storetest.SQLite(t)
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	bulkAudit(t, db, []store.AuditRecord{
		{CreatedAt: at, ComuneCode: "H501", Service: "C020", Outcome: "ok", HTTPStatus: 200,
			Motivo: `=HYPERLINK("http://x","clic")`, Reason: "a, \"quoted\"\nsecond line", Workstation: "@SUM(A1)",
			SubjectHash: "deadbeefsubject"},
		{CreatedAt: at.Add(time.Second), ComuneCode: "H501", Service: "C021", Outcome: "denied", HTTPStatus: 403,
			Motivo: "-2+3", Reason: "+39 06", Workstation: "PC 1"},
		{CreatedAt: at, ComuneCode: "F205", Motivo: "other comune"},
	})
	_, app := reportApp(t, db, store.Scope{ComuneCode: "H501"})
	resp, err := app.Test(httptest.NewRequest("GET", "/export.csv", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	if !strings.Contains(string(raw), `"'=HYPERLINK(""http://x"",""clic"")"`+",") || !strings.Contains(string(raw), "\r\n") {
		t.Fatalf("quoting/CRLF: %q", raw)
	}
	if strings.Contains(string(raw), "deadbeef") || strings.Contains(string(raw), "other comune") {
		t.Fatal("subject or out-of-scope record in the export")
	}
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180: %v", err)
	}
	if len(recs) != 3 || strings.Join(recs[0], ",") != strings.Join(auditCSVHeader, ",") {
		t.Fatalf("rows %q", recs)
	}
	newest, oldest := recs[1], recs[2]
	col := func(name string) int {
		for i, h := range auditCSVHeader {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	if newest[col("motivo")] != "'-2+3" || newest[col("reason")] != "'+39 06" || newest[col("workstation")] != "PC 1" {
		t.Errorf("newest row %q", newest)
	}
	if oldest[col("motivo")] != `'=HYPERLINK("http://x","clic")` || oldest[col("workstation")] != "'@SUM(A1)" ||
		oldest[col("reason")] != "a, \"quoted\"\nsecond line" || oldest[col("time")] != "2026-11-26T10:00:00Z" {
		t.Errorf("oldest row %q", oldest)
	}
}

// TestAuditExportStreamsPages: more records than one database page, in order, in both formats.
func TestAuditExportStreamsPages(t *testing.T) {
	db := storetest.SQLite(t)
	base := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	n := 2*store.ExportPageSize + 3
	recs := make([]store.AuditRecord, n)
	for i := range recs {
		recs[i] = store.AuditRecord{CreatedAt: base.Add(time.Duration(i) * time.Second), ComuneCode: "H501", Service: "C020"}
	}
	bulkAudit(t, db, recs)
	_, app := reportApp(t, db, store.Scope{ComuneCode: "H501"})

	resp, err := app.Test(httptest.NewRequest("GET", "/export.csv?service=C020", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || len(rows) != n+1 {
		t.Fatalf("csv: %d rows (%v), want %d", len(rows), err, n+1)
	}
	if rows[1][0] != "api-"+strconv.Itoa(n-1) || rows[n][0] != "api-0" {
		t.Fatalf("order: first %s last %s", rows[1][0], rows[n][0])
	}

	resp, err = app.Test(httptest.NewRequest("GET", "/export.json", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var items []AuditItem
	if err := json.NewDecoder(resp.Body).Decode(&items); err != nil || len(items) != n {
		t.Fatalf("json: %d items (%v)", len(items), err)
	}
	// Nothing in scope: a valid, empty array.
	_, none := reportApp(t, db, store.Scope{ComuneCode: "F205"})
	resp, _ = none.Test(httptest.NewRequest("GET", "/export.json", nil), -1)
	raw, _ := io.ReadAll(resp.Body)
	if strings.TrimSpace(string(raw)) != "[]" {
		t.Fatalf("empty export %q", raw)
	}
}

func TestAuditReportAndTracingHandlers(t *testing.T) {
	db := storetest.SQLite(t)
	if err := store.CreateComune(t.Context(), db, &store.Comune{Code: "H501", IstatCode: "058091", Name: "Roma",
		Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser,
		PurposeIDs: map[string]string{"C020": "purpose-c020"}}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, store.Rome())
	bulkAudit(t, db, []store.AuditRecord{
		{CreatedAt: at, ComuneCode: "H501", Service: "C020", EnteID: 4, VoucherJTI: "jti-1", HTTPStatus: 200, Outcome: "ok"},
		{CreatedAt: at.Add(time.Minute), ComuneCode: "H501", Service: "C020", EnteID: 4, VoucherJTI: "jti-1", HTTPStatus: 200, Outcome: "ok"},
		{CreatedAt: at.Add(2 * time.Minute), ComuneCode: "H501", Service: "C021", EnteID: 5, HTTPStatus: 403, Outcome: "denied"},
	})
	_, top := reportApp(t, db, store.Scope{ComuneCode: "H501"})
	resp, _ := top.Test(httptest.NewRequest("GET", "/report?groupBy=ente&from=2026-11-26&to=2026-11-27", nil), -1)
	var rep store.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil || rep.Total != 3 || len(rep.Rows) != 2 || rep.Rows[0] != (store.ReportRow{Key: "4", Count: 2}) {
		t.Fatalf("report %+v %v", rep, err)
	}
	if resp, _ := top.Test(httptest.NewRequest("GET", "/report?groupBy=motivo", nil), -1); resp.StatusCode != 400 {
		t.Fatalf("bad groupBy: %d", resp.StatusCode)
	}

	resp, _ = top.Test(httptest.NewRequest("GET", "/tracing.csv?comune=H501&date=2026-11-26", nil), -1)
	raw, _ := io.ReadAll(resp.Body)
	want := "date,purpose_id,token_id,status,requests_count\n2026-11-26,purpose-c020,jti-1,200,2\n"
	if resp.StatusCode != 200 || string(raw) != want {
		t.Fatalf("tracing %d %q, want %q", resp.StatusCode, raw, want)
	}
	// An ADMIN of the Comune (scope narrowed to an Ente) may not download it.
	_, admin := reportApp(t, db, store.Scope{ComuneCode: "H501", EnteID: 4})
	if resp, _ := admin.Test(httptest.NewRequest("GET", "/tracing.csv?comune=H501&date=2026-11-26", nil), -1); resp.StatusCode != 403 {
		t.Fatalf("ADMIN tracing: %d", resp.StatusCode)
	}
	if resp, _ := top.Test(httptest.NewRequest("GET", "/tracing.csv?comune=H501", nil), -1); resp.StatusCode != 400 {
		t.Fatalf("no date: %d", resp.StatusCode)
	}

	resp, _ = top.Test(httptest.NewRequest("GET", "/anomalies?from=2026-11-20&to=2026-11-27", nil), -1)
	var an AnomalyList
	if err := json.NewDecoder(resp.Body).Decode(&an); err != nil || resp.StatusCode != 200 || an.Items == nil || len(an.Items) != 0 {
		t.Fatalf("anomalies %d %+v %v", resp.StatusCode, an, err)
	}
	if resp, _ := top.Test(httptest.NewRequest("GET", "/anomalies?from=2026-01-01&to=2026-11-27", nil), -1); resp.StatusCode != 400 {
		t.Fatalf("anomalies over 92 days: %d", resp.StatusCode)
	}
}
