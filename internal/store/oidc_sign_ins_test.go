package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// TestSignIns: a Web UI sign-in lives in the database (any replica reads it), expires, caps
// how many wait, is completed once, and its code works until the sign-in is deleted.
func TestSignIns(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		x := store.SignIns{DB: db.DB}
		t0 := time.Date(2027, 3, 28, 0, 59, 30, 0, time.UTC)
		since := t0.Add(-10 * time.Minute)
		start := func(id string, at time.Time, max int) bool {
			t.Helper()
			ok, err := x.Start(ctx, &store.SignIn{ID: id, Request: `{"client_id":"temporal-ui"}`, CreatedAt: at}, at.Add(-10*time.Minute), max)
			mustNoErr(t, err)
			return ok
		}
		if !start("old", t0.Add(-11*time.Minute), 10) || !start("a", t0, 10) || !start("b", t0, 10) {
			t.Fatal("start refused under the cap")
		}
		if _, err := x.Get(ctx, "old", since); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("an expired sign-in: %v, want not found", err)
		}
		if start("c", t0, 2) {
			t.Fatal("a third sign-in with a cap of two")
		}
		ok, err := x.Complete(ctx, "a", "7", "demo-top", t0.Add(time.Second), since)
		mustNoErr(t, err)
		if !ok {
			t.Fatal("complete a pending sign-in: false")
		}
		if ok, _ := x.Complete(ctx, "a", "8", "intruder", t0.Add(2*time.Second), since); ok {
			t.Fatal("a sign-in was completed twice")
		}
		if ok, _ := x.Complete(ctx, "b", "7", "demo-top", t0, t0.Add(time.Minute)); ok {
			t.Fatal("an expired sign-in was completed")
		}
		mustNoErr(t, x.SetCode(ctx, "a", "code-1"))
		if err := x.SetCode(ctx, "nobody", "code-2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a code for no sign-in: %v", err)
		}
		s, err := x.ByCode(ctx, "code-1", since)
		mustNoErr(t, err)
		if s.ID != "a" || s.Subject != "7" || s.Username != "demo-top" || s.AuthTime == nil || !s.AuthTime.Equal(t0.Add(time.Second)) {
			t.Fatalf("by code: %+v", s)
		}
		mustNoErr(t, x.Delete(ctx, "a"))
		if _, err := x.ByCode(ctx, "code-1", since); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a code after its exchange: %v", err)
		}
	})
}
