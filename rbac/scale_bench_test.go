package rbac

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// The scale of issue #4: 100 Comuni × 10,000 users of policy (1 M g facts, 3 M g2 facts,
// 10 Enti per Comune). Targets: a decision under 50 µs (p50), loading one Comune's policy
// under 100 ms. Run it alone, it builds its data set (a few minutes, ~3 GiB when all
// Comuni are loaded at once):
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

// scaleWorld writes the facts straight into casbin_rules: the benchmark is about the
// enforcer, and the facts are exactly those AddGrant writes.
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
				return store.InsertCasbinRules(ctx, tx, comuneFacts(c))
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("built %d Comuni × %d users of policy on %s in %v", scaleComuni, scaleUsers, scaleDB.Kind, time.Since(start))
	})
	return scaleDB
}

func comuneFacts(c int) []store.CasbinRule {
	dom := scaleComune(c)
	rules := make([]store.CasbinRule, 0, scaleUsers*4+scaleEnti)
	for e := 1; e <= scaleEnti; e++ {
		ente := int64(c*scaleEnti + e)
		rules = append(rules, store.CasbinRule{PType: "g", V0: roleName(store.RoleAutorizzato, ente), V1: store.RoleAutorizzato, V2: dom})
	}
	for u := range scaleUsers {
		id := int64(c*scaleUsers + u + 1)
		ente := int64(c*scaleEnti + u%scaleEnti + 1)
		rules = append(rules, store.CasbinRule{PType: "g", V0: Subject(id), V1: roleName(store.RoleAutorizzato, ente), V2: dom})
		for _, svc := range []string{"C020", "C021", "C030"} {
			rules = append(rules, store.CasbinRule{PType: "g2", V0: Subject(id), V1: svc, V2: dom})
		}
	}
	return rules
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
	b.Run("decide-one-comune-loaded", func(b *testing.B) {
		az, err := NewForComuni(ctx, db, scaleComune(scaleComuni/2))
		if err != nil {
			b.Fatal(err)
		}
		decide(b, az, scaleComuni/2)
	})
	b.Run("decide-all-comuni-loaded", func(b *testing.B) {
		az, err := New(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		decide(b, az, scaleComuni/2)
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
