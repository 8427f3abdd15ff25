package rbac

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// Batch is one transaction of policy changes, made inside Authorizer.Update. Its methods write
// the rows and the Casbin facts in the transaction, mark the Comuni they change (so other
// replicas reload just those) and remember the changes, which Update applies to the in-memory
// policies after the commit.
type Batch struct {
	a       *Authorizer
	tx      bun.Tx
	version int64
	touched map[string]bool
	changes []change
}

// change is one in-memory step of a batch, in a Comune: facts to remove (applied first), facts
// to add, and a profile to set (nil services with setProfile: the profile goes).
type change struct {
	comune     string
	del        []ruleFilter
	add        []store.CasbinRule
	setProfile bool
	subject    string
	services   []string
}

// ruleFilter selects g facts to remove: values from v0 on ("" = any).
type ruleFilter []string

// Tx is the batch's transaction, for the caller's own writes (admin events, users...).
func (b *Batch) Tx() bun.Tx { return b.tx }

// Update runs fn in one transaction that first bumps the policy version (which tells the other
// replicas to refresh, and serialises policy changes). When fn returns nil the transaction
// commits and the changes fn made through b are applied to this Authorizer before Update
// returns: a revocation is effective here once Update has returned.
func (a *Authorizer) Update(ctx context.Context, fn func(ctx context.Context, b *Batch) error) error {
	var b *Batch
	err := store.Tx(ctx, a.db.DB, func(tx bun.Tx) error {
		v, err := store.BumpPolicyVersion(ctx, tx)
		if err != nil {
			return fmt.Errorf("rbac: update: %w", err)
		}
		b = &Batch{a: a, tx: tx, version: v, touched: map[string]bool{}}
		return fn(ctx, b)
	})
	if err != nil {
		return err
	}
	return a.apply(ctx, b)
}

// touch marks the Comune's policy as changed in this batch's version.
func (b *Batch) touch(ctx context.Context, comune string) error {
	if b.touched[comune] {
		return nil
	}
	if err := store.TouchPolicyDomain(ctx, b.tx, comune, b.version); err != nil {
		return fmt.Errorf("rbac: update: %w", err)
	}
	b.touched[comune] = true
	return nil
}

// AddGrant writes g and its facts (see Authorizer.AddGrant for checks and narrowing).
func (b *Batch) AddGrant(ctx context.Context, g *store.Grant) error {
	if err := b.touch(ctx, g.ComuneCode); err != nil {
		return err
	}
	if err := b.a.addGrantInTx(ctx, b.tx, g); err != nil {
		return err
	}
	c := change{comune: g.ComuneCode, add: rulesOf(g)}
	if g.Role == store.RoleAutorizzato {
		c.setProfile, c.subject, c.services = true, Subject(g.UserID), g.Services
	}
	b.changes = append(b.changes, c)
	return nil
}

// RevokeGrant deletes g (as stored) and the user's fact of it. The shared link
// "ADMIN@e:3 → ADMIN" stays: without a member it grants nothing.
func (b *Batch) RevokeGrant(ctx context.Context, g *store.Grant) error {
	if err := b.touch(ctx, g.ComuneCode); err != nil {
		return err
	}
	if err := store.DeleteGrant(ctx, b.tx, g.ID); err != nil {
		return fmt.Errorf("rbac: revoke grant: %w", err)
	}
	sub := Subject(g.UserID)
	f := ruleFilter{sub, roleName(g.Role, g.EnteID), g.ComuneCode}
	if _, err := store.DeleteCasbinRules(ctx, b.tx, "g", 0, f...); err != nil {
		return fmt.Errorf("rbac: revoke grant: %w", err)
	}
	c := change{comune: g.ComuneCode, del: []ruleFilter{f}}
	if g.Role == store.RoleAutorizzato {
		c.setProfile, c.subject = true, sub
	}
	b.changes = append(b.changes, c)
	return nil
}

// SetProfile replaces an AUTORIZZATO grant's services (narrowed to the convenzione, as on
// creation) and daily quota; g is updated to what is stored.
func (b *Batch) SetProfile(ctx context.Context, g *store.Grant, services []string, dailyQuota int) error {
	if g.Role != store.RoleAutorizzato {
		return fmt.Errorf("rbac: set profile: grant %d is %s, not AUTORIZZATO", g.ID, g.Role)
	}
	if err := b.touch(ctx, g.ComuneCode); err != nil {
		return err
	}
	g.Services, g.DailyQuota = services, dailyQuota
	if err := b.a.fitProfile(ctx, b.tx, g); err != nil {
		return err
	}
	if err := store.UpdateGrantProfile(ctx, b.tx, g); err != nil {
		return fmt.Errorf("rbac: set profile: %w", err)
	}
	b.changes = append(b.changes, change{comune: g.ComuneCode, setProfile: true, subject: Subject(g.UserID), services: g.Services})
	return nil
}

// SetActive suspends or reactivates the user. AuthorizeQuery and the API read users.active at
// every decision, so this changes no policy in memory.
func (b *Batch) SetActive(ctx context.Context, userID int64, active bool) error {
	if err := store.SetUserActive(ctx, b.tx, userID, active); err != nil {
		return fmt.Errorf("rbac: set active: %w", err)
	}
	return nil
}

// apply makes a committed batch's changes effective in memory. It holds writeMu, so a reload
// that read the database before the commit installs its policies first and the batch is
// applied on top of them. A Comune this replica holds no policy for yet (its first grant) is
// loaded from the database, which already has the change.
func (a *Authorizer) apply(ctx context.Context, b *Batch) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	if err := a.applyLocked(ctx, b); err != nil {
		a.version = -1 // the next Refresh reloads everything
		return fmt.Errorf("rbac: committed, but not applied in memory (Reload): %w", err)
	}
	// Policy changes are serialised by the version row, so when memory was at version-1 it now
	// reflects version exactly; otherwise another replica's change is pending and Refresh
	// reloads the Comuni it touched.
	if a.version == b.version-1 {
		a.version = b.version
	}
	return nil
}

func (a *Authorizer) applyLocked(ctx context.Context, b *Batch) error {
	a.mu.RLock()
	var missing []string
	for comune := range b.touched {
		if a.loaded(comune) && a.policies[comune] == nil {
			missing = append(missing, comune)
		}
	}
	a.mu.RUnlock()
	fresh, err := loadDomains(ctx, a.db, missing)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for comune, d := range fresh {
		a.policies[comune] = d
	}
	for _, c := range b.changes {
		d := a.policies[c.comune]
		if d == nil || fresh[c.comune] != nil {
			continue // not held here, or just loaded with the change in it
		}
		if err := d.applyLocked(c); err != nil {
			return err
		}
	}
	return nil
}

// applyLocked applies one change to the Comune's policy; the caller holds Authorizer.mu.
func (d *domainPolicy) applyLocked(c change) error {
	for _, f := range c.del {
		if _, err := d.e.RemoveFilteredGroupingPolicy(0, f...); err != nil {
			return err
		}
	}
	if len(c.add) > 0 {
		rules := make([][]string, len(c.add))
		for i, r := range c.add {
			rules[i] = ruleOf(r)[1:]
		}
		// Ex skips facts already present (the Ente's role link is shared by many grants).
		if _, err := d.e.AddGroupingPoliciesEx(rules); err != nil {
			return err
		}
	}
	if c.setProfile {
		if c.services == nil {
			delete(d.profiles, c.subject)
		} else {
			d.profiles[c.subject] = slices.Clone(c.services)
		}
	}
	return nil
}
