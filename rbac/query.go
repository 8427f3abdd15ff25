package rbac

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// Stable reasons of a denied query; audited and mapped to API errors.
const (
	ReasonUserNotFound            = "user_not_found"
	ReasonUserSuspended           = "user_suspended"
	ReasonNoGrant                 = "no_grant"
	ReasonServiceNotInProfile     = "service_not_in_profile"
	ReasonNoConvenzione           = "no_convenzione"
	ReasonConvenzioneNotValid     = "convenzione_not_valid"
	ReasonServiceNotInConvenzione = "service_not_in_convenzione"
	ReasonQuotaExceeded           = "quota_exceeded"
)

// Decision is the outcome of AuthorizeQuery. EnteID and Role are filled as soon as the grant
// is known (also on later denials) so the audit can record them.
type Decision struct {
	Allowed bool
	Reason  string // empty when allowed
	EnteID  int64
	Role    string
	// ConvenzioneID and DailyQuota describe the convenzione that allowed the query, for the
	// quota check that follows.
	ConvenzioneID int64
	DailyQuota    int
}

// AuthorizeQuery decides whether the user may query the e-service in the Comune on day: the
// user exists and is active, holds an AUTORIZZATO grant there, the service is in their profile
// and in the Ente's convenzione, and that convenzione is valid on day (Europe/Rome calendar
// day), the grant is still stored (a replica's memory may lag behind a revocation by up to one
// Watch interval; the database does not), and neither the grant's nor the convenzione's daily
// quota is used up. An allowed decision counts one use against both quotas. A denial is a
// Decision with a Reason, not an error; errors are infrastructure failures.
func (a *Authorizer) AuthorizeQuery(ctx context.Context, userID int64, comune, service string, day time.Time) (Decision, error) {
	// One read gives both the user's state and their grant as stored now (see confirmAndCount).
	acc, err := store.GetQueryAccess(ctx, a.db.DB, userID, comune)
	if errors.Is(err, store.ErrNotFound) {
		return deny(Decision{}, ReasonUserNotFound), nil
	}
	if err != nil {
		return Decision{}, fmt.Errorf("rbac: authorize query: %w", err)
	}
	if !acc.Active {
		return deny(Decision{}, ReasonUserSuspended), nil
	}
	d, ok := a.autorizzatoGrant(userID, comune)
	if !ok {
		return deny(d, ReasonNoGrant), nil
	}
	inProfile, err := a.Can(userID, comune, ObjQuery, service)
	if err != nil {
		return Decision{}, fmt.Errorf("rbac: authorize query: %w", err)
	}
	if !inProfile {
		return deny(d, ReasonServiceNotInProfile), nil
	}
	d, err = a.checkConvenzione(ctx, d, comune, service, day)
	if err != nil || !d.Allowed {
		return d, err
	}
	return a.confirmAndCount(ctx, d, acc.Grant, service, day)
}

// confirmAndCount checks the decision against the grant as stored (g, read by this request),
// so that a revocation or a narrowed profile committed by any replica denies at once, even
// before this replica's policy follows, and then consumes the daily quotas.
func (a *Authorizer) confirmAndCount(ctx context.Context, d Decision, g *store.Grant, service string, day time.Time) (Decision, error) {
	if g == nil || g.EnteID != d.EnteID {
		return deny(d, ReasonNoGrant), nil
	}
	if !slices.Contains(g.Services, service) {
		return deny(d, ReasonServiceNotInProfile), nil
	}
	exceeded, err := store.ConsumeQuota(ctx, a.db.DB, day, []store.QuotaLimit{
		{Scope: store.GrantQuotaScope(g.ID), Limit: g.DailyQuota},
		{Scope: store.ConvenzioneQuotaScope(d.ConvenzioneID), Limit: d.DailyQuota},
	})
	if err != nil {
		return Decision{}, fmt.Errorf("rbac: authorize query: %w", err)
	}
	if exceeded != "" {
		return deny(d, ReasonQuotaExceeded), nil
	}
	return d, nil
}

// autorizzatoGrant finds the user's AUTORIZZATO grant in the Comune (at most one: a query names
// no Ente, so the store allows one per user and Comune).
func (a *Authorizer) autorizzatoGrant(userID int64, comune string) (Decision, bool) {
	for _, g := range a.RoleGrants(userID, comune) {
		if g.Role == store.RoleAutorizzato {
			return Decision{EnteID: g.EnteID, Role: g.Role}, true
		}
	}
	return Decision{}, false
}

func (a *Authorizer) checkConvenzione(ctx context.Context, d Decision, comune, service string, day time.Time) (Decision, error) {
	convs, err := store.ConvenzioniOf(ctx, a.db.DB, comune, d.EnteID)
	if err != nil {
		return Decision{}, fmt.Errorf("rbac: authorize query: %w", err)
	}
	if len(convs) == 0 {
		return deny(d, ReasonNoConvenzione), nil
	}
	for _, c := range convs { // newest first: the one that started last wins
		if !c.ValidOn(day) {
			continue
		}
		if !c.HasService(service) {
			return deny(d, ReasonServiceNotInConvenzione), nil
		}
		d.Allowed, d.ConvenzioneID, d.DailyQuota = true, c.ID, c.DailyQuota
		return d, nil
	}
	return deny(d, ReasonConvenzioneNotValid), nil
}

func deny(d Decision, reason string) Decision {
	d.Allowed, d.Reason = false, reason
	return d
}
