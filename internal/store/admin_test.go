package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

func TestAdminEvents(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Now().Add(-time.Hour)
		for i, e := range []store.AdminEvent{
			{Comune: "H501", EnteID: 1, Action: "user.create", Outcome: store.AdminOK, After: `{"id":1}`},
			{Comune: "H501", EnteID: 2, Action: "user.create", Outcome: store.AdminOK},
			{Comune: "H501", Action: "ente.create", Outcome: store.AdminDenied, ErrorCode: "forbidden"},
			{Comune: "F205", EnteID: 1, Action: "grant.delete", Outcome: store.AdminOK},
		} {
			e.At, e.ActorUserID = base.Add(time.Duration(i)*time.Minute), int64(10+i)
			if err := store.InsertAdminEvent(ctx, db.DB, &e); err != nil {
				t.Fatal(err)
			}
		}
		list := func(q store.AdminEventQuery) []store.AdminEvent {
			t.Helper()
			out, _, err := store.ListAdminEvents(ctx, db.DB, q)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		if n := len(list(store.AdminEventQuery{})); n != 0 {
			t.Fatalf("no scope must mean nothing, got %d", n)
		}
		if n := len(list(store.AdminEventQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}})); n != 3 {
			t.Fatalf("H501: %d events, want 3", n)
		}
		ente := list(store.AdminEventQuery{Scopes: []store.Scope{{ComuneCode: "H501", EnteID: 1}}})
		if len(ente) != 1 || ente[0].After != `{"id":1}` {
			t.Fatalf("H501 Ente 1: %+v", ente)
		}
		if n := len(list(store.AdminEventQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}, Outcome: store.AdminDenied})); n != 1 {
			t.Fatalf("denied filter: %d", n)
		}
		// Cursor pagination walks every event once, newest first.
		scopes := []store.Scope{{ComuneCode: "H501"}, {ComuneCode: "F205"}}
		var seen []int64
		cursor := ""
		for {
			page, next, err := store.ListAdminEvents(ctx, db.DB, store.AdminEventQuery{Scopes: scopes, Limit: 1, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page {
				seen = append(seen, e.ActorUserID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != 4 || seen[0] != 13 || seen[3] != 10 {
			t.Fatalf("pages: %v", seen)
		}
	})
}

// TestCountAdminEventsSince: the admin API's refusal limit counts one actor's events of the
// given outcomes from an instant on (inclusive), on both databases, and a forged cursor is
// ErrBadCursor (which the API answers 400).
func TestCountAdminEventsSince(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		minute := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)
		for _, e := range []store.AdminEvent{
			{ActorUserID: 7, At: minute.Add(-time.Microsecond), Outcome: store.AdminDenied}, // the minute before
			{ActorUserID: 7, At: minute, Outcome: store.AdminDenied},                        // inclusive
			{ActorUserID: 7, At: minute.Add(10 * time.Second), Outcome: store.AdminFailed},
			{ActorUserID: 7, At: minute.Add(20 * time.Second), Outcome: store.AdminOK},
			{ActorUserID: 8, At: minute.Add(30 * time.Second), Outcome: store.AdminDenied}, // someone else
		} {
			e.Comune, e.Action = "H501", "user.read"
			if err := store.InsertAdminEvent(ctx, db.DB, &e); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name     string
			actor    int64
			since    time.Time
			outcomes []string
			want     int
		}{
			{"refusals of the minute", 7, minute, []string{store.AdminDenied, store.AdminFailed}, 2},
			{"denied only", 7, minute, []string{store.AdminDenied}, 1},
			{"allowed only", 7, minute, []string{store.AdminOK}, 1},
			{"from the minute before", 7, minute.Add(-time.Minute), []string{store.AdminDenied, store.AdminFailed}, 3},
			{"later in the minute", 7, minute.Add(15 * time.Second), []string{store.AdminDenied, store.AdminFailed}, 0},
			{"other actor", 8, minute, []string{store.AdminDenied}, 1},
			{"unknown actor", 9, minute, []string{store.AdminDenied}, 0},
			{"since in another zone", 7, minute.In(store.Rome()), []string{store.AdminDenied, store.AdminFailed}, 2},
		} {
			n, err := store.CountAdminEventsSince(ctx, db.DB, c.actor, c.since, c.outcomes...)
			if err != nil || n != c.want {
				t.Errorf("%s: %d, %v; want %d", c.name, n, err, c.want)
			}
		}
		if _, err := store.CountAdminEventsSince(ctx, db.DB, 7, minute); err == nil {
			t.Error("no outcome must be an error, not a count of nothing")
		}
		_, _, err := store.ListAdminEvents(ctx, db.DB, store.AdminEventQuery{Scopes: []store.Scope{{ComuneCode: "H501"}}, Cursor: "Zm9yZ2Vk"})
		if !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("forged cursor: %v, want ErrBadCursor", err)
		}
	})
}

