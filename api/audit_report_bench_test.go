package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// BenchmarkExportCSV1M streams a CSV export of one million audit records (SQLite, the default
// database) through the real handler over a real socket, and reports throughput and the peak
// growth of the live heap during the export: it must stay flat however many records there are.
//
//	go test -run '^$' -bench BenchmarkExportCSV1M -benchtime 1x ./api/
func BenchmarkExportCSV1M(b *testing.B) {
	const records = 1_000_000
	db := storetest.SQLite(b)
	fillExport(b, db, records)
	_, app := reportApp(b, db, store.Scope{ComuneCode: "H501"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	url := "http://" + ln.Addr().String() + "/export.csv"

	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		var peak atomic.Uint64
		stop := make(chan struct{})
		go samplePeak(&peak, stop)
		start := time.Now()
		n, rows := exportOnce(b, url)
		elapsed := time.Since(start)
		close(stop)
		if rows != records+1 {
			b.Fatalf("%d lines, want %d", rows, records+1)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds()/1e6, "MB/s")
		b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
		b.ReportMetric(float64(n)/1e6, "MB-exported")
		growth := float64(peak.Load()) - float64(before.HeapAlloc)
		b.ReportMetric(growth/1e6, "peak-heap-growth-MB")
	}
}

// samplePeak records the largest live heap seen until stop closes.
func samplePeak(peak *atomic.Uint64, stop chan struct{}) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	var m runtime.MemStats
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}
}

// exportOnce downloads the export, counting bytes and lines without keeping them.
func exportOnce(b *testing.B, url string) (bytes int64, lines int) {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64*1024)
	for {
		k, err := resp.Body.Read(buf)
		bytes += int64(k)
		for _, c := range buf[:k] {
			if c == '\n' {
				lines++
			}
		}
		if err == io.EOF {
			return bytes, lines
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// fillExport writes n records of one Comune with one recursive SELECT: seconds, not minutes.
func fillExport(b *testing.B, db *store.DB, n int) {
	b.Helper()
	seqCol, seqVal := ", seq", ", n"
	if _, err := db.ExecContext(context.Background(), "SELECT seq FROM audit_events LIMIT 0"); err != nil {
		seqCol, seqVal = "", ""
	}
	_, err := db.ExecContext(context.Background(), `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
	INSERT INTO audit_events (request_id, created_at, user_id, ente_id, comune_code, service, motivo, outcome,
		http_status, voucher_jti, duration_ms, workstation, subject_hash, id_operazione_client, id_operazione_anpr`+seqCol+`)
	SELECT 'exp-' || n, strftime('%Y-%m-%d %H:%M:%S', 1735689600 + n * 30, 'unixepoch') || '+00:00', 1 + n % 100, 1 + n % 5,
		'H501', 'C020', 'PROT-2026/' || n || ', fascicolo "A"', 'ok', 200, 'jti-' || (n / 500), 40, 'PC-ANAG-07',
		hex(randomblob(32)), 'cli-' || n, 'anpr-' || n`+seqVal+` FROM g`, n)
	if err != nil {
		b.Fatal(err)
	}
}
