package rbac

import (
	"context"
	"fmt"
	"slices"

	"github.com/varco-anpr/varco/internal/store"
)

// AuditScopes returns the audit scopes the user may read, per Comune: TOP → the whole Comune,
// ADMIN → its Ente, AUTORIZZATO → their own records in the Comune. A suspended user gets
// none. What each role may read comes from the templates (audit:comune, audit:ente, audit:own);
// the Comuni come from the user's grants in the database; a Comune this Authorizer did not
// load yields no scope.
func (a *Authorizer) AuditScopes(ctx context.Context, userID int64) ([]store.Scope, error) {
	u, err := store.GetUser(ctx, a.db.DB, userID)
	if err != nil {
		return nil, fmt.Errorf("rbac: audit scopes: %w", err)
	}
	if !u.Active {
		return nil, nil
	}
	grants, err := store.GrantsOfUser(ctx, a.db.DB, userID)
	if err != nil {
		return nil, fmt.Errorf("rbac: audit scopes: %w", err)
	}
	var out []store.Scope
	for _, comune := range comuniOf(grants) {
		s, err := a.scopesIn(userID, comune)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

func comuniOf(grants []store.Grant) []string {
	var out []string
	for _, g := range grants {
		if !slices.Contains(out, g.ComuneCode) {
			out = append(out, g.ComuneCode)
		}
	}
	slices.Sort(out)
	return out
}

// scopesIn asks the templates, role by role, how much of the Comune's audit the role reads.
// The role (not the user) is the subject so that an ADMIN of one Ente who is AUTORIZZATO of
// another gets the Ente scope only for the first.
func (a *Authorizer) scopesIn(userID int64, comune string) ([]store.Scope, error) {
	var out []store.Scope
	for _, g := range a.RoleGrants(userID, comune) {
		s, ok, err := a.scopeOfRole(g, userID, comune)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if s.EnteID == 0 && s.UserID == 0 {
			return []store.Scope{s}, nil // the whole Comune covers every narrower scope
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (a *Authorizer) scopeOfRole(g RoleGrant, userID int64, comune string) (store.Scope, bool, error) {
	role := roleName(g.Role, g.EnteID)
	candidates := []struct {
		obj   string
		scope store.Scope
	}{
		{ObjAuditComune, store.Scope{ComuneCode: comune}},
		{ObjAuditEnte, store.Scope{ComuneCode: comune, EnteID: g.EnteID}},
		{ObjAuditOwn, store.Scope{ComuneCode: comune, UserID: userID}},
	}
	for _, c := range candidates {
		if c.obj == ObjAuditEnte && g.EnteID == 0 {
			continue // an Ente scope without an Ente would read as the whole Comune
		}
		ok, err := a.enforce(role, comune, c.obj, ActRead)
		if err != nil {
			return store.Scope{}, false, err
		}
		if ok {
			return c.scope, true, nil
		}
	}
	return store.Scope{}, false, nil
}