func TestPolicyVersionAndQuota(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, err := store.PolicyVersion(ctx, db.DB)
		if err != nil {
			t.Fatal(err)
		}
		v1, err := store.BumpPolicyVersion(ctx, db.DB)
		if err != nil || v1 != v0+1 {
			t.Fatalf("bump: %d %v (was %d)", v1, err, v0)
		}
		day := time.Now()
		limits := []store.QuotaLimit{{Scope: "grant:1", Limit: 5}, {Scope: "convenzione:1", Limit: 20}, {Scope: "free", Limit: 0}}
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				exceeded, err := store.ConsumeQuota(ctx, db.DB, day, limits)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if exceeded == "" {
					allowed++
				} else if exceeded != "grant:1" {
					t.Errorf("exceeded %q", exceeded)
				}
			}()
		}
		wg.Wait()
		if allowed != 5 {
			t.Fatalf("%d uses allowed under a quota of 5", allowed)
		}
		for scope, want := range map[string]int64{"grant:1": 5, "convenzione:1": 5, "free": 5} { // unlimited scopes count the allowed uses
			if n, err := store.QuotaUsed(ctx, db.DB, scope, day); err != nil || n != want {
				t.Errorf("%s used %d (%v), want %d: refused uses must not count", scope, n, err, want)
			}
		}
		if n, _ := store.QuotaUsed(ctx, db.DB, "grant:1", day.AddDate(0, 0, 1)); n != 0 {
			t.Errorf("the next day starts at %d", n)
		}
	})
}

func TestActiveTops(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := store.CreateComune(ctx, db.DB, &store.Comune{Code: "H501", IstatCode: "1", Name: "Roma",
			Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, name := range []string{"a", "b"} {
			u := &store.User{Username: name, Active: true}
			if err := store.CreateUser(ctx, db.DB, u); err != nil {
				t.Fatal(err)
			}
			if err := store.CreateGrant(ctx, db.DB, &store.Grant{UserID: u.ID, ComuneCode: "H501", Role: store.RoleTop}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		if err := store.SetUserActive(ctx, db.DB, ids[0], false); err != nil {
			t.Fatal(err)
		}
		tops, err := store.ActiveTops(ctx, db.DB, "H501")
		if err != nil || len(tops) != 1 || tops[0] != ids[1] {
			t.Fatalf("active tops %v %v", tops, err)
		}
		g, _ := store.GrantsIn(ctx, db.DB, "H501", ids[1])
		if len(g) != 1 || store.DeleteGrant(ctx, db.DB, g[0].ID) != nil {
			t.Fatalf("grants %v", g)
		}
		if tops, _ := store.ActiveTops(ctx, db.DB, "H501"); len(tops) != 0 {
			t.Fatalf("after delete: %v", tops)
		}
	})
}

// TestConsumeQuotaOneLimit: with one limited scope beside an unlimited one, concurrent uses
// are counted up to the limit and no further, refused uses leave both counts alone, and the
// unlimited scope counts the allowed uses.
func TestConsumeQuotaOneLimit(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := time.Now()
		limits := []store.QuotaLimit{{Scope: "convenzione:9", Limit: 4}, {Scope: "grant:9", Limit: 0}}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				exceeded, err := store.ConsumeQuota(ctx, db.DB, day, limits)
				switch {
				case err != nil:
					t.Error(err)
				case exceeded == "":
					allowed.Add(1)
				case exceeded != "convenzione:9":
					t.Errorf("exceeded %q", exceeded)
				}
			})
		}
		wg.Wait()
		if allowed.Load() != 4 {
			t.Fatalf("%d uses allowed under a quota of 4", allowed.Load())
		}
		for scope, want := range map[string]int64{"convenzione:9": 4, "grant:9": 4} {
			if n, err := store.QuotaUsed(ctx, db.DB, scope, day); err != nil || n != want {
				t.Errorf("%s used %d (%v), want %d", scope, n, err, want)
			}
		}
		if exceeded, err := store.ConsumeQuota(ctx, db.DB, day, []store.QuotaLimit{{Scope: "free", Limit: 0}}); err != nil || exceeded != "" {
			t.Errorf("no limit: %q %v", exceeded, err)
		}
	})
}

