package rbac

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// ErrNoConvenzione: an ADMIN or AUTORIZZATO grant names an Ente that has no current or future
// convenzione with the Comune.
var ErrNoConvenzione = errors.New("rbac: no convenzione between Comune and Ente")

// AddGrant stores g and its Casbin facts in one transaction (bumping the policy version),
// then applies them to this Authorizer. For an AUTORIZZATO, g.Services is narrowed to the
// services of the Comune↔Ente convenzioni that are not expired; the caller sees the narrowed
// profile.
// Errors: store.ErrConflict (duplicate grant, or a second AUTORIZZATO grant of the user in the
// Comune), store.ErrInvalidReference (unknown user, Comune or Ente), ErrNoConvenzione.
func (a *Authorizer) AddGrant(ctx context.Context, g *store.Grant) error {
	return a.Update(ctx, func(ctx context.Context, b *Batch) error {
		return b.AddGrant(ctx, g)
	})
}

// AddGrantInTx writes g and its Casbin facts within the caller's transaction (same checks and
// narrowing as AddGrant) and bumps the policy version. The change reaches this Authorizer's
// memory only at the next Reload or Refresh: call one after the transaction commits. For batch
// set-ups such as the demo seed; the admin API uses Update.
func (a *Authorizer) AddGrantInTx(ctx context.Context, tx bun.IDB, g *store.Grant) error {
	v, err := store.BumpPolicyVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("rbac: add grant: %w", err)
	}
	if err := store.TouchPolicyDomain(ctx, tx, g.ComuneCode, v); err != nil {
		return fmt.Errorf("rbac: add grant: %w", err)
	}
	return a.addGrantInTx(ctx, tx, g)
}

func (a *Authorizer) addGrantInTx(ctx context.Context, tx bun.IDB, g *store.Grant) error {
	if err := a.fitProfile(ctx, tx, g); err != nil {
		return err
	}
	if err := store.CreateGrant(ctx, tx, g); err != nil {
		return fmt.Errorf("rbac: add grant: %w", err)
	}
	if err := store.InsertCasbinRules(ctx, tx, rulesOf(g)); err != nil {
		return fmt.Errorf("rbac: add grant: %w", err)
	}
	return nil
}

// fitProfile checks the Ente's convenzione and narrows an AUTORIZZATO's services to it.
func (a *Authorizer) fitProfile(ctx context.Context, tx bun.IDB, g *store.Grant) error {
	if g.Role == store.RoleTop {
		g.Services = []string{}
		return nil
	}
	if g.EnteID == 0 {
		return fmt.Errorf("rbac: add grant: role %s needs an Ente", g.Role)
	}
	convs, err := store.ConvenzioniOf(ctx, tx, g.ComuneCode, g.EnteID)
	if err != nil {
		return fmt.Errorf("rbac: add grant: %w", err)
	}
	offered := servicesNotExpired(convs, a.Now.Now())
	if offered == nil {
		return fmt.Errorf("rbac: add grant: %w", ErrNoConvenzione)
	}
	if g.Role != store.RoleAutorizzato {
		g.Services = []string{}
		return nil
	}
	profile := []string{}
	for _, s := range g.Services {
		if offered[s] && !slices.Contains(profile, s) {
			profile = append(profile, s)
		}
	}
	slices.Sort(profile)
	g.Services = profile
	return nil
}

// servicesNotExpired is the union of the services of the convenzioni still valid today or
// starting later; nil when there is no such convenzione. Future ones count so that an ADMIN
// can prepare profiles before a convenzione starts; AuthorizeQuery checks the day anyway.
func servicesNotExpired(convs []store.Convenzione, now time.Time) map[string]bool {
	today := store.Day(now)
	var out map[string]bool
	for _, c := range convs {
		if !c.ValidTo.IsZero() && store.Day(c.ValidTo).Before(today) {
			continue
		}
		if out == nil {
			out = map[string]bool{}
		}
		for _, s := range c.Services {
			out[s] = true
		}
	}
	return out
}

// rulesOf returns the Casbin facts of a grant (see model.conf); the profile is not one of
// them: it is the grant's services.
func rulesOf(g *store.Grant) []store.CasbinRule {
	sub, role := Subject(g.UserID), roleName(g.Role, g.EnteID)
	rules := []store.CasbinRule{{PType: "g", V0: sub, V1: role, V2: g.ComuneCode}}
	if g.EnteID != 0 {
		rules = append(rules, store.CasbinRule{PType: "g", V0: role, V1: g.Role, V2: g.ComuneCode})
	}
	return rules
}

// OfferedServices returns, sorted, the services an AUTORIZZATO of the Ente may be given in the
// Comune on the day of at: those of its convenzioni not expired. nil when there is no such convenzione.
func OfferedServices(ctx context.Context, db bun.IDB, comune string, enteID int64, at time.Time) ([]string, error) {
	convs, err := store.ConvenzioniOf(ctx, db, comune, enteID)
	if err != nil {
		return nil, fmt.Errorf("rbac: offered services: %w", err)
	}
	offered := servicesNotExpired(convs, at)
	if offered == nil {
		return nil, nil
	}
	out := make([]string, 0, len(offered))
	for s := range offered {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}
