package rbac

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestMayOnGrantGrid is the admin decision grid: actor × target grant × action → allowed.
func TestMayOnGrantGrid(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	w := newWorld(t, db)
	w.grant(t, "top2", &store.Grant{ComuneCode: "H501", Role: store.RoleTop})
	w.grant(t, "topF", &store.Grant{ComuneCode: "F205", Role: store.RoleTop})
	w.grant(t, "aut3", &store.Grant{ComuneCode: "H501", EnteID: w.e2, Role: store.RoleAutorizzato, Services: []string{"C020"}})
	grantOf := func(user, comune, role string) *store.Grant {
		gs, err := store.GrantsIn(ctx, db.DB, comune, w.users[user])
		must(t, err)
		for i := range gs {
			if gs[i].Role == role {
				return &gs[i]
			}
		}
		t.Fatalf("no %s grant of %s in %s", role, user, comune)
		return nil
	}
	all := []string{ActRead, ActWrite, ActRevoke, ActSuspend, ActCredentials}
	cases := []struct {
		actor, target, comune, role string
		allowed                     []string
	}{
		{"top", "top2", "H501", store.RoleTop, all},
		{"top", "adm1", "H501", store.RoleAdmin, all},
		{"top", "aut1", "H501", store.RoleAutorizzato, []string{ActRead, ActRevoke, ActSuspend}},
		{"top", "top", "H501", store.RoleTop, []string{ActRead}}, // nobody administers themselves
		{"top", "aut2", "F205", store.RoleAutorizzato, nil},      // another Comune
		{"top", "topF", "F205", store.RoleTop, nil},
		{"topF", "top", "H501", store.RoleTop, nil},
		{"adm1", "aut1", "H501", store.RoleAutorizzato, all}, // its Ente's AUTORIZZATO
		{"adm1", "aut3", "H501", store.RoleAutorizzato, nil}, // another Ente's
		{"adm2", "aut3", "H501", store.RoleAutorizzato, all},
		{"adm1", "adm2", "H501", store.RoleAdmin, nil},
		{"adm1", "top", "H501", store.RoleTop, nil},
		{"adm1", "aut2", "F205", store.RoleAutorizzato, nil}, // ADMIN of e1 in H501 only
		{"adm1", "adm1", "H501", store.RoleAdmin, nil},
		{"aut1", "aut3", "H501", store.RoleAutorizzato, nil},
		{"mixed", "aut1", "H501", store.RoleAutorizzato, all}, // ADMIN of e1
		{"mixed", "aut3", "H501", store.RoleAutorizzato, nil}, // only AUTORIZZATO of e2
	}
	for _, tc := range cases {
		g := grantOf(tc.target, tc.comune, tc.role)
		for _, act := range all {
			want := contains(tc.allowed, act)
			got, err := w.az.MayOnGrant(w.users[tc.actor], g, act)
			must(t, err)
			if got != want {
				t.Errorf("MayOnGrant(%s, %s's %s in %s, %s) = %v, want %v", tc.actor, tc.target, tc.role, tc.comune, act, got, want)
			}
		}
	}
	// A user-wide action needs every grant: "mixed" is ADMIN of e1 and AUTORIZZATO of e2.
	mixed, err := store.GrantsIn(ctx, db.DB, "H501", w.users["mixed"])
	must(t, err)
	if ok, _ := w.az.MayOnAll(w.users["adm2"], mixed, ActSuspend); ok {
		t.Error("ADMIN of e2 may suspend the ADMIN of e1 through their AUTORIZZATO grant")
	}
	if ok, _ := w.az.MayOnAll(w.users["top"], mixed, ActSuspend); !ok {
		t.Error("TOP may not suspend a user of its Comune")
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestAdminEventScopes(t *testing.T) {
	db := storetest.SQLite(t)
	w := newWorld(t, db)
	ctx := context.Background()
	for user, want := range map[string][]store.Scope{
		"top":   {{ComuneCode: "H501"}},
		"adm1":  {{ComuneCode: "H501", EnteID: w.e1}},
		"mixed": {{ComuneCode: "H501", EnteID: w.e1}},
		"aut1":  nil,
	} {
		got, err := w.az.AdminEventScopes(ctx, w.users[user])
		must(t, err)
		if len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) {
			t.Errorf("AdminEventScopes(%s) = %v, want %v", user, got, want)
		}
	}
}

// TestRevokeAndProfile: revocation and profile changes take effect in memory when Update
// returns and leave no facts behind.
func TestRevokeAndProfile(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		day := time.Now()
		aut1 := w.users["aut1"]
		g, err := store.AutorizzatoGrant(ctx, db.DB, aut1, "H501")
		must(t, err)
		must(t, w.az.Update(ctx, func(ctx context.Context, b *Batch) error {
			return b.SetProfile(ctx, g, []string{"C021", "C999"}, 0)
		}))
		if d, _ := w.az.AuthorizeQuery(ctx, aut1, "H501", "C020", day); d.Reason != ReasonServiceNotInProfile {
			t.Fatalf("C020 after narrowing: %+v", d)
		}
		if d, _ := w.az.AuthorizeQuery(ctx, aut1, "H501", "C021", day); !d.Allowed {
			t.Fatalf("C021 after widening: %+v", d)
		}
		must(t, w.az.Update(ctx, func(ctx context.Context, b *Batch) error { return b.RevokeGrant(ctx, g) }))
		if d, _ := w.az.AuthorizeQuery(ctx, aut1, "H501", "C021", day); d.Reason != ReasonNoGrant {
			t.Fatalf("after revocation: %+v", d)
		}
		rules, err := store.CasbinRules(ctx, db.DB, "H501")
		must(t, err)
		for _, r := range rules {
			if r.V0 == Subject(aut1) {
				t.Fatalf("revoked grant left %+v", r)
			}
		}
	})
}

