package rbac

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

func TestAuthorizeQuery(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)

		// A suspended AUTORIZZATO.
		w.grant(t, "sospeso", &store.Grant{ComuneCode: "H501", EnteID: w.e1, Role: store.RoleAutorizzato, Services: []string{"C020"}})
		must(t, store.SetUserActive(ctx, db.DB, w.users["sospeso"], false))
		// An AUTORIZZATO of an Ente without convenzione in F205: AddGrant refuses that, so the
		// facts are written directly, as if the convenzione had been deleted afterwards.
		orphan := &store.Grant{UserID: w.user(t, "orfano"), ComuneCode: "F205", EnteID: w.e2,
			Role: store.RoleAutorizzato, Services: []string{"C020"}}
		must(t, store.CreateGrant(ctx, db.DB, orphan))
		must(t, store.InsertCasbinRules(ctx, db.DB, rulesOf(orphan)))
		must(t, w.az.Reload(ctx))
		// From 2026 the H501 ↔ e1 convenzione is renewed without C020.
		must(t, store.CreateConvenzione(ctx, db.DB, &store.Convenzione{ComuneCode: "H501", EnteID: w.e1,
			Services: []string{"C030"}, ValidFrom: rome(2026, 1, 1), DailyQuota: 5}))

		in2025 := rome(2025, 6, 1)
		cases := []struct {
			name    string
			user    int64
			comune  string
			service string
			day     time.Time
			reason  string // "" = allowed
			ente    int64
		}{
			{"allowed", w.users["aut1"], "H501", "C020", in2025, "", w.e1},
			{"allowed other Comune", w.users["aut2"], "F205", "C020", in2025, "", w.e1},
			{"allowed on the first day", w.users["aut1"], "H501", "C030", rome(2025, 1, 1), "", w.e1},
			{"user not found", 99999, "H501", "C020", in2025, ReasonUserNotFound, 0},
			{"user suspended", w.users["sospeso"], "H501", "C020", in2025, ReasonUserSuspended, 0},
			{"TOP has no AUTORIZZATO grant", w.users["top"], "H501", "C020", in2025, ReasonNoGrant, 0},
			{"ADMIN has no AUTORIZZATO grant", w.users["adm1"], "H501", "C020", in2025, ReasonNoGrant, 0},
			{"grant in another Comune", w.users["aut1"], "F205", "C020", in2025, ReasonNoGrant, 0},
			{"in convenzione, not in profile", w.users["aut1"], "H501", "C021", in2025, ReasonServiceNotInProfile, w.e1},
			{"unknown service", w.users["aut1"], "H501", "C999", in2025, ReasonServiceNotInProfile, w.e1},
			{"no convenzione", w.users["orfano"], "F205", "C020", in2025, ReasonNoConvenzione, w.e2},
			{"before the convenzione", w.users["aut1"], "H501", "C020", rome(2024, 12, 31), ReasonConvenzioneNotValid, w.e1},
			{"renewed without the service", w.users["aut1"], "H501", "C020", rome(2026, 2, 1), ReasonServiceNotInConvenzione, w.e1},
			{"renewed with the service", w.users["aut1"], "H501", "C030", rome(2026, 2, 1), "", w.e1},
		}
		for _, tc := range cases {
			d, err := w.az.AuthorizeQuery(ctx, tc.user, tc.comune, tc.service, tc.day)
			must(t, err)
			if d.Allowed != (tc.reason == "") || d.Reason != tc.reason || d.EnteID != tc.ente {
				t.Errorf("%s: decision %+v, want reason %q ente %d", tc.name, d, tc.reason, tc.ente)
			}
			if d.Allowed && (d.Role != store.RoleAutorizzato || d.ConvenzioneID == 0) {
				t.Errorf("%s: allowed decision incomplete: %+v", tc.name, d)
			}
		}
	})
}

func TestAuditScopes(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		w.grant(t, "doppio", &store.Grant{ComuneCode: "H501", Role: store.RoleTop})
		w.grant(t, "doppio", &store.Grant{ComuneCode: "F205", EnteID: w.e1, Role: store.RoleAutorizzato, Services: []string{"C020"}})
		w.grant(t, "sospeso", &store.Grant{ComuneCode: "H501", Role: store.RoleTop})
		must(t, store.SetUserActive(ctx, db.DB, w.users["sospeso"], false))
		w.user(t, "nessuno")

		u := w.users
		cases := []struct {
			user string
			want []store.Scope
		}{
			{"top", []store.Scope{{ComuneCode: "H501"}}},
			{"adm1", []store.Scope{{ComuneCode: "H501", EnteID: w.e1}}},
			{"aut1", []store.Scope{{ComuneCode: "H501", UserID: u["aut1"]}}},
			{"aut2", []store.Scope{{ComuneCode: "F205", UserID: u["aut2"]}}},
			{"mixed", []store.Scope{{ComuneCode: "H501", EnteID: w.e1}, {ComuneCode: "H501", UserID: u["mixed"]}}},
			{"doppio", []store.Scope{{ComuneCode: "F205", UserID: u["doppio"]}, {ComuneCode: "H501"}}},
			{"sospeso", nil},
			{"nessuno", nil},
		}
		for _, tc := range cases {
			got, err := w.az.AuditScopes(ctx, u[tc.user])
			must(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("AuditScopes(%s) = %+v, want %+v", tc.user, got, tc.want)
			}
		}
		if _, err := w.az.AuditScopes(ctx, 99999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown user: err = %v", err)
		}
	})
}
