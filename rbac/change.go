package rbac

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// Batch is one transaction of policy changes, made inside Authorizer.Update. Its methods write
// the rows and the Casbin facts in the transaction and remember the facts, which Update applies
// to the in-memory enforcer after the commit.
type Batch struct {
	a       *Authorizer
	tx      bun.Tx
	version int64
	add     []store.CasbinRule
	del     []ruleFilter
}

// ruleFilter selects facts to remove: ptype plus values from v0 on ("" = any).
type ruleFilter struct {
	ptype  string
	values []string
}

// Tx is the batch's transaction, for the caller's own writes (admin events, users...).
func (b *Batch) Tx() bun.Tx { return b.tx }

// Update runs fn in one transaction that first bumps the policy version (which tells the other
// replicas to reload, and serialises policy changes). When fn returns nil the transaction
// commits and the facts fn changed through b are applied to this Authorizer before Update
// returns: a revocation is effective here once Update has returned.
func (a *Authorizer) Update(ctx context.Context, fn func(ctx context.Context, b *Batch) error) error {
	var b *Batch
	err := store.Tx(ctx, a.db.DB, func(tx bun.Tx) error {
		v, err := store.BumpPolicyVersion(ctx, tx)
		if err != nil {
			return fmt.Errorf("rbac: update: %w", err)
		}
		b = &Batch{a: a, tx: tx, version: v}
		return fn(ctx, b)
	})
	if err != nil {
		return err
	}
	return a.apply(b)
}

// AddGrant writes g and its facts (see Authorizer.AddGrant for checks and narrowing).
func (b *Batch) AddGrant(ctx context.Context, g *store.Grant) error {
	if err := b.a.addGrantInTx(ctx, b.tx, g); err != nil {
		return err
	}
	b.add = append(b.add, rulesOf(g)...)
	return nil
}

// RevokeGrant deletes g (as stored) and the user's facts of it. The shared link
// "ADMIN@e:3 → ADMIN" stays: without a member it grants nothing.
func (b *Batch) RevokeGrant(ctx context.Context, g *store.Grant) error {
	if err := store.DeleteGrant(ctx, b.tx, g.ID); err != nil {
		return fmt.Errorf("rbac: revoke grant: %w", err)
	}
	sub := Subject(g.UserID)
	filters := []ruleFilter{{"g", []string{sub, roleName(g.Role, g.EnteID), g.ComuneCode}}}
	if g.Role == store.RoleAutorizzato {
		filters = append(filters, profileFilter(g))
	}
	return b.remove(ctx, "revoke grant", filters)
}

// SetProfile replaces an AUTORIZZATO grant's services (narrowed to the convenzione, as on
// creation) and daily quota; g is updated to what is stored.
func (b *Batch) SetProfile(ctx context.Context, g *store.Grant, services []string, dailyQuota int) error {
	if g.Role != store.RoleAutorizzato {
		return fmt.Errorf("rbac: set profile: grant %d is %s, not AUTORIZZATO", g.ID, g.Role)
	}
	g.Services, g.DailyQuota = services, dailyQuota
	if err := b.a.fitProfile(ctx, b.tx, g); err != nil {
		return err
	}
	if err := store.UpdateGrantProfile(ctx, b.tx, g); err != nil {
		return fmt.Errorf("rbac: set profile: %w", err)
	}
	if err := b.remove(ctx, "set profile", []ruleFilter{profileFilter(g)}); err != nil {
		return err
	}
	rules := rulesOf(g)[2:] // the g2 facts; the role facts are unchanged
	if err := store.InsertCasbinRules(ctx, b.tx, rules); err != nil {
		return fmt.Errorf("rbac: set profile: %w", err)
	}
	b.add = append(b.add, rules...)
	return nil
}

// SetActive suspends or reactivates the user. AuthorizeQuery and the API read users.active at
// every decision, so this needs no in-memory change; the version bump still tells replicas.
func (b *Batch) SetActive(ctx context.Context, userID int64, active bool) error {
	if err := store.SetUserActive(ctx, b.tx, userID, active); err != nil {
		return fmt.Errorf("rbac: set active: %w", err)
	}
	return nil
}

func profileFilter(g *store.Grant) ruleFilter {
	return ruleFilter{"g2", []string{Subject(g.UserID), "", g.ComuneCode}}
}

func (b *Batch) remove(ctx context.Context, op string, filters []ruleFilter) error {
	for _, f := range filters {
		if _, err := store.DeleteCasbinRules(ctx, b.tx, f.ptype, 0, f.values...); err != nil {
			return fmt.Errorf("rbac: %s: %w", op, err)
		}
	}
	b.del = append(b.del, filters...)
	return nil
}

// apply makes a committed batch's facts effective in memory: removals first, then additions.
// It holds writeMu, so a Reload that read the database before the commit installs its
// enforcer first and the batch is applied on top of it.
func (a *Authorizer) apply(b *Batch) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	a.mu.Lock()
	err := a.applyLocked(b)
	a.mu.Unlock()
	if err != nil {
		a.version = -1 // the next Watch poll reloads
		return fmt.Errorf("rbac: committed, but not applied in memory (Reload): %w", err)
	}
	// Policy changes are serialised by the version row, so when memory was at version-1 it now
	// reflects version exactly; otherwise another replica's change is pending and Watch reloads.
	if a.version == b.version-1 {
		a.version = b.version
	}
	return nil
}

func (a *Authorizer) applyLocked(b *Batch) error {
	for _, f := range b.del {
		if !a.loaded(f.values[2]) {
			continue
		}
		if _, err := a.e.RemoveFilteredNamedGroupingPolicy(f.ptype, 0, f.values...); err != nil {
			return err
		}
	}
	byType := map[string][][]string{}
	for _, r := range b.add {
		if a.loaded(r.V2) {
			byType[r.PType] = append(byType[r.PType], ruleOf(r)[1:])
		}
	}
	for _, ptype := range []string{"g", "g2"} {
		if len(byType[ptype]) == 0 {
			continue
		}
		// Ex skips facts already present (the Ente's role link is shared by many grants).
		if _, err := a.e.AddNamedGroupingPoliciesEx(ptype, byType[ptype]); err != nil {
			return err
		}
	}
	return nil
}
