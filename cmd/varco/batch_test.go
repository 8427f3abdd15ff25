package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/codicefiscale"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// batchRow is one row of the test batch and what its result must say.
type batchRow struct {
	cf, id, ref string
	want        string // outcome
}

// collaudoAlive are the simulator's collaudo subjects who are alive (docs/simulator.md).
var collaudoAlive = [][2]string{
	{"UK79569LF", "PRVGNN90R10H501Q"}, {"JF28000UG", "NRECLD90R50H501G"}, {"AF41450AS", "STTSGT90A01H501J"},
	{"EV45959WW", "NNOSGT90A01H501I"}, {"TK44563XB", "TTVSGT90A01H501H"}, {"LB27131ED", "NDRCPL01A01H501S"},
	{"RE03592S1", "NDRMRC02B02H501D"}, {"DU58740Y1", "TDSPRM00R10A952C"}, {"DJ02468WZ", "SLVDNN00R50L424L"},
	{"GS66689VV", "TSDSND90R10A952M"},
}

// mixedBatch builds n rows: found (by idANPR or codice fiscale), the cancelled subject and
// unknown people with valid codici fiscali.
func mixedBatch(t testing.TB, n int) []batchRow {
	t.Helper()
	rows := make([]batchRow, n)
	for i := range rows {
		ref := fmt.Sprintf("PRATICA-%04d", i)
		switch {
		case i%10 == 7:
			rows[i] = batchRow{id: "OR69233LN", ref: ref, want: workflows.OutcomeNotFound} // cancelled
		case i%10 == 3:
			birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
			cf, err := codicefiscale.Generate("ZZZIGNOTO", "NESSUNO", birth, false, "H501")
			if err != nil {
				t.Fatal(err)
			}
			rows[i] = batchRow{cf: cf, ref: ref, want: workflows.OutcomeNotFound} // unknown to ANPR
		default:
			p := collaudoAlive[i%len(collaudoAlive)]
			if i%2 == 0 {
				rows[i] = batchRow{id: p[0], ref: ref, want: workflows.OutcomeOK}
			} else {
				rows[i] = batchRow{cf: p[1], ref: ref, want: workflows.OutcomeOK}
			}
		}
	}
	return rows
}

func batchCSV(rows []batchRow) string {
	var b strings.Builder
	b.WriteString("codiceFiscale,idANPR,riferimento\n")
	for _, r := range rows {
		b.WriteString(r.cf + "," + r.id + "," + r.ref + "\n")
	}
	return b.String()
}

