package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestPolicyDomains: each Comune keeps the version of its last policy change, and a replica
// holding version v finds exactly the Comuni changed after it.
func TestPolicyDomains(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, step := range []struct {
			comune  string
			version int64
		}{{"H501", 1}, {"F205", 2}, {"H501", 3}} {
			mustNoErr(t, store.TouchPolicyDomain(ctx, db.DB, step.comune, step.version))
		}
		for _, tc := range []struct {
			after int64
			want  []string
		}{
			{0, []string{"F205", "H501"}},
			{1, []string{"F205", "H501"}},
			{2, []string{"H501"}}, // H501 moved on to 3
			{3, nil},
		} {
			got, err := store.PolicyDomainsChangedAfter(ctx, db.DB, tc.after)
			mustNoErr(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("changed after %d: %v, want %v", tc.after, got, tc.want)
			}
		}
	})
}

// TestProfiles: the profiles of a Comune are its AUTORIZZATO grants' services, and nothing of
// other roles or Comuni.
func TestProfiles(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, e := fixture(t, db, "H501")
		other, oe := fixture(t, db, "F205")
		user := func(name string) int64 {
			u := &store.User{Username: name, Active: true}
			mustNoErr(t, store.CreateUser(ctx, db.DB, u))
			return u.ID
		}
		a, b, adm := user("a"), user("b"), user("adm")
		for _, g := range []store.Grant{
			{UserID: a, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAutorizzato, Services: []string{"C020", "C030"}},
			{UserID: b, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAutorizzato, Services: []string{}},
			{UserID: adm, ComuneCode: c.Code, EnteID: e.ID, Role: store.RoleAdmin},
			{UserID: a, ComuneCode: other.Code, EnteID: oe.ID, Role: store.RoleAutorizzato, Services: []string{"C001"}},
		} {
			mustNoErr(t, store.CreateGrant(ctx, db.DB, &g))
		}
		got, err := store.Profiles(ctx, db.DB, c.Code)
		mustNoErr(t, err)
		if len(got) != 2 || !slices.Equal(got[a], []string{"C020", "C030"}) || got[b] == nil || len(got[b]) != 0 {
			t.Fatalf("profiles of H501: %v", got)
		}
		codes, err := store.ComuneCodes(ctx, db.DB)
		mustNoErr(t, err)
		if !slices.Equal(codes, []string{"F205", "H501"}) {
			t.Fatalf("comune codes: %v", codes)
		}
	})
}