// TestReplicaFollowsWithinOneSecond: a second Authorizer watching the same database sees a
// grant and a revocation made through the first. The 1 s guarantee comes from polling every
// WatchInterval; the test logs the delay it saw and allows a loaded CI machine some slack
// rather than asserting wall-clock timing tightly.
func TestReplicaFollowsWithinOneSecond(t *testing.T) {
	if WatchInterval >= time.Second/2 {
		t.Fatalf("WatchInterval %v leaves no room to follow a change within 1 s", WatchInterval)
	}
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := newWorld(t, db)
		replica, err := New(ctx, db)
		must(t, err)
		go func() { _ = replica.Watch(ctx) }()
		w.grant(t, "nuovo", &store.Grant{ComuneCode: "H501", EnteID: w.e1, Role: store.RoleAutorizzato, Services: []string{"C020"}})
		user := w.users["nuovo"]
		waitFor(t, "grant on the replica", func() bool { ok, _ := replica.Can(user, "H501", ObjQuery, "C020"); return ok })
		g, err := store.AutorizzatoGrant(ctx, db.DB, user, "H501")
		must(t, err)
		must(t, w.az.Update(ctx, func(ctx context.Context, b *Batch) error { return b.RevokeGrant(ctx, g) }))
		// AuthorizeQuery re-reads the grant: denied on the replica at once, before it reloads.
		if d, _ := replica.AuthorizeQuery(ctx, user, "H501", "C020", time.Now()); d.Allowed {
			t.Fatal("the replica allowed a query after the revocation committed")
		}
		waitFor(t, "revocation on the replica", func() bool { ok, _ := replica.Can(user, "H501", ObjQuery, "C020"); return !ok })
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		if cond() {
			t.Logf("%s seen after %v", what, time.Since(start).Round(time.Millisecond))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s not seen within 5 s (the target is 1 s)", what)
}

// TestQuota: per-user and per-Ente daily quotas; denied queries are not counted.
func TestQuota(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		day := time.Now()
		// aut1: per-user quota 2 (convenzione H501↔e1 allows 100).
		g, err := store.AutorizzatoGrant(ctx, db.DB, w.users["aut1"], "H501")
		must(t, err)
		must(t, w.az.Update(ctx, func(ctx context.Context, b *Batch) error { return b.SetProfile(ctx, g, g.Services, 2) }))
		for i, want := range []string{"", "", ReasonQuotaExceeded, ReasonQuotaExceeded} {
			d, err := w.az.AuthorizeQuery(ctx, w.users["aut1"], "H501", "C020", day)
			must(t, err)
			if d.Reason != want {
				t.Fatalf("query %d: %+v, want reason %q", i+1, d, want)
			}
		}
		if n, _ := store.QuotaUsed(ctx, db.DB, store.GrantQuotaScope(g.ID), day); n != 2 {
			t.Fatalf("grant counter %d, want 2 (denied queries are not counted)", n)
		}
		if n, _ := store.QuotaUsed(ctx, db.DB, store.ConvenzioneQuotaScope(mustConv(t, db, "H501", w.e1)), day); n != 2 {
			t.Fatalf("convenzione counter %d, want 2", n)
		}
		// Per-Ente: the convenzione F205↔e1 with quota 3 shared by two AUTORIZZATI, in parallel.
		conv := mustConv(t, db, "F205", w.e1)
		_, err = db.NewUpdate().Model((*store.Convenzione)(nil)).Set("daily_quota = 3").Where("id = ?", conv).Exec(ctx)
		must(t, err)
		w.grant(t, "aut4", &store.Grant{ComuneCode: "F205", EnteID: w.e1, Role: store.RoleAutorizzato, Services: []string{"C020"}})
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func(user int64) {
				defer wg.Done()
				d, err := w.az.AuthorizeQuery(ctx, user, "F205", "C020", day)
				if err != nil {
					t.Error(err)
				}
				if d.Allowed {
					allowed.Add(1)
				}
			}([]int64{w.users["aut2"], w.users["aut4"]}[i%2])
		}
		wg.Wait()
		if allowed.Load() != 3 {
			t.Fatalf("%d queries allowed under an Ente quota of 3", allowed.Load())
		}
	})
}

