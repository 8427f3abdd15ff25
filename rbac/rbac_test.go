package rbac

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/casbin/casbin/v2/model"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// world is two Comuni, two Enti, their convenzioni and users holding every kind of grant.
type world struct {
	db    *store.DB
	az    *Authorizer
	e1    int64
	e2    int64
	users map[string]int64
}

func rome(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 12, 0, 0, 0, store.Rome())
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newWorld(t testing.TB, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, users: map[string]int64{}}
	for _, c := range []string{"H501", "F205"} {
		must(t, store.CreateComune(ctx, db.DB, &store.Comune{Code: c, IstatCode: "i" + c, Name: c,
			Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}))
	}
	for i, id := range []*int64{&w.e1, &w.e2} {
		e := &store.Ente{Name: fmt.Sprint("ente ", i+1)}
		must(t, store.CreateEnte(ctx, db.DB, e))
		*id = e.ID
	}
	for _, c := range []store.Convenzione{
		{ComuneCode: "H501", EnteID: w.e1, Services: []string{"C020", "C021", "C030"}, ValidFrom: rome(2025, 1, 1), DailyQuota: 100},
		{ComuneCode: "H501", EnteID: w.e2, Services: []string{"C020"}, ValidFrom: rome(2025, 1, 1)},
		{ComuneCode: "F205", EnteID: w.e1, Services: []string{"C020", "C030"}, ValidFrom: rome(2025, 1, 1)},
		// No convenzione F205 ↔ e2.
	} {
		must(t, store.CreateConvenzione(ctx, db.DB, &c))
	}
	az, err := New(ctx, db)
	must(t, err)
	w.az = az
	for _, g := range []struct {
		user, comune, role string
		ente               int64
		services           []string
	}{
		{"top", "H501", store.RoleTop, 0, nil},
		{"adm1", "H501", store.RoleAdmin, w.e1, nil},
		{"adm2", "H501", store.RoleAdmin, w.e2, nil},
		{"aut1", "H501", store.RoleAutorizzato, w.e1, []string{"C030", "C020", "C999", "C020"}},
		{"aut2", "F205", store.RoleAutorizzato, w.e1, []string{"C020"}},
		{"mixed", "H501", store.RoleAdmin, w.e1, nil},
		{"mixed", "H501", store.RoleAutorizzato, w.e2, []string{"C020"}},
	} {
		w.grant(t, g.user, &store.Grant{ComuneCode: g.comune, EnteID: g.ente, Role: g.role, Services: g.services})
	}
	return w
}

// user returns the ID of the named user, creating it when new.
func (w *world) user(t testing.TB, name string) int64 {
	t.Helper()
	if id, ok := w.users[name]; ok {
		return id
	}
	u := &store.User{Username: name, Active: true}
	must(t, store.CreateUser(context.Background(), w.db.DB, u))
	w.users[name] = u.ID
	return u.ID
}

func (w *world) grant(t testing.TB, user string, g *store.Grant) {
	t.Helper()
	g.UserID = w.user(t, user)
	must(t, w.az.AddGrant(context.Background(), g))
}

type perm struct{ obj, act string }

var (
	topPerms = []perm{
		{ObjAuditComune, ActRead}, {ObjAuditEnte, ActRead}, {ObjAuditOwn, ActRead},
		{ObjAdminEnti, ActRead}, {ObjAdminEnti, ActWrite},
		{ObjAdminConvenzioni, ActRead}, {ObjAdminConvenzioni, ActWrite},
		{ObjAdminUsers, ActRead}, {ObjAdminUsers, ActWrite}, {ObjAdminUsers, ActSuspend},
	}
	adminPerms = []perm{
		{ObjAuditEnte, ActRead}, {ObjAuditOwn, ActRead}, {ObjAdminEnti, ActRead},
		{ObjAdminConvenzioni, ActRead}, {ObjAdminUsers, ActRead}, {ObjAdminUsers, ActWrite},
	}
	// every (object, action) the grid asks about
	allPerms = append(slices.Clone(topPerms),
		perm{ObjQuery, "C020"}, perm{ObjQuery, "C021"}, perm{ObjQuery, "C030"}, perm{ObjQuery, "C999"},
		perm{ObjAdminUsers, "delete"}, perm{"audit:all", ActRead})
)

