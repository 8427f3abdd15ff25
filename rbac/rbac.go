// Package rbac decides who may do what in which Comune. It is Casbin RBAC with domains
// (domain = Comune): a dozen role templates embedded in the binary (policy.csv) and the facts —
// who holds which role for which Ente, which e-services are in an AUTORIZZATO's profile — as
// grouping rules stored in the casbin_rules table. The same Authorizer answers the API's admin
// checks (Can), the audit visibility (AuditScopes) and the workflow's query authorization
// (AuthorizeQuery). docs/rbac.md describes the design.
package rbac

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/varco-anpr/varco/internal/store"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Authorizer holds a Casbin enforcer loaded from the database. It is safe for concurrent use.
//
// Facts written by this Authorizer (AddGrant) are visible at once; facts written by another
// replica become visible after Reload.
type Authorizer struct {
	db      *store.DB
	domains []string // Comuni loaded; nil = all

	// writeMu serialises Reload and the in-memory step of AddGrant, so a grant committed while
	// a reload reads the database is applied to the enforcer that reload installs.
	writeMu sync.Mutex
	// version is the policy_version the in-memory rules reflect (guarded by writeMu); Watch
	// reloads when the stored one differs.
	version int64
	// mu guards e: decisions read-lock it, in-memory changes and the swap on Reload lock it.
	mu sync.RWMutex
	e  *casbin.Enforcer
}

// New returns an Authorizer with the rules of every Comune loaded from db.
func New(ctx context.Context, db *store.DB) (*Authorizer, error) {
	return NewForComuni(ctx, db)
}

// NewForComuni returns an Authorizer that loads only the rules of the given Comuni (all when
// none is given). Loading per Comune bounds a replica's memory and start-up time at scale; such
// an Authorizer denies everything in other Comuni.
func NewForComuni(ctx context.Context, db *store.DB, comuni ...string) (*Authorizer, error) {
	a := &Authorizer{db: db, domains: slices.Clone(comuni)}
	e, v, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	a.e, a.version = e, v
	return a, nil
}

// load builds a fresh enforcer from the database and returns the policy version read before
// the rules: a change committed while loading shows as a newer version at the next poll.
func (a *Authorizer) load(ctx context.Context) (*casbin.Enforcer, int64, error) {
	v, err := store.PolicyVersion(ctx, a.db.DB)
	if err != nil {
		return nil, 0, fmt.Errorf("rbac: load policy: %w", err)
	}
	e, err := a.loadRules(ctx)
	return e, v, err
}

func (a *Authorizer) loadRules(ctx context.Context) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("rbac: model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("rbac: enforcer: %w", err)
	}
	ad, err := NewAdapter(a.db.DB, policyCSV)
	if err != nil {
		return nil, err
	}
	e.SetAdapter(ad)
	// Rules are written by AddGrant inside its own transaction, never by the enforcer.
	e.EnableAutoSave(false)
	if err := e.LoadFilteredPolicyCtx(ctx, Filter{Domains: a.domains}); err != nil {
		return nil, fmt.Errorf("rbac: load policy: %w", err)
	}
	return e, nil
}

// Reload replaces the in-memory rules with those in the database. Decisions keep being
// answered from the old rules while the new ones load.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	e, v, err := a.load(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.e = e
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
	ok, err := a.e.Enforce(sub, comune, obj, act)
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
	a.mu.RLock()
	names := a.e.GetRolesForUserInDomain(Subject(userID), comune)
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
	return a.domains == nil || slices.Contains(a.domains, comune)
}
