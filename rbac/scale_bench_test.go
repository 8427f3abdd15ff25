package rbac

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// The scale of issue #4: 100 Comuni × 10,000 users of policy (1 M AUTORIZZATO grants with
// three services each, 1 M g facts, 10 Enti per Comune). Targets: a decision under 50 µs
// (p50), loading one Comune's policy under 100 ms. Run it alone, it builds its data set (a few
// minutes):
//
//	go test -run '^$' -bench BenchmarkScale -benchtime 20x -timeout 30m ./rbac/
const (
	scaleUsers = 10_000 // per Comune
	scaleEnti  = 10     // per Comune
)

// scaleComuni is 100; VARCO_SCALE_COMUNI makes it smaller for a quick look at decisions.
var scaleComuni = envInt("VARCO_SCALE_COMUNI", 100)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

var (
	scaleOnce sync.Once
	scaleDB   *store.DB
)

func scaleComune(i int) string { return fmt.Sprintf("Z%03d", i) }

// scaleWorld writes, per Comune, the rows the policy is loaded from: the Comune, its Enti, its
// users with one AUTORIZZATO grant each (three services) and the grants' Casbin facts, exactly
// as AddGrant writes them, in bulk.
func scaleWorld(b *testing.B) *store.DB {
	scaleOnce.Do(func() {
		// PostgreSQL is where a policy of this size lives in production; VARCO_SCALE_DB=sqlite
		// measures the embedded default instead.
		if os.Getenv("VARCO_SCALE_DB") == "sqlite" {
			scaleDB = storetest.SQLite(b)
		} else {
			scaleDB = storetest.Postgres(b)
		}
		ctx := context.Background()
		start := time.Now()
		for c := range scaleComuni {
			if err := store.Tx(ctx, scaleDB.DB, func(tx bun.Tx) error {
				return writeScaleComune(ctx, tx, c)
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("built %d Comuni × %d users of policy on %s in %v", scaleComuni, scaleUsers, scaleDB.Kind, time.Since(start))
	})
	return scaleDB
}

func writeScaleComune(ctx context.Context, tx bun.Tx, c int) error {
	dom := scaleComune(c)
	now := time.Now()
	if err := store.CreateComune(ctx, tx, &store.Comune{Code: dom, IstatCode: fmt.Sprintf("%06d", c), Name: dom, Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}); err != nil {
		return err
	}
	enti := make([]store.Ente, scaleEnti)
	for e := range enti {
		enti[e] = store.Ente{ID: int64(c*scaleEnti + e + 1), Name: "Ente", CodiceIPA: fmt.Sprint("ipa", c, e), CreatedAt: now}
	}
	if _, err := tx.NewInsert().Model(&enti).Exec(ctx); err != nil {
		return err
	}
	convs := make([]store.Convenzione, scaleEnti)
	for e := range convs {
		convs[e] = store.Convenzione{ComuneCode: dom, EnteID: enti[e].ID, Services: []string{"C001", "C020", "C021", "C030"},
			ValidFrom: now.AddDate(0, 0, -1), CreatedAt: now}
	}
	if _, err := tx.NewInsert().Model(&convs).Exec(ctx); err != nil {
		return err
	}
	users := make([]store.User, scaleUsers)
	grants := make([]store.Grant, scaleUsers)
	for u := range scaleUsers {
		id := int64(c*scaleUsers + u + 1)
		users[u] = store.User{ID: id, Username: fmt.Sprint("u", id), Active: true, CreatedAt: now, UpdatedAt: now}
		grants[u] = store.Grant{UserID: id, ComuneCode: dom, EnteID: enti[u%scaleEnti].ID, Role: store.RoleAutorizzato,
			Services: []string{"C020", "C021", "C030"}, CreatedAt: now}
	}
	const chunk = 2_000 // well under PostgreSQL's 65,535 parameters per statement
	for i := 0; i < scaleUsers; i += chunk {
		us, gs := users[i:min(i+chunk, scaleUsers)], grants[i:min(i+chunk, scaleUsers)]
		if _, err := tx.NewInsert().Model(&us).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&gs).Exec(ctx); err != nil {
			return err
		}
		var facts []store.CasbinRule
		for _, g := range gs {
			facts = append(facts, rulesOf(&g)...)
		}
		if err := store.InsertCasbinRules(ctx, tx, facts); err != nil {
			return err
		}
	}
	return nil
}

func BenchmarkScale(b *testing.B) {
	db := scaleWorld(b)
	ctx := context.Background()
	b.Run("load-one-comune", func(b *testing.B) {
		for b.Loop() {
			if _, err := NewForComuni(ctx, db, scaleComune(scaleComuni/2)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("refresh-one-change-all-loaded", func(b *testing.B) {
		refreshAfterChange(b, db)
	})
	b.Run("decide-one-comune-loaded", func(b *testing.B) {
		az, err := NewForComuni(ctx, db, scaleComune(scaleComuni/2))
		if err != nil {
			b.Fatal(err)
		}
		decide(b, az, scaleComuni/2)
	})
	b.Run("decide-all-comuni-loaded", func(b *testing.B) {
		// Also what a replica holding every Comune pays at start: time and heap.
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		az, err := New(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		decide(b, az, scaleComuni/2) // resets the timer and the metrics: report after it
		b.ReportMetric(took.Seconds(), "load-all-s")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-all-MiB")
	})
}

// decide measures query decisions for random users of Comune c (allowed and denied) and
// reports the p50 and p99 of single decisions.
func decide(b *testing.B, az *Authorizer, c int) {
	rng := rand.New(rand.NewSource(1))
	lat := make([]time.Duration, 0, 10_000)
	dom := scaleComune(c)
	b.ResetTimer()
	for i := range max(b.N, 10_000) { // at least 10,000 decisions for stable percentiles
		user := int64(c*scaleUsers + rng.Intn(scaleUsers) + 1)
		svc := "C020"
		if i%2 == 1 {
			svc = "C018" // not in the profile: denied
		}
		t0 := time.Now()
		ok, err := az.Can(user, dom, ObjQuery, svc)
		lat = append(lat, time.Since(t0))
		if err != nil || ok != (svc == "C020") {
			b.Fatalf("user %d %s: ok=%v err=%v", user, svc, ok, err)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
}

// refreshAfterChange measures how long a replica holding every Comune takes to follow one
// profile change made by another replica: Refresh reloads only the changed Comune. Watch adds
// at most one WatchInterval to this.
func refreshAfterChange(b *testing.B, db *store.DB) {
	ctx := context.Background()
	c := scaleComuni / 2
	reader, err := New(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	writer, err := NewForComuni(ctx, db, scaleComune(c))
	if err != nil {
		b.Fatal(err)
	}
	user := int64(c*scaleUsers + 1)
	g, err := store.AutorizzatoGrant(ctx, db.DB, user, scaleComune(c))
	if err != nil {
		b.Fatal(err)
	}
	profiles := [][]string{{"C001", "C020"}, {"C020", "C021", "C030"}}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		want := profiles[i%2]
		if err := writer.Update(ctx, func(ctx context.Context, bt *Batch) error {
			return bt.SetProfile(ctx, g, want, 0)
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := reader.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		if ok, _ := reader.Can(user, scaleComune(c), ObjQuery, "C001"); ok != slices.Contains(want, "C001") {
			b.Fatalf("after refresh, C001 allowed=%v, profile %v", ok, want)
		}
	}
}