// allowedGrid is the expected decision grid: (user, Comune) → what is allowed; anything not
// listed is denied.
func allowedGrid() map[[2]string][]perm {
	return map[[2]string][]perm{
		{"top", "H501"}:   topPerms,
		{"adm1", "H501"}:  adminPerms,
		{"adm2", "H501"}:  adminPerms,
		{"aut1", "H501"}:  {{ObjAuditOwn, ActRead}, {ObjQuery, "C020"}, {ObjQuery, "C030"}},
		{"aut2", "F205"}:  {{ObjAuditOwn, ActRead}, {ObjQuery, "C020"}},
		{"mixed", "H501"}: append(slices.Clone(adminPerms), perm{ObjQuery, "C020"}),
	}
}

func checkGrid(t *testing.T, w *world, az *Authorizer, comuni []string) {
	t.Helper()
	grid := allowedGrid()
	for _, user := range []string{"top", "adm1", "adm2", "aut1", "aut2", "mixed"} {
		for _, comune := range []string{"H501", "F205", "Z999"} {
			loaded := slices.Contains(comuni, comune)
			for _, p := range allPerms {
				want := loaded && slices.Contains(grid[[2]string{user, comune}], p)
				got, err := az.Can(w.users[user], comune, p.obj, p.act)
				must(t, err)
				if got != want {
					t.Errorf("Can(%s, %s, %s, %s) = %v, want %v", user, comune, p.obj, p.act, got, want)
				}
			}
		}
	}
}

func TestDecisionGrid(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		t.Run("live", func(t *testing.T) { checkGrid(t, w, w.az, []string{"H501", "F205"}) })
		t.Run("reloaded", func(t *testing.T) {
			az, err := New(ctx, db)
			must(t, err)
			checkGrid(t, w, az, []string{"H501", "F205"})
			must(t, az.Reload(ctx))
			checkGrid(t, w, az, []string{"H501", "F205"})
		})
		t.Run("filtered to F205", func(t *testing.T) {
			az, err := NewForComuni(ctx, db, "F205")
			must(t, err)
			checkGrid(t, w, az, []string{"F205"})
		})
	})
}

func TestReservedAction(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	if ok, err := w.az.Can(w.users["aut1"], "H501", ObjQuery, profileAction); ok || err == nil {
		t.Fatalf("Can with the reserved action: ok=%v err=%v", ok, err)
	}
}

func TestRoles(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	if got := w.az.Roles(w.users["mixed"], "H501"); !slices.Equal(got, []string{"ADMIN", "AUTORIZZATO"}) {
		t.Errorf("Roles(mixed) = %v", got)
	}
	if got := w.az.Roles(w.users["top"], "H501"); !slices.Equal(got, []string{"TOP"}) {
		t.Errorf("Roles(top) = %v", got)
	}
	if got := w.az.Roles(w.users["top"], "F205"); len(got) != 0 {
		t.Errorf("Roles(top, F205) = %v", got)
	}
	want := []RoleGrant{{store.RoleAdmin, w.e1}, {store.RoleAutorizzato, w.e2}}
	if got := w.az.RoleGrants(w.users["mixed"], "H501"); !slices.Equal(got, want) {
		t.Errorf("RoleGrants(mixed) = %v, want %v", got, want)
	}
}

