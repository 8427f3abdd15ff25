package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

func authUser(t *testing.T, db *store.DB, name string) *store.User {
	t.Helper()
	u := &store.User{Username: name, PasswordHash: "h-" + name, Active: true}
	mustNoErr(t, store.CreateUser(context.Background(), db.DB, u))
	return u
}

func newRefresh(t *testing.T, db bun.IDB, userID int64, hash, family string, at time.Time) *store.RefreshToken {
	t.Helper()
	rt := &store.RefreshToken{UserID: userID, TokenHash: hash, FamilyID: family, LoA: "LoA2", CreatedAt: at, ExpiresAt: at.Add(12 * time.Hour)}
	mustNoErr(t, store.CreateRefreshToken(context.Background(), db, rt))
	return rt
}

func refreshRow(t *testing.T, db *store.DB, hash string) *store.RefreshToken {
	t.Helper()
	rt := new(store.RefreshToken)
	mustNoErr(t, db.NewSelect().Model(rt).Where("token_hash = ?", hash).Scan(context.Background()))
	return rt
}

func tokenVersion(t *testing.T, db *store.DB, id int64) int64 {
	t.Helper()
	u, err := store.GetUserAuth(context.Background(), db.DB, id)
	mustNoErr(t, err)
	return u.TokenVersion
}

func TestUserAuthReads(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := authUser(t, db, "anna")
		a, err := store.GetUserAuthByUsername(ctx, db.DB, "anna")
		mustNoErr(t, err)
		if a.ID != u.ID || a.PasswordHash != "h-anna" || !a.Active || a.TokenVersion != 0 || a.FailedLogins != 0 || !a.LastFailedLoginAt.IsZero() {
			t.Fatalf("by username: %+v", a)
		}
		b, err := store.GetUserAuth(ctx, db.DB, u.ID)
		mustNoErr(t, err)
		if b.ID != u.ID || !b.Active || b.PasswordHash != "" {
			t.Fatalf("per-request read must hold id, active, version only: %+v", b)
		}
		_, err = store.GetUserAuth(ctx, db.DB, u.ID+100)
		wantErr(t, err, store.ErrNotFound)
		_, err = store.GetUserAuthByUsername(ctx, db.DB, "ANNA")
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
		u := authUser(t, db, "bruno")
		first := newRefresh(t, db, u.ID, "h1", "", t0)
		other := newRefresh(t, db, u.ID, "o1", "", t0) // a second sign-in: another family
		if first.FamilyID == "" || first.FamilyID == other.FamilyID {
			t.Fatalf("families %q %q", first.FamilyID, other.FamilyID)
		}

		ua, second, err := store.RotateRefreshToken(ctx, db.DB, "h1", "h2", t0.Add(time.Hour))
		mustNoErr(t, err)
		if ua.ID != u.ID || !ua.Active || second.FamilyID != first.FamilyID || second.LoA != "LoA2" ||
			!second.ExpiresAt.Equal(first.ExpiresAt) {
			t.Fatalf("rotation: user %+v, new %+v", ua, second)
		}
		if old := refreshRow(t, db, "h1"); old.RevokedAt.IsZero() || old.ReplacedBy != second.ID {
			t.Fatalf("old token not marked rotated: %+v", old)
		}
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "h2", "h3", t0.Add(2*time.Hour))
		mustNoErr(t, err)

		// h1 comes back: a replay. The family dies, the version moves, the other family lives.
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "h1", "hx", t0.Add(3*time.Hour))
		wantErr(t, err, store.ErrRefreshReused)
		if v := tokenVersion(t, db, u.ID); v != 1 {
			t.Fatalf("token version %d after reuse, want 1", v)
		}
		for _, h := range []string{"h1", "h2", "h3"} {
			if refreshRow(t, db, h).RevokedAt.IsZero() {
				t.Fatalf("%s survived the family revocation", h)
			}
		}
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "h3", "hy", t0.Add(3*time.Hour))
		wantErr(t, err, store.ErrRefreshInvalid)
		// Replaying again finds the family dead: refused, but the user is not signed out again.
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "h2", "hz", t0.Add(3*time.Hour))
		wantErr(t, err, store.ErrRefreshReused)
		if v := tokenVersion(t, db, u.ID); v != 1 {
			t.Fatalf("token version %d after replay of a dead family, want 1", v)
		}
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "o1", "o2", t0.Add(3*time.Hour))
		mustNoErr(t, err)
	})
}

func TestRefreshRefusals(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
		u := authUser(t, db, "carla")
		newRefresh(t, db, u.ID, "c1", "", t0)

		_, _, err := store.RotateRefreshToken(ctx, db.DB, "nope", "x", t0)
		wantErr(t, err, store.ErrRefreshInvalid)
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "c1", "x", t0.Add(12*time.Hour))
		wantErr(t, err, store.ErrRefreshInvalid)

		mustNoErr(t, store.SetUserActive(ctx, db.DB, u.ID, false))
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "c1", "x", t0.Add(time.Hour))
		wantErr(t, err, store.ErrRefreshInvalid)
		if refreshRow(t, db, "c1").RevokedAt.IsZero() == false {
			t.Fatal("a refused refresh must change nothing")
		}
		mustNoErr(t, store.SetUserActive(ctx, db.DB, u.ID, true))
		_, _, err = store.RotateRefreshToken(ctx, db.DB, "c1", "c2", t0.Add(time.Hour))
		mustNoErr(t, err)
	})
}

