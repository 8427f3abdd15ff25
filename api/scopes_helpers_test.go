package api

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// scopedUsers gives each scope a user who reads exactly it, through the real rules: a TOP of
// the Comune for a Comune scope, an ADMIN of the Ente (created with that id) for an Ente scope.
// It returns the Authorizer that decides for them and the users, in the scopes' order.
func scopedUsers(t testing.TB, db *store.DB, scopes ...store.Scope) (*rbac.Authorizer, []int64) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	az, err := rbac.New(ctx, db)
	must(err)
	ids := make([]int64, len(scopes))
	for i, sc := range scopes {
		ensureComune(t, db, sc.ComuneCode)
		g := store.Grant{ComuneCode: sc.ComuneCode, Role: store.RoleTop}
		if sc.EnteID != 0 {
			ensureEnte(t, db, sc.EnteID, sc.ComuneCode)
			g.Role, g.EnteID = store.RoleAdmin, sc.EnteID
		}
		u := &store.User{Username: fmt.Sprintf("scoped-%d", scopedSeq.Add(1)), DisplayName: "scoped", Active: true}
		must(store.CreateUser(ctx, db.DB, u))
		g.UserID, ids[i] = u.ID, u.ID
		must(az.AddGrant(ctx, &g))
	}
	return az, ids
}

var scopedSeq atomic.Int64

func ensureComune(t testing.TB, db *store.DB, code string) {
	t.Helper()
	if _, err := store.GetComune(context.Background(), db.DB, code); err == nil {
		return
	}
	c := &store.Comune{Code: code, Name: code, IstatCode: code, Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser}
	if err := store.CreateComune(context.Background(), db.DB, c); err != nil {
		t.Fatal(err)
	}
}

// ensureEnte creates the Ente with that id (the tests' records name Enti by id) and its
// convenzione with the Comune, without which no grant of the Ente is valid there.
func ensureEnte(t testing.TB, db *store.DB, id int64, comune string) {
	t.Helper()
	ctx := context.Background()
	ensureComune(t, db, comune)
	if _, err := store.GetEnte(ctx, db.DB, id); err != nil {
		e := &store.Ente{ID: id, Name: fmt.Sprintf("Ente %d", id), CreatedByComune: comune}
		if err := store.CreateEnte(ctx, db.DB, e); err != nil {
			t.Fatal(err)
		}
	}
	conv := &store.Convenzione{ComuneCode: comune, EnteID: id, Services: []string{"C020"},
		ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := store.CreateConvenzione(ctx, db.DB, conv); err != nil {
		t.Fatal(err)
	}
}
