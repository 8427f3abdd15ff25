package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestAnprPauses: a pause is read back by any connection, per key, and never shortened.
func TestAnprPauses(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := store.AnprPauses{DB: db.DB}
		midnight := time.Date(2026, 1, 5, 23, 0, 0, 0, time.UTC)
		if u, err := p.PausedUntil(ctx, "client/purpose-C020"); err != nil || !u.IsZero() {
			t.Fatalf("unknown key: %v %v", u, err)
		}
		mustNoErr(t, p.Pause(ctx, "client/purpose-C020", midnight))
		mustNoErr(t, p.Pause(ctx, "client/purpose-C020", midnight.Add(-time.Hour))) // a late, shorter one
		for key, want := range map[string]time.Time{"client/purpose-C020": midnight, "client/purpose-C030": {}} {
			u, err := p.PausedUntil(ctx, key)
			mustNoErr(t, err)
			if !u.Equal(want) {
				t.Errorf("%s paused until %v, want %v", key, u, want)
			}
		}
		mustNoErr(t, p.Pause(ctx, "client/purpose-C020", midnight.Add(24*time.Hour)))
		if u, _ := p.PausedUntil(ctx, "client/purpose-C020"); !u.Equal(midnight.Add(24 * time.Hour)) {
			t.Errorf("a longer pause did not extend: %v", u)
		}
	})
}
