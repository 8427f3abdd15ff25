package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// TestAuditAnomalies crafts one user of each kind: steady, a volume spike, a subject sweep
// inside an hour, and the same number of subjects spread over a morning.
func TestAuditAnomalies(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		day := time.Date(2026, 11, 20, 9, 0, 0, 0, store.Rome())
		var recs []store.AuditRecord
		add := func(user int64, at time.Time, n int, subject func(i int) string) {
			for i := range n {
				recs = append(recs, store.AuditRecord{ComuneCode: "H501", UserID: user, EnteID: 1,
					CreatedAt: at.Add(time.Duration(i) * time.Second), SubjectHash: subject(i)})
			}
		}
		same := func(int) string { return "s-same" }
		for d := 1; d <= 30; d++ {
			add(1, day.AddDate(0, 0, -d), 10, same) // usual 10 a day
			add(2, day.AddDate(0, 0, -d), 40, same) // usual 40 a day
			add(3, day.AddDate(0, 0, -d), 20, same) // users 3 and 4: usual 20, so 51 is no spike
			add(4, day.AddDate(0, 0, -d), 20, same)
		}
		add(1, day, 31, same)                   // 31 > 3×10 and > 20: flagged
		add(2, day, 41, same)                   // 41 is not > 3×40
		add(5, day, 15, same)                   // new user (median 0), but not > 20
		add(6, day.AddDate(0, 0, -1), 60, same) // a spike the day before the period: not reported
		// User 3: 51 distinct subjects, one a minute → inside one hour (0..50 min).
		for i := range 51 {
			add(3, day.Add(time.Duration(i)*time.Minute), 1, func(int) string { return fmt.Sprintf("s3-%d", i) })
		}
		// User 4: 51 distinct subjects, one every 3 minutes → at most 20 in any hour.
		for i := range 51 {
			add(4, day.Add(time.Duration(i)*3*time.Minute), 1, func(int) string { return fmt.Sprintf("s4-%d", i) })
		}
		insertAll(t, db, recs)
		from := time.Date(2026, 11, 20, 0, 0, 0, 0, store.Rome())
		q := store.AuditQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}, From: from, To: from.AddDate(0, 0, 1)}
		got, err := store.AuditAnomalies(context.Background(), db.DB, q)
		mustNoErr(t, err)
		if len(got) != 2 {
			t.Fatalf("anomalies %+v, want 2", got)
		}
		v, u51 := got[0], got[1]
		if v.Kind != store.AnomalyVolume || v.UserID != 1 || v.Day != "2026-11-20" || v.Count != 31 || v.Median != 10 {
			t.Errorf("volume flag %+v", v)
		}
		if u51.Kind != store.AnomalySubjects || u51.UserID != 3 || u51.Count != 51 ||
			!u51.From.Equal(day) || !u51.To.Equal(day.Add(50*time.Minute)) {
			t.Errorf("subjects flag %+v", u51)
		}
		// Out of scope: nothing.
		q.Scopes = []store.Scope{{ComuneCode: "F205"}}
		got, err = store.AuditAnomalies(context.Background(), db.DB, q)
		mustNoErr(t, err)
		if len(got) != 0 {
			t.Errorf("other Comune sees %+v", got)
		}
	})
}