// TestBatchEndToEnd is issue #16's end-to-end test: a 500-subject batch whose bad rows are
// refused up front with their line numbers; once fixed it runs on a worker process killed
// twice, waits when the user's daily quota runs out and resumes when the quota is raised;
// every subject ends with exactly one result and one audit record, and the results come back
// in input order with the application's references.
func TestBatchEndToEnd(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.BatchRecheck, cfg.BatchRunSize = time.Second, 150
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, sim := splitBackends(t, cfg)
	worker := startChildWorker(t, cfg)
	go func() { _ = runAPI(ctx, cfg, quietLogger()) }()
	url := "http://" + cfg.APIAddr
	waitReady(t, url)
	op := login(t, url, "demo-operatore")
	// The user's daily quota ends the batch's first stretch at 300 subjects.
	setQuota(t, db, "demo-operatore", 300)

	rows := mixedBatch(t, 500)
	// Rows 40, 41 and 250 have a wrong check character: refused up front, with their lines.
	bad := slices.Clone(rows)
	for _, i := range []int{40, 41, 250} {
		bad[i] = batchRow{cf: wrongCheck(collaudoAlive[0][1]), ref: bad[i].ref}
	}
	target := url + "/api/v1/batches?service=C020&comune=H501&motivo=" + "VERBALI-2026"
	a := call(t, "POST", target, op, batchCSV(bad), "Content-Type", "text/csv", "Idempotency-Key", "b-1")
	wantLines := []any{42.0, 43.0, 252.0} // the header is line 1
	if a.status != 400 || a.body["code"] != "invalid_batch" || fmt.Sprint(a.body["lines"]) != fmt.Sprint(wantLines) {
		t.Fatalf("batch with bad rows: %d %s, want 400 invalid_batch with lines %v", a.status, a.raw, wantLines)
	}
	if n := countRows(t, db, "SELECT COUNT(*) FROM batches"); n != 0 {
		t.Fatalf("a refused batch left %d batches", n)
	}

	a = call(t, "POST", target, op, batchCSV(rows), "Content-Type", "text/csv", "Idempotency-Key", "b-1")
	id, _ := a.body["batchId"].(string)
	if a.status != 202 || id == "" || a.body["total"] != 500.0 {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	// The same key and batch again: the same batch, nothing new.
	again := call(t, "POST", target, op, batchCSV(rows), "Content-Type", "text/csv", "Idempotency-Key", "b-1")
	if again.status != 202 || again.body["batchId"] != id {
		t.Fatalf("repeat: %d %s", again.status, again.raw)
	}

	// Kill the worker twice while the batch runs.
	for _, at := range []int{80, 200} {
		waitDone(t, db, id, at)
		if err := worker.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = worker.Wait()
		worker = startChildWorker(t, cfg)
	}
	// The quota runs out: the batch waits, and says so, instead of failing.
	st := waitBatch(t, url, op, id, func(st map[string]any) bool { return st["waiting"] == workflows.WaitQuota })
	if st["status"] != "running" || st["done"].(float64) >= 500 {
		t.Fatalf("waiting batch: %v", st)
	}
	time.Sleep(2 * time.Second) // a few rechecks: still waiting, nothing more done
	st2 := waitBatch(t, url, op, id, func(map[string]any) bool { return true })
	if st2["done"] != st["done"] || st2["waiting"] != workflows.WaitQuota {
		t.Fatalf("a batch over its quota went on: %v then %v", st, st2)
	}
	setQuota(t, db, "demo-operatore", 0) // the ADMIN lifts the limit: the pause ends
	st = waitBatch(t, url, op, id, func(st map[string]any) bool { return st["status"] != "running" })
	if st["status"] != "completed" || st["done"] != 500.0 || st["waiting"] != nil {
		t.Fatalf("finished batch: %v", st)
	}
	checkBatchResults(t, url, op, id, rows)
	checkBatchAudit(t, db, id, 500)
	calls := 0
	for _, r := range sim.Received() {
		if r.Service == "C020" {
			calls++
		}
	}
	// Each subject that reaches C020 (all but the unknown codici fiscali, which C030 does not
	// resolve) is called once; a call a killed worker had in flight may be repeated by its
	// retry (8 at most per kill), never more.
	want := 0
	for _, r := range rows {
		if r.id != "" || r.want == workflows.OutcomeOK {
			want++
		}
	}
	if calls < want || calls > want+2*8 {
		t.Fatalf("ANPR received %d C020 calls for %d subjects that reach C020", calls, want)
	}
	checkBatchCSV(t, url, op, id, rows)
	checkBatchIsolation(t, url, id)
}

// wrongCheck changes a codice fiscale's check character.
func wrongCheck(cf string) string {
	last := cf[15] + 1
	if last > 'Z' {
		last = 'A'
	}
	return cf[:15] + string(last)
}

func setQuota(t *testing.T, db *store.DB, username string, quota int) {
	t.Helper()
	_, err := db.NewRaw(`UPDATE grants SET daily_quota = ? WHERE role = 'AUTORIZZATO' AND user_id = (SELECT id FROM users WHERE username = ?)`,
		quota, username).Exec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
}

func countRows(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.NewRaw(q, args...).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitDone(t *testing.T, db *store.DB, id string, n int) {
	t.Helper()
	for range 1200 {
		if countRows(t, db, "SELECT COUNT(*) FROM batch_results WHERE batch_id = ?", id) >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("batch %s never reached %d results", id, n)
}

func waitBatch(t *testing.T, url, tok, id string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	var last answer
	for range 1800 {
		last = call(t, "GET", url+"/api/v1/batches/"+id, tok, nil)
		if last.status != 200 {
			t.Fatalf("batch status: %d %s", last.status, last.raw)
		}
		if ok(last.body) {
			return last.body
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("batch %s: condition never met; last %s", id, last.raw)
	return nil
}

// checkBatchResults reads the JSON lines: one per subject, in input order, each with its
// reference and the outcome its subject calls for.
func checkBatchResults(t *testing.T, url, tok, id string, rows []batchRow) {
	t.Helper()
	raw := getRaw(t, url+"/api/v1/batches/"+id+"/results", tok, "application/x-ndjson")
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	i := 0
	for sc.Scan() {
		var r workflows.BatchResultBody
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("result line %d: %v", i, err)
		}
		if i >= len(rows) {
			t.Fatalf("more results than subjects: %s", sc.Bytes())
		}
		want := rows[i]
		if r.Line != i+2 || r.Reference != want.ref || r.Outcome != want.want {
			t.Fatalf("result %d: line %d ref %q outcome %q (%s %s), want line %d ref %q outcome %q",
				i, r.Line, r.Reference, r.Outcome, r.ErrorCode, r.Detail, i+2, want.ref, want.want)
		}
		if want.want == workflows.OutcomeOK && len(r.Soggetti) != 1 {
			t.Fatalf("result %d: found, but %d soggetti", i, len(r.Soggetti))
		}
		i++
	}
	if i != len(rows) {
		t.Fatalf("%d results for %d subjects", i, len(rows))
	}
}

// checkBatchAudit: every subject has exactly one record carrying the batch id (the C030
// resolutions before a lookup by codice fiscale are linked records of their own).
func checkBatchAudit(t *testing.T, db *store.DB, id string, n int) {
	t.Helper()
	var ids []string
	err := db.NewRaw(`SELECT request_id FROM audit_events WHERE batch_id = ? AND request_id NOT LIKE '%~C030'`, id).
		Scan(context.Background(), &ids)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range ids {
		if seen[r] {
			t.Fatalf("two audit records for %s", r)
		}
		seen[r] = true
	}
	for i := range n {
		if !seen[workflows.BatchSubjectRequestID(id, i)] {
			t.Fatalf("subject %d has no audit record", i)
		}
	}
	if len(ids) != n {
		t.Fatalf("%d audit records for %d subjects", len(ids), n)
	}
}

func checkBatchCSV(t *testing.T, url, tok, id string, rows []batchRow) {
	t.Helper()
	raw := string(getRaw(t, url+"/api/v1/batches/"+id+"/results", tok, "text/csv"))
	lines := strings.Split(strings.TrimSpace(raw), "\n")
	if len(lines) != len(rows)+1 || !strings.HasPrefix(lines[0], "riga,riferimento,") {
		t.Fatalf("CSV: %d lines, header %q", len(lines), lines[0])
	}
	if !strings.HasPrefix(lines[1], "2,"+rows[0].ref+",") || !strings.HasPrefix(lines[len(rows)], strconv.Itoa(len(rows)+1)+","+rows[len(rows)-1].ref+",") {
		t.Fatalf("CSV rows out of order: %q … %q", lines[1], lines[len(rows)])
	}
}

// checkBatchIsolation: the Comune's TOP sees the batch's progress and its audit records, not
// the results (ANPR's data is for whoever asked).
func checkBatchIsolation(t *testing.T, url, id string) {
	t.Helper()
	top := login(t, url, "demo-top")
	if a := call(t, "GET", url+"/api/v1/batches/"+id, top, nil); a.status != 200 || a.body["done"] != 500.0 {
		t.Fatalf("the TOP reads the batch: %d %s", a.status, a.raw)
	}
	if a := call(t, "GET", url+"/api/v1/batches/"+id+"/results", top, nil); a.status != 403 {
		t.Fatalf("the TOP reads the results: %d %s", a.status, a.raw)
	}
	a := call(t, "GET", url+"/api/v1/audit?batch="+id+"&limit=500", top, nil)
	items, _ := a.body["items"].([]any)
	if a.status != 200 || len(items) == 0 {
		t.Fatalf("audit by batch: %d %d items", a.status, len(items))
	}
	for _, it := range items {
		if it.(map[string]any)["batchId"] != id {
			t.Fatalf("audit by batch returned %v", it)
		}
	}
}

func getRaw(t *testing.T, url, tok, accept string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, buf.Bytes())
	}
	return buf.Bytes()
}

// TestBatchWaitsForANPRPause: ANPR's daily quota (the simulator's) runs out in the middle of a
// batch; the batch waits instead of failing its subjects, and resumes when the pause ends (in
// the TEST environment a TOP ends it after the simulator's quota is reset).
func TestBatchWaitsForANPRPause(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.SimDailyQuota, cfg.BatchRecheck = 20, time.Second
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	for _, q := range []string{"UPDATE convenzioni SET daily_quota = 0", "UPDATE grants SET daily_quota = 0"} {
		if _, err := s.db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	op, top := login(t, url, "demo-operatore"), login(t, url, "demo-top")
	subjects := make([]map[string]string, 50)
	for i := range subjects {
		subjects[i] = map[string]string{"idANPR": collaudoAlive[i%len(collaudoAlive)][0]}
	}
	a := call(t, "POST", url+"/api/v1/batches", op, map[string]any{"service": "C020", "comune": "H501", "motivo": "M", "soggetti": subjects})
	id, _ := a.body["batchId"].(string)
	if a.status != 202 {
		t.Fatalf("batch: %d %s", a.status, a.raw)
	}
	st := waitBatch(t, url, op, id, func(st map[string]any) bool { return st["waiting"] == workflows.WaitANPRPause })
	done := st["done"].(float64)
	if done > 20 || st["failed"] != 0.0 || st["status"] != "running" {
		t.Fatalf("paused batch: %v", st)
	}
	time.Sleep(2 * time.Second)
	if again := waitBatch(t, url, op, id, func(map[string]any) bool { return true }); again["done"] != done {
		t.Fatalf("a paused batch went on: %v then %v", st, again)
	}
	s.simulator.ResetQuotas()
	if a := call(t, "DELETE", url+"/api/v1/admin/comuni/H501/anpr/pauses", top, nil); a.status != 200 {
		t.Fatalf("ending the pause: %d %s", a.status, a.raw)
	}
	s.simulator.ResetQuotas()
	// The simulator's quota of 20 a day runs out again after 20 more: end the pause as often.
	for {
		st = waitBatch(t, url, op, id, func(st map[string]any) bool {
			return st["status"] != "running" || st["waiting"] == workflows.WaitANPRPause
		})
		if st["status"] != "running" {
			break
		}
		s.simulator.ResetQuotas()
		call(t, "DELETE", url+"/api/v1/admin/comuni/H501/anpr/pauses", top, nil)
	}
	if st["status"] != "completed" || st["ok"] != 50.0 {
		t.Fatalf("batch after the pauses: %v", st)
	}
	if n := countRows(t, s.db, "SELECT COUNT(*) FROM audit_events WHERE batch_id = ?", id); n != 50 {
		t.Fatalf("%d audit records for 50 subjects", n)
	}
}
