// Package rbac decides who may do what in which Comune. It is Casbin RBAC with domains
// (domain = Comune): a few dozen role templates embedded in the binary (policy.csv), the facts
// of who holds which role for which Ente as grouping rules in the casbin_rules table, and each
// AUTORIZZATO's e-service profile from the grants, checked by a matcher function. The same
// Authorizer answers the API's admin checks (Can), the audit visibility (AuditScopes) and the
// workflow's query authorization (AuthorizeQuery). docs/rbac.md describes the design.
package rbac

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/store"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Authorizer holds one Casbin enforcer per Comune, loaded from the database. It is safe for
// concurrent use.
//
// Changes made through this Authorizer (Update, AddGrant) are visible at once; changes made by
// another replica become visible at the next Refresh (Watch), which reloads only the Comuni
// that changed.
type Authorizer struct {
	db *store.DB
	// Now tells which convenzioni are still valid when a grant is made; nil: the system clock.
	Now    clock.Clock
	comuni []string // Comuni loaded; nil = all

	// writeMu serialises reloads and the in-memory step of Update, so a change committed while
	// a reload reads the database is applied to the policy that reload installs.
	writeMu sync.Mutex
	// version is the policy_version the in-memory policies reflect (guarded by writeMu);
	// Refresh reloads the Comuni changed after it. -1 asks for a full reload.
	version int64
	// mu guards policies and their contents: decisions read-lock it, in-memory changes and
	// the swaps of reloads lock it.
	mu       sync.RWMutex
	policies map[string]*domainPolicy
}

// New returns an Authorizer with the policies of every Comune loaded from db.
func New(ctx context.Context, db *store.DB) (*Authorizer, error) {
	return NewForComuni(ctx, db)
}

// NewForComuni returns an Authorizer that loads only the policies of the given Comuni (all when
// none is given). Loading per Comune bounds a replica's memory and start-up time at scale; such
// an Authorizer denies everything in other Comuni.
func NewForComuni(ctx context.Context, db *store.DB, comuni ...string) (*Authorizer, error) {
	a := &Authorizer{db: db, comuni: slices.Clone(comuni)}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload replaces every in-memory policy with the database's. Decisions keep being answered
// from the old policies while the new ones load.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	return a.reloadLocked(ctx)
}

// reloadLocked is Reload with writeMu held. The version is read before the policies: a change
// committed while loading shows as a newer version at the next Refresh.
func (a *Authorizer) reloadLocked(ctx context.Context) error {
	v, err := store.PolicyVersion(ctx, a.db.DB)
	if err != nil {
		return fmt.Errorf("rbac: load policy: %w", err)
	}
	comuni := a.comuni
	if comuni == nil {
		if comuni, err = store.ComuneCodes(ctx, a.db.DB); err != nil {
			return fmt.Errorf("rbac: load policy: %w", err)
		}
	}
	policies, err := loadDomains(ctx, a.db, comuni)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.policies = policies
	a.mu.Unlock()
	a.version = v
	return nil
}

// Can reports whether the user may perform act on obj in the Comune, e.g.
// Can(7, "H501", ObjAdminUsers, ActWrite) or, for a query, Can(7, "H501", ObjQuery, "C020").
// It knows roles and profiles only: suspension, convenzioni and Ente boundaries are checked by
// AuthorizeQuery, AuditScopes and the callers (with RoleGrants).
func (a *Authorizer) Can(userID int64, comune, obj, act string) (bool, error) {
	if strings.HasPrefix(act, reservedActionPrefix) {
		return false, fmt.Errorf("rbac: action %q is reserved", act)
	}
	return a.enforce(Subject(userID), comune, obj, act)
}

func (a *Authorizer) enforce(sub, comune, obj, act string) (bool, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	d := a.policies[comune]
	if d == nil {
		return false, nil // a Comune without grants, or not loaded here
	}
	ok, err := d.e.Enforce(sub, comune, obj, act)
	if err != nil {
		return false, fmt.Errorf("rbac: enforce: %w", err)
	}
	return ok, nil
}

// Roles returns the base roles ("TOP", "ADMIN", "AUTORIZZATO") the user holds in the Comune,
// widest first, each once.
func (a *Authorizer) Roles(userID int64, comune string) []string {
	var out []string
	for _, g := range a.RoleGrants(userID, comune) {
		if !slices.Contains(out, g.Role) {
			out = append(out, g.Role)
		}
	}
	return out
}

// RoleGrants returns the user's roles in the Comune with the Ente each acts for, ordered by
// role (widest first) then Ente. Callers use it to keep an ADMIN within its Ente.
func (a *Authorizer) RoleGrants(userID int64, comune string) []RoleGrant {
	var names []string
	a.mu.RLock()
	if d := a.policies[comune]; d != nil {
		names = d.e.GetRolesForUserInDomain(Subject(userID), comune)
	}
	a.mu.RUnlock()
	out := make([]RoleGrant, 0, len(names))
	for _, n := range names {
		if g, ok := parseRole(n); ok {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(x, y RoleGrant) int {
		if d := roleOrder[x.Role] - roleOrder[y.Role]; d != 0 {
			return d
		}
		return cmp.Compare(x.EnteID, y.EnteID)
	})
	return out
}

// loaded reports whether this Authorizer holds the rules of the Comune.
func (a *Authorizer) loaded(comune string) bool {
	return a.comuni == nil || slices.Contains(a.comuni, comune)
}