func TestAddGrant(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		grants, err := store.GrantsOfUser(ctx, db.DB, w.users["aut1"])
		must(t, err)
		if len(grants) != 1 || !slices.Equal(grants[0].Services, []string{"C020", "C030"}) {
			t.Fatalf("profile not narrowed to the convenzione: %+v", grants)
		}
		before, err := store.CasbinRules(ctx, db.DB)
		must(t, err)

		cases := []struct {
			name string
			g    store.Grant
			want error
		}{
			{"second AUTORIZZATO in a Comune", store.Grant{UserID: w.users["aut1"], ComuneCode: "H501", EnteID: w.e2,
				Role: store.RoleAutorizzato, Services: []string{"C020"}}, store.ErrConflict},
			{"duplicate TOP", store.Grant{UserID: w.users["top"], ComuneCode: "H501", Role: store.RoleTop}, store.ErrConflict},
			{"Ente without convenzione", store.Grant{UserID: w.users["adm1"], ComuneCode: "F205", EnteID: w.e2,
				Role: store.RoleAdmin}, ErrNoConvenzione},
			{"unknown user", store.Grant{UserID: 9999, ComuneCode: "H501", Role: store.RoleTop}, store.ErrInvalidReference},
			{"unknown Comune", store.Grant{UserID: w.users["top"], ComuneCode: "Z999", Role: store.RoleTop}, store.ErrInvalidReference},
		}
		for _, tc := range cases {
			if err := w.az.AddGrant(ctx, &tc.g); !errors.Is(err, tc.want) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
			}
		}
		after, err := store.CasbinRules(ctx, db.DB)
		must(t, err)
		if len(after) != len(before) {
			t.Fatalf("failed grants left %d rules behind", len(after)-len(before))
		}
		// A grant made through another replica's Authorizer is seen here after Reload.
		old := w.az
		other, err := New(ctx, db)
		must(t, err)
		w.az = other
		w.grant(t, "late", &store.Grant{ComuneCode: "F205", Role: store.RoleTop})
		if got := other.Roles(w.users["late"], "F205"); !slices.Equal(got, []string{"TOP"}) {
			t.Fatalf("own grant not applied in memory: %v", got)
		}
		if got := old.Roles(w.users["late"], "F205"); len(got) != 0 {
			t.Fatalf("other replica's grant visible before Reload: %v", got)
		}
		must(t, old.Reload(ctx))
		if got := old.Roles(w.users["late"], "F205"); !slices.Equal(got, []string{"TOP"}) {
			t.Fatalf("other replica's grant not visible after Reload: %v", got)
		}
	})
}

func TestAdapterRoundTrip(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	newWorld(t, db)
	ad, err := NewAdapter(db.DB, policyCSV)
	must(t, err)
	// Saving what was loaded (unfiltered) rewrites the same facts.
	m, err := model.NewModelFromString(modelConf)
	must(t, err)
	must(t, ad.LoadPolicyCtx(ctx, m))
	before, _ := store.CasbinRules(ctx, db.DB)
	if len(before) == 0 {
		t.Fatal("the world has no facts")
	}
	must(t, ad.SavePolicyCtx(ctx, m))
	after, _ := store.CasbinRules(ctx, db.DB)
	if len(after) != len(before) {
		t.Fatalf("save policy: %d rules, want %d", len(after), len(before))
	}
	must(t, ad.AddPolicy("g", "g", []string{"u:1", "TOP", "Z999"}))
	if got, _ := store.CasbinRules(ctx, db.DB, "Z999"); len(got) != 1 {
		t.Fatalf("added fact: %+v", got)
	}
	must(t, ad.RemovePolicy("g", "g", []string{"u:1", "TOP", "Z999"}))
	if got, _ := store.CasbinRules(ctx, db.DB, "Z999"); len(got) != 0 {
		t.Fatalf("removed fact still stored: %+v", got)
	}
	must(t, ad.RemoveFilteredPolicy("g", "g", 2, "F205"))
	if got, _ := store.CasbinRules(ctx, db.DB, "F205"); len(got) != 0 {
		t.Fatalf("filtered removal left %+v", got)
	}
	must(t, ad.SavePolicyCtx(ctx, m)) // puts them back
	if got, _ := store.CasbinRules(ctx, db.DB); len(got) != len(before) {
		t.Fatalf("save policy after removal: %d rules, want %d", len(got), len(before))
	}
	must(t, ad.LoadFilteredPolicyCtx(ctx, m, Filter{Domains: []string{"F205"}}))
	if err := ad.SavePolicyCtx(ctx, m); err == nil {
		t.Fatal("saved a filtered policy over the whole table")
	}
	if err := ad.AddPolicy("p", "p", []string{"x", "y", "z"}); err == nil {
		t.Fatal("adapter stored a template rule")
	}
}
