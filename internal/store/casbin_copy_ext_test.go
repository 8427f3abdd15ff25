package store_test

import (
	"context"
	"testing"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestCasbinRulesByCopyMatchesQuery: on PostgreSQL the COPY path returns exactly what the
// plain query returns (inside a transaction CasbinRules takes the query path).
func TestCasbinRulesByCopyMatchesQuery(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	rules := []store.CasbinRule{
		{PType: "g", V0: "u:1", V1: "TOP", V2: "H501"},
		{PType: "g2", V0: "u:2", V1: "C020", V2: "H501"},
		{PType: "g", V0: "u:3", V1: "ADMIN@e:1", V2: "F205"},
	}
	if err := store.InsertCasbinRules(ctx, db, rules); err != nil {
		t.Fatal(err)
	}
	viaCopy, err := store.CasbinRules(ctx, db, "H501")
	if err != nil {
		t.Fatal(err)
	}
	viaQuery, err := store.CasbinRules(ctx, db.DB, "H501")
	if err != nil {
		t.Fatal(err)
	}
	if len(viaCopy) != 2 || len(viaQuery) != 2 || viaCopy[0] != viaQuery[0] || viaCopy[1] != viaQuery[1] {
		t.Fatalf("copy %+v, query %+v", viaCopy, viaQuery)
	}
}