// TestQuotaSetMidDayCountsTheWholeDay: three calls while the grant was unlimited, then a limit
// of 3 set at noon: the fourth call of the day is refused. A limit is a number of calls a day,
// whatever it was in the morning.
func TestQuotaSetMidDayCountsTheWholeDay(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := time.Now()
		for i := range 3 {
			if exceeded, err := store.ConsumeQuota(ctx, db.DB, day, []store.QuotaLimit{{Scope: "grant:31", Limit: 0}}); err != nil || exceeded != "" {
				t.Fatalf("unlimited call %d: %q %v", i, exceeded, err)
			}
		}
		limited := []store.QuotaLimit{{Scope: "grant:31", Limit: 3}, {Scope: "convenzione:31", Limit: 0}}
		if exceeded, err := store.ConsumeQuota(ctx, db.DB, day, limited); err != nil || exceeded != "grant:31" {
			t.Fatalf("fourth call of the day under a limit of 3: exceeded %q, %v", exceeded, err)
		}
		if n, err := store.QuotaUsed(ctx, db.DB, "convenzione:31", day); err != nil || n != 0 {
			t.Errorf("a refused call was counted on the convenzione: %d %v", n, err)
		}
	})
}

// TestGetQueryAccess: one read gives the user's state and AUTORIZZATO grant in the Comune.
func TestGetQueryAccess(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, e := fixture(t, db, "H501")
		u := &store.User{Username: "op", Active: true}
		mustNoErr(t, store.CreateUser(ctx, db.DB, u))
		acc, err := store.GetQueryAccess(ctx, db.DB, u.ID, c.Code)
		if err != nil || !acc.Active || acc.Grant != nil {
			t.Fatalf("no grant: %+v %v", acc, err)
		}
		mustNoErr(t, store.CreateGrant(ctx, db.DB, &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAdmin}))
		g := &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAutorizzato, Services: []string{"C020"}, DailyQuota: 7}
		mustNoErr(t, store.CreateGrant(ctx, db.DB, g))
		mustNoErr(t, store.SetUserActive(ctx, db.DB, u.ID, false))
		acc, err = store.GetQueryAccess(ctx, db.DB, u.ID, c.Code)
		if err != nil || acc.Active || acc.Grant == nil || acc.Grant.ID != g.ID || acc.Grant.EnteID != e.ID ||
			acc.Grant.DailyQuota != 7 || len(acc.Grant.Services) != 1 || acc.Grant.Services[0] != "C020" {
			t.Fatalf("suspended with grant: %+v %+v %v", acc, acc.Grant, err)
		}
		if acc, _ := store.GetQueryAccess(ctx, db.DB, u.ID, "F205"); acc.Grant != nil {
			t.Fatalf("grant of another Comune: %+v", acc.Grant)
		}
		if _, err := store.GetQueryAccess(ctx, db.DB, u.ID+100, c.Code); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}
