package rbac

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// benchUsers AUTORIZZATI per Comune, each with three services, on top of the small world.
const benchUsers = 5000

// bigWorld adds benchUsers AUTORIZZATI of Ente e1 to each Comune (their grants and Casbin
// facts, in one transaction), then reloads, and returns one of them.
func bigWorld(b *testing.B, db *store.DB) (*world, int64) {
	b.Helper()
	ctx := context.Background()
	w := newWorld(b, db)
	users := make([]store.User, 2*benchUsers)
	for i := range users {
		users[i] = store.User{Username: fmt.Sprintf("bench-%d", i), Active: true}
	}
	must(b, store.Tx(ctx, w.db.DB, func(tx bun.Tx) error {
		for i := range users {
			if err := store.CreateUser(ctx, tx, &users[i]); err != nil {
				return err
			}
		}
		var rules []store.CasbinRule
		for i, u := range users {
			comune := []string{"H501", "F205"}[i%2]
			g := &store.Grant{UserID: u.ID, ComuneCode: comune, EnteID: w.e1, Role: store.RoleAutorizzato,
				Services: []string{"C020", "C030", "C021"}}
			if err := store.CreateGrant(ctx, tx, g); err != nil {
				return err
			}
			rules = append(rules, rulesOf(g)...)
		}
		for start := 0; start < len(rules); start += 1000 {
			if err := store.InsertCasbinRules(ctx, tx, rules[start:min(start+1000, len(rules))]); err != nil {
				return err
			}
		}
		return nil
	}))
	// A quota no benchmark reaches: the counter is still written at every allowed decision.
	_, err := w.db.NewUpdate().Model((*store.Convenzione)(nil)).Set("daily_quota = ?", 1_000_000_000).Where("1 = 1").Exec(ctx)
	must(b, err)
	must(b, w.az.Reload(ctx))
	return w, users[len(users)/2].ID // an H501 user
}

func BenchmarkCan(b *testing.B) {
	w, user := bigWorld(b, storetest.SQLite(b))
	b.ResetTimer()
	for b.Loop() {
		ok, err := w.az.Can(user, "H501", ObjQuery, "C020")
		if err != nil || !ok {
			b.Fatalf("ok=%v err=%v", ok, err)
		}
	}
}

func BenchmarkCanDenied(b *testing.B) {
	w, user := bigWorld(b, storetest.SQLite(b))
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := w.az.Can(user, "H501", ObjAdminUsers, ActWrite); ok {
			b.Fatal("allowed")
		}
	}
}

// BenchmarkAuthorizeQuery includes its reads (user, convenzioni, grant) and the quota
// counter's write, on each database.
func BenchmarkAuthorizeQuery(b *testing.B) {
	for _, kind := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{store.DialectSQLite, storetest.SQLite}, {store.DialectPostgres, storetest.Postgres}} {
		b.Run(kind.name, func(b *testing.B) {
			w, user := bigWorld(b, kind.open(b))
			ctx := context.Background()
			day := rome(2025, 6, 1)
			b.ResetTimer()
			for b.Loop() {
				d, err := w.az.AuthorizeQuery(ctx, user, "H501", "C020", day)
				if err != nil || !d.Allowed {
					b.Fatalf("%+v %v", d, err)
				}
			}
		})
	}
}

// TestConcurrentDecisions: decisions keep answering while grants are added and rules reloaded
// (run with -race where cgo is available).
func TestConcurrentDecisions(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, storetest.SQLite(t))
	aut1 := w.users["aut1"]
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if ok, err := w.az.Can(aut1, "H501", ObjQuery, "C020"); err != nil || !ok {
					t.Errorf("Can during writes: ok=%v err=%v", ok, err)
					return
				}
				_ = w.az.Roles(aut1, "H501")
			}
		})
	}
	for i := range 20 {
		w.grant(t, fmt.Sprint("c", i), &store.Grant{ComuneCode: "H501", EnteID: w.e2, Role: store.RoleAdmin})
		if i%5 == 0 {
			must(t, w.az.Reload(ctx))
		}
	}
	close(stop)
	wg.Wait()
	for i := range 20 {
		if ok, _ := w.az.Can(w.users[fmt.Sprint("c", i)], "H501", ObjAdminUsers, ActWrite); !ok {
			t.Errorf("grant c%d lost", i)
		}
	}
}
