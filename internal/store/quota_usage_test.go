package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestQuotaUsage: per Comune and scope kind, the day's uses of the capped scopes, the sum of
// their caps and how many are at their cap; uncapped scopes and other days are left out.
func TestQuotaUsage(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := time.Date(2026, 12, 2, 10, 0, 0, 0, store.Rome())
		c, e := fixture(t, db, "H501")
		capped := &store.Convenzione{ComuneCode: c.Code, EnteID: e.ID, Services: []string{"C020"}, ValidFrom: day, DailyQuota: 3}
		free := &store.Convenzione{ComuneCode: c.Code, EnteID: e.ID, Services: []string{"C020"}, ValidFrom: day}
		mustNoErr(t, store.CreateConvenzione(ctx, db.DB, capped))
		mustNoErr(t, store.CreateConvenzione(ctx, db.DB, free))
		u := &store.User{Username: "op", DisplayName: "Op", PasswordHash: "x", Active: true}
		mustNoErr(t, store.CreateUser(ctx, db.DB, u))
		g := &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAutorizzato, Services: []string{"C020"}, DailyQuota: 10}
		mustNoErr(t, store.CreateGrant(ctx, db.DB, g))
		limits := []store.QuotaLimit{{Scope: store.GrantQuotaScope(g.ID), Limit: 10}, {Scope: store.ConvenzioneQuotaScope(capped.ID), Limit: 3}}
		for range 4 { // the fourth is refused: the convenzione's cap is 3
			if _, err := store.ConsumeQuota(ctx, db.DB, day, limits); err != nil {
				t.Fatal(err)
			}
		}
		_, err := store.ConsumeQuota(ctx, db.DB, day.AddDate(0, 0, -1), limits) // another day
		mustNoErr(t, err)
		got, err := store.QuotaUsage(ctx, db, day)
		mustNoErr(t, err)
		want := map[string]store.QuotaUse{
			"grant":       {Comune: "H501", Scope: "grant", Used: 3, Cap: 10, Exhausted: 0},
			"convenzione": {Comune: "H501", Scope: "convenzione", Used: 3, Cap: 3, Exhausted: 1},
		}
		if len(got) != len(want) {
			t.Fatalf("QuotaUsage = %+v", got)
		}
		for _, u := range got {
			if u != want[u.Scope] {
				t.Errorf("%s: %+v, want %+v", u.Scope, u, want[u.Scope])
			}
		}
	})
}