func mustConv(t *testing.T, db *store.DB, comune string, ente int64) int64 {
	t.Helper()
	cs, err := store.ConvenzioniOf(context.Background(), db.DB, comune, ente)
	must(t, err)
	return cs[len(cs)-1].ID
}

// TestParallelGrantRevoke: under load, no query is allowed after its revocation is confirmed
// (Update returned), on this replica.
func TestParallelGrantRevoke(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		w := newWorld(t, db)
		go func() { _ = w.az.Watch(ctx) }() // reloads racing with the changes
		const users = 4
		var wg sync.WaitGroup
		for i := 0; i < users; i++ {
			name := "par" + string(rune('a'+i))
			id := w.user(t, name)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := 0; round < 5; round++ {
					g := &store.Grant{UserID: id, ComuneCode: "H501", EnteID: w.e1, Role: store.RoleAutorizzato, Services: []string{"C020"}}
					if err := w.az.AddGrant(ctx, g); err != nil {
						t.Error(err)
						return
					}
					if d, err := w.az.AuthorizeQuery(ctx, id, "H501", "C020", time.Now()); err != nil || !d.Allowed {
						t.Errorf("%s round %d: not allowed after grant: %+v %v", name, round, d, err)
					}
					if err := w.az.Update(ctx, func(ctx context.Context, b *Batch) error { return b.RevokeGrant(ctx, g) }); err != nil {
						t.Error(err)
						return
					}
					for k := 0; k < 3; k++ {
						if ok, _ := w.az.Can(id, "H501", ObjQuery, "C020"); ok {
							t.Errorf("%s round %d: Can allowed after revocation", name, round)
						}
						if d, _ := w.az.AuthorizeQuery(ctx, id, "H501", "C020", time.Now()); d.Allowed {
							t.Errorf("%s round %d: query allowed after revocation", name, round)
						}
					}
				}
			}()
		}
		wg.Wait()
	})
}

// TestRefreshReloadsOnlyChangedComuni: a replica holding every Comune follows a change by
// reloading the Comune it touched and keeps the others' policies as they were; a Comune's first
// grant loads that Comune; a suspension (read from the users at every decision) reloads none.
func TestRefreshReloadsOnlyChangedComuni(t *testing.T) {
	storetest.EachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		replica, err := New(ctx, db)
		must(t, err)
		held := func() map[string]*domainPolicy {
			replica.mu.RLock()
			defer replica.mu.RUnlock()
			return maps.Clone(replica.policies)
		}
		before := held()
		if len(before) != 2 {
			t.Fatalf("replica holds %d Comuni, want H501 and F205", len(before))
		}

		w.grant(t, "nuovo", &store.Grant{ComuneCode: "F205", EnteID: w.e1, Role: store.RoleAutorizzato, Services: []string{"C030"}})
		reloaded, err := replica.Refresh(ctx)
		must(t, err)
		after := held()
		if !reloaded || after["F205"] == before["F205"] || after["H501"] != before["H501"] {
			t.Fatalf("refresh after a change in F205: reloaded=%v, F205 new=%v, H501 new=%v",
				reloaded, after["F205"] != before["F205"], after["H501"] != before["H501"])
		}
		if ok, _ := replica.Can(w.users["nuovo"], "F205", ObjQuery, "C030"); !ok {
			t.Fatal("the replica does not see the new grant")
		}

		must(t, store.CreateComune(ctx, db.DB, &store.Comune{Code: "L219", IstatCode: "iL219", Name: "Torino",
			Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}))
		w.grant(t, "top-torino", &store.Grant{ComuneCode: "L219", Role: store.RoleTop})
		if _, err := replica.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := replica.Roles(w.users["top-torino"], "L219"); !slices.Equal(got, []string{store.RoleTop}) {
			t.Fatalf("first grant of a new Comune on the replica: roles %v", got)
		}
		if got := w.az.Roles(w.users["top-torino"], "L219"); !slices.Equal(got, []string{store.RoleTop}) {
			t.Fatalf("first grant of a new Comune on the writer: roles %v", got)
		}

		before = held()
		must(t, w.az.Update(ctx, func(ctx context.Context, b *Batch) error {
			return b.SetActive(ctx, w.users["aut1"], false)
		}))
		reloaded, err = replica.Refresh(ctx)
		must(t, err)
		if after := held(); reloaded || !maps.Equal(after, before) {
			t.Fatalf("a suspension reloaded policies: reloaded=%v", reloaded)
		}
		if d, _ := replica.AuthorizeQuery(ctx, w.users["aut1"], "H501", "C020", time.Now()); d.Reason != ReasonUserSuspended {
			t.Fatalf("suspended user on the replica: %+v", d)
		}
	})
}
