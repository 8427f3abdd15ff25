package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 12, 0, 0, 0, store.Rome())
}

func TestConvenzioneFor(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, e := fixture(t, db, "H501")
		old := &store.Convenzione{ComuneCode: c.Code, EnteID: e.ID, Services: []string{"C020"},
			ValidFrom: date(2024, 1, 1), ValidTo: date(2024, 12, 31), DailyQuota: 10}
		mustNoErr(t, store.CreateConvenzione(ctx, db.DB, old))
		cur := &store.Convenzione{ComuneCode: c.Code, EnteID: e.ID, Services: []string{"C020", "C030"},
			ValidFrom: date(2025, 1, 1), DailyQuota: 100}
		mustNoErr(t, store.CreateConvenzione(ctx, db.DB, cur))

		cases := []struct {
			day    time.Time
			wantID int64 // 0 = none
		}{
			{date(2023, 12, 31), 0},
			{date(2024, 1, 1), old.ID},
			{date(2024, 12, 31), old.ID},                              // ValidTo is inclusive
			{time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC), cur.ID}, // already 1 Jan in Rome
			{date(2030, 6, 1), cur.ID},                                // open-ended
		}
		for _, tc := range cases {
			got, err := store.ConvenzioneFor(ctx, db.DB, c.Code, e.ID, tc.day)
			if tc.wantID == 0 {
				wantErr(t, err, store.ErrNotFound)
				continue
			}
			mustNoErr(t, err)
			if got.ID != tc.wantID {
				t.Errorf("day %v: got convenzione %d, want %d", tc.day, got.ID, tc.wantID)
			}
		}
		got, err := store.ConvenzioneFor(ctx, db.DB, c.Code, e.ID, date(2025, 3, 1))
		mustNoErr(t, err)
		if !got.ValidTo.IsZero() || len(got.Services) != 2 || got.DailyQuota != 100 ||
			!got.ValidFrom.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("round trip: %+v", got)
		}
		if !got.ValidOn(date(2025, 1, 1)) || got.ValidOn(date(2024, 12, 31)) || !got.HasService("C030") {
			t.Fatal("ValidOn/HasService")
		}
		all, err := store.ConvenzioniOf(ctx, db.DB, c.Code, e.ID)
		mustNoErr(t, err)
		if len(all) != 2 || all[0].ID != cur.ID {
			t.Fatalf("ConvenzioniOf = %+v", all)
		}

		bad := &store.Convenzione{ComuneCode: "Z999", EnteID: e.ID, ValidFrom: date(2025, 1, 1)}
		wantErr(t, store.CreateConvenzione(ctx, db.DB, bad), store.ErrInvalidReference)
	})
}

func TestGrants(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, e := fixture(t, db, "H501")
		e2 := &store.Ente{Name: "second"}
		mustNoErr(t, store.CreateEnte(ctx, db.DB, e2))
		u := &store.User{Username: "u", Active: true}
		mustNoErr(t, store.CreateUser(ctx, db.DB, u))

		top := &store.Grant{UserID: u.ID, ComuneCode: c.Code, Role: store.RoleTop}
		mustNoErr(t, store.CreateGrant(ctx, db.DB, top))
		adm := &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAdmin}
		mustNoErr(t, store.CreateGrant(ctx, db.DB, adm))
		aut := &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAutorizzato,
			Services: []string{"C020", "C021"}}
		mustNoErr(t, store.CreateGrant(ctx, db.DB, aut))

		// Duplicates, including a TOP grant (whose Ente is NULL), are conflicts.
		wantErr(t, store.CreateGrant(ctx, db.DB, &store.Grant{UserID: u.ID, ComuneCode: c.Code, Role: store.RoleTop}), store.ErrConflict)
		wantErr(t, store.CreateGrant(ctx, db.DB, &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAdmin}), store.ErrConflict)
		// One AUTORIZZATO grant per (user, Comune), whatever the Ente.
		wantErr(t, store.CreateGrant(ctx, db.DB, &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e2.ID, Role: store.RoleAutorizzato}), store.ErrConflict)
		// Another Ente as ADMIN is fine.
		mustNoErr(t, store.CreateGrant(ctx, db.DB, &store.Grant{UserID: u.ID, ComuneCode: c.Code, EnteID: e2.ID, Role: store.RoleAdmin}))

		for _, bad := range []*store.Grant{
			{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleTop},
			{UserID: u.ID, ComuneCode: c.Code, Role: store.RoleAdmin},
			{UserID: u.ID, ComuneCode: c.Code, EnteID: e.ID, Role: "ROOT"},
		} {
			if err := store.CreateGrant(ctx, db.DB, bad); err == nil {
				t.Errorf("grant %+v: want validation error", bad)
			}
		}
		wantErr(t, store.CreateGrant(ctx, db.DB, &store.Grant{UserID: 777, ComuneCode: c.Code, Role: store.RoleTop}), store.ErrInvalidReference)

		gs, err := store.GrantsOfUser(ctx, db.DB, u.ID)
		mustNoErr(t, err)
		if len(gs) != 4 {
			t.Fatalf("grants = %+v", gs)
		}
		if gs[0].Role != store.RoleAdmin || gs[0].EnteID != e.ID || gs[2].Role != store.RoleAutorizzato ||
			len(gs[2].Services) != 2 || gs[3].Role != store.RoleTop || gs[3].EnteID != 0 {
			t.Fatalf("grants order/content = %+v", gs)
		}
	})
}

func TestCasbinRules(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rules := []store.CasbinRule{
			{PType: "g", V0: "u:1", V1: "TOP", V2: "H501"},
			{PType: "g2", V0: "u:1", V1: "C020", V2: "H501"},
			{PType: "g", V0: "u:2", V1: "TOP", V2: "F205"},
		}
		mustNoErr(t, store.InsertCasbinRules(ctx, db.DB, rules))
		mustNoErr(t, store.InsertCasbinRules(ctx, db.DB, rules[:1])) // duplicate: ignored
		all, err := store.CasbinRules(ctx, db.DB)
		mustNoErr(t, err)
		if len(all) != 3 {
			t.Fatalf("rules = %+v", all)
		}
		h501, err := store.CasbinRules(ctx, db.DB, "H501")
		mustNoErr(t, err)
		if len(h501) != 2 {
			t.Fatalf("H501 rules = %+v", h501)
		}
		n, err := store.DeleteCasbinRules(ctx, db.DB, "g2", 0, "u:1", "", "H501")
		mustNoErr(t, err)
		if n != 1 {
			t.Fatalf("deleted %d", n)
		}
	})
}
