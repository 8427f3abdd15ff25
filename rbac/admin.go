package rbac

import (
	"context"
	"fmt"
	"slices"

	"github.com/varco-anpr/varco/internal/store"
)

// Admin decisions. The templates say what a role may do in a Comune (policy.csv); these
// functions add the two boundaries the templates cannot express: an Ente-bound role (ADMIN)
// acts only within its Ente, and nobody administers themselves. Suspension of the actor is
// the API's check (authenticate) and is not repeated here.

// Reach tells how far the actor's roles in the Comune allow obj/act: all is true when a role
// without an Ente (TOP) allows it; enti lists the Enti of the Ente-bound roles that allow it.
func (a *Authorizer) Reach(actor int64, comune, obj, act string) (all bool, enti []int64, err error) {
	for _, g := range a.RoleGrants(actor, comune) {
		ok, err := a.enforce(roleName(g.Role, g.EnteID), comune, obj, act)
		if err != nil {
			return false, nil, err
		}
		switch {
		case !ok:
		case g.EnteID == 0:
			all = true
		case !slices.Contains(enti, g.EnteID):
			enti = append(enti, g.EnteID)
		}
	}
	return all, enti, nil
}

// MayOnGrant reports whether the actor may perform act (read, write, revoke, suspend,
// credentials) on the target grant: a role of the actor in the grant's Comune allows act on
// ObjUser(target role), and an Ente-bound role only for a target of its own Ente. Acting on
// one's own grant is never allowed except reading: nobody raises (or rewrites) their own rights.
func (a *Authorizer) MayOnGrant(actor int64, target *store.Grant, act string) (bool, error) {
	if target.UserID == actor && act != ActRead {
		return false, nil
	}
	all, enti, err := a.Reach(actor, target.ComuneCode, ObjUser(target.Role), act)
	if err != nil {
		return false, err
	}
	return all || (target.EnteID != 0 && slices.Contains(enti, target.EnteID)), nil
}

// MayOnAll reports whether the actor may perform act on every one of the grants (a user's
// grants in one Comune): user-wide actions such as suspension or a new password touch every
// role the user holds, so an ADMIN may not suspend someone who is also another Ente's ADMIN.
// False when grants is empty.
func (a *Authorizer) MayOnAll(actor int64, grants []store.Grant, act string) (bool, error) {
	if len(grants) == 0 {
		return false, nil
	}
	for i := range grants {
		ok, err := a.MayOnGrant(actor, &grants[i], act)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// MayOnAny reports whether the actor may perform act on at least one of the grants (reading a
// user is allowed when any of their roles in the Comune is within the actor's reach).
func (a *Authorizer) MayOnAny(actor int64, grants []store.Grant, act string) (bool, error) {
	for i := range grants {
		ok, err := a.MayOnGrant(actor, &grants[i], act)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// HasRole reports whether the user holds any role in the Comune (the API answers 404 rather
// than 403 to a caller who has nothing to do with a Comune).
func (a *Authorizer) HasRole(userID int64, comune string) bool {
	return len(a.RoleGrants(userID, comune)) > 0
}

// AdminEventScopes returns the admin events the user may read: per Comune of their grants,
// the whole Comune (TOP: admin:events:comune) or their Ente's (ADMIN: admin:events:ente).
func (a *Authorizer) AdminEventScopes(ctx context.Context, userID int64) ([]store.Scope, error) {
	grants, err := store.GrantsOfUser(ctx, a.db.DB, userID)
	if err != nil {
		return nil, fmt.Errorf("rbac: admin event scopes: %w", err)
	}
	var out []store.Scope
	for _, comune := range comuniOf(grants) {
		all, _, err := a.Reach(userID, comune, ObjAdminEventsComune, ActRead)
		if err != nil {
			return nil, err
		}
		if all {
			out = append(out, store.Scope{ComuneCode: comune})
			continue
		}
		_, enti, err := a.Reach(userID, comune, ObjAdminEventsEnte, ActRead)
		if err != nil {
			return nil, err
		}
		for _, e := range enti {
			out = append(out, store.Scope{ComuneCode: comune, EnteID: e})
		}
	}
	return out, nil
}
