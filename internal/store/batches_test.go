package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

func TestBatches(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.Batches{DB: db.DB}
		t0 := time.Date(2027, 3, 28, 9, 0, 0, 0, time.UTC)
		b, err := s.Create(ctx, &store.Batch{ID: "bt-h501-a", ComuneCode: "H501", UserID: 7, Service: "C020",
			Motivo: "verbali", Total: 3, Fingerprint: "f1", CreatedAt: t0, ExpiresAt: t0.Add(7 * 24 * time.Hour)})
		mustNoErr(t, err)
		if b.Status != store.BatchRunning || b.Total != 3 {
			t.Fatalf("created %+v", b)
		}
		// A repeated create (same Idempotency-Key) returns the first batch unchanged.
		again, err := s.Create(ctx, &store.Batch{ID: "bt-h501-a", ComuneCode: "H501", UserID: 7, Service: "C020",
			Motivo: "other", Total: 9, Fingerprint: "f2", CreatedAt: t0, ExpiresAt: t0})
		mustNoErr(t, err)
		if again.Fingerprint != "f1" || again.Total != 3 {
			t.Fatalf("second create changed the batch: %+v", again)
		}
		mustNoErr(t, s.SetEnte(ctx, "bt-h501-a", 4))
		mustNoErr(t, s.SetWaiting(ctx, "bt-h501-a", "quota", t0.Add(time.Hour)))
		b, err = s.Get(ctx, "bt-h501-a")
		mustNoErr(t, err)
		if b.EnteID != 4 || b.Waiting != "quota" || b.WaitingUntil == nil || !b.WaitingUntil.Equal(t0.Add(time.Hour)) {
			t.Fatalf("after ente and waiting: %+v", b)
		}
		// Results are written once each, and read back in input order.
		for _, r := range []store.BatchResult{
			{BatchID: "bt-h501-a", Index: 2, RequestID: "rq-2", Outcome: "not_found", ErrorCode: "subject_not_found", Sealed: "s2"},
			{BatchID: "bt-h501-a", Index: 0, RequestID: "rq-0", Outcome: "ok", Sealed: "s0"},
			{BatchID: "bt-h501-a", Index: 1, RequestID: "rq-1", Outcome: "ok", Sealed: "s1"},
		} {
			ins, err := s.PutResult(ctx, &r)
			mustNoErr(t, err)
			if !ins {
				t.Fatalf("result %d not inserted", r.Index)
			}
		}
		// Written before their audit records: neither counted nor returned until marked.
		c, err := s.Counts(ctx, "bt-h501-a")
		mustNoErr(t, err)
		if c.Done != 0 {
			t.Fatalf("unaudited results counted: %+v", c)
		}
		for i := range 3 {
			mustNoErr(t, s.MarkAudited(ctx, "bt-h501-a", i, "s"+strconv.Itoa(i)))
		}
		ins, err := s.PutResult(ctx, &store.BatchResult{BatchID: "bt-h501-a", Index: 1, RequestID: "rq-1", Outcome: "failed", Sealed: "x"})
		mustNoErr(t, err)
		if ins {
			t.Fatal("a second result for one subject was inserted")
		}
		var order []string
		mustNoErr(t, s.EachResult(ctx, "bt-h501-a", func(r store.BatchResult) error {
			order = append(order, r.Sealed)
			return nil
		}))
		if len(order) != 3 || order[0] != "s0" || order[1] != "s1" || order[2] != "s2" {
			t.Fatalf("results in order %v, want [s0 s1 s2]", order)
		}
		c, err = s.Counts(ctx, "bt-h501-a")
		mustNoErr(t, err)
		if c.Done != 3 || c.ByOutcome["ok"] != 2 || c.ByOutcome["not_found"] != 1 {
			t.Fatalf("counts %+v", c)
		}
		mustNoErr(t, s.Finish(ctx, "bt-h501-a", store.BatchCancelled, t0.Add(time.Hour)))
		mustNoErr(t, s.Finish(ctx, "bt-h501-a", store.BatchCompleted, t0.Add(2*time.Hour)))
		b, _ = s.Get(ctx, "bt-h501-a")
		if b.Status != store.BatchCancelled || b.Waiting != "" {
			t.Fatalf("finished %+v, want the first final status kept", b)
		}
		// Retention: nothing before expiry, the results (not the batch) after.
		n, err := s.PurgeExpired(ctx, t0.Add(24*time.Hour))
		mustNoErr(t, err)
		if n != 0 {
			t.Fatalf("purged %d before expiry", n)
		}
		n, err = s.PurgeExpired(ctx, t0.Add(8*24*time.Hour))
		mustNoErr(t, err)
		if n != 3 {
			t.Fatalf("purged %d, want 3", n)
		}
		if _, err := s.Result(ctx, "bt-h501-a", 0); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a purged result is still there: %v", err)
		}
		b, err = s.Get(ctx, "bt-h501-a")
		mustNoErr(t, err)
		if b.PurgedAt == nil {
			t.Fatal("batch not marked purged")
		}
	})
}