func TestRevokeUserTokens(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Now().UTC()
		u := authUser(t, db, "dario")
		bystander := authUser(t, db, "elena")
		newRefresh(t, db, u.ID, "d1", "", t0)
		newRefresh(t, db, u.ID, "d2", "", t0)
		newRefresh(t, db, bystander.ID, "e1", "", t0)

		mustNoErr(t, store.RevokeUserTokens(ctx, db.DB, u.ID))
		if v := tokenVersion(t, db, u.ID); v != 1 {
			t.Fatalf("version %d, want 1", v)
		}
		for _, h := range []string{"d1", "d2"} {
			_, _, err := store.RotateRefreshToken(ctx, db.DB, h, h+"'", t0.Add(time.Minute))
			wantErr(t, err, store.ErrRefreshInvalid) // revoked, never rotated: not a replay
		}
		if tokenVersion(t, db, bystander.ID) != 0 || !refreshRow(t, db, "e1").RevokedAt.IsZero() {
			t.Fatal("another user's tokens were touched")
		}
		wantErr(t, store.RevokeUserTokens(ctx, db.DB, u.ID+100), store.ErrNotFound)

		// Composes inside a caller's transaction (the admin API suspends and revokes together).
		mustNoErr(t, store.Tx(ctx, db.DB, func(tx bun.Tx) error {
			if err := store.SetUserActive(ctx, tx, u.ID, false); err != nil {
				return err
			}
			return store.RevokeUserTokens(ctx, tx, u.ID)
		}))
		if v := tokenVersion(t, db, u.ID); v != 2 {
			t.Fatalf("version %d, want 2", v)
		}
		// A rolled-back transaction revokes nothing.
		boom := errors.New("boom")
		err := store.Tx(ctx, db.DB, func(tx bun.Tx) error {
			if err := store.RevokeUserTokens(ctx, tx, u.ID); err != nil {
				return err
			}
			return boom
		})
		wantErr(t, err, boom)
		if v := tokenVersion(t, db, u.ID); v != 2 {
			t.Fatalf("version %d after rollback, want 2", v)
		}
	})
}

func TestCreateRefreshTokenPurgesExpired(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
		u := authUser(t, db, "fabio")
		newRefresh(t, db, u.ID, "f1", "", t0)
		newRefresh(t, db, u.ID, "f2", "", t0.Add(13*time.Hour)) // f1 has expired by now
		n, err := db.NewSelect().Model((*store.RefreshToken)(nil)).Where("user_id = ?", u.ID).Count(ctx)
		mustNoErr(t, err)
		if n != 1 {
			t.Fatalf("%d tokens left, want only the live one", n)
		}
		// At t0+14h f2 is live (it expires at t0+25h), so the duplicate hash still conflicts;
		// the day the test runs plays no part.
		wantErr(t, store.CreateRefreshToken(ctx, db.DB, &store.RefreshToken{UserID: u.ID, TokenHash: "f2",
			CreatedAt: t0.Add(14 * time.Hour), ExpiresAt: t0.Add(30 * time.Hour)}), store.ErrConflict)
	})
}

func TestLoginAttemptCounter(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 26, 8, 0, 0, 123456000, time.UTC)
		u := authUser(t, db, "gina")
		ok, err := store.ClaimLoginAttempt(ctx, db.DB, u.ID, 0, 1, t0)
		mustNoErr(t, err)
		if !ok {
			t.Fatal("first claim refused")
		}
		// A concurrent attempt that read the same count loses the compare-and-set.
		ok, err = store.ClaimLoginAttempt(ctx, db.DB, u.ID, 0, 1, t0)
		mustNoErr(t, err)
		if ok {
			t.Fatal("stale claim accepted")
		}
		a, err := store.GetUserAuthByUsername(ctx, db.DB, "gina")
		mustNoErr(t, err)
		if a.FailedLogins != 1 || !a.LastFailedLoginAt.Equal(t0) {
			t.Fatalf("after claim: %d at %v", a.FailedLogins, a.LastFailedLoginAt)
		}
		mustNoErr(t, store.ResetLoginFailures(ctx, db.DB, u.ID))
		a, err = store.GetUserAuthByUsername(ctx, db.DB, "gina")
		mustNoErr(t, err)
		if a.FailedLogins != 0 || !a.LastFailedLoginAt.IsZero() {
			t.Fatalf("after reset: %+v", a)
		}
	})
}

// TestRefreshConcurrentRotation: of parallel rotations of one token exactly one succeeds; the
// others are replays, so the family ends revoked, and the user's token version moved once.
func TestRefreshConcurrentRotation(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := time.Now().UTC()
		u := authUser(t, db, "hugo")
		newRefresh(t, db, u.ID, "r0", "", t0)
		const n = 8
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, _, err := store.RotateRefreshToken(ctx, db.DB, "r0", "r1-"+string(rune('a'+i)), t0.Add(time.Minute))
				errs <- err
			}()
		}
		var ok, reused int
		for range n {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrRefreshReused):
				reused++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok != 1 || reused != n-1 {
			t.Fatalf("ok=%d reused=%d", ok, reused)
		}
		live, err := db.NewSelect().Model((*store.RefreshToken)(nil)).Where("user_id = ? AND revoked_at IS NULL", u.ID).Count(ctx)
		mustNoErr(t, err)
		if live != 0 || tokenVersion(t, db, u.ID) != 1 {
			t.Fatalf("live=%d version=%d", live, tokenVersion(t, db, u.ID))
		}
	})
}
