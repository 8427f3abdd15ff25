package rbac

import (
	"context"
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"golang.org/x/sync/errgroup"

	"github.com/varco-anpr/varco/internal/store"
)

// domainPolicy is the loaded policy of one Comune: a Casbin enforcer holding the role
// templates and the Comune's role facts (g), and the AUTORIZZATI's service profiles that the
// model's inProfile function consults.
//
// Profiles are not Casbin facts on purpose: they are grants.services already, and as g2 facts
// (one per user and service) they tripled the facts of a Comune and its load time. A map
// read by a matcher function answers the same question in one lookup.
type domainPolicy struct {
	comune string
	e      *casbin.Enforcer
	// profiles maps a subject ("u:9") to the services of its AUTORIZZATO grant in the Comune.
	// Guarded by Authorizer.mu, like e.
	profiles map[string][]string
}

// profileFunction is the name of the matcher function in model.conf.
const profileFunction = "inProfile"

// loadDomain builds the Comune's policy from the database: its g facts through the Casbin
// adapter (filtered to the Comune), its profiles from the grants.
func loadDomain(ctx context.Context, db *store.DB, comune string) (*domainPolicy, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("rbac: model: %w", err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("rbac: enforcer: %w", err)
	}
	d := &domainPolicy{comune: comune, e: e}
	e.AddFunction(profileFunction, d.inProfile)
	ad, err := NewAdapter(db.DB, policyCSV)
	if err != nil {
		return nil, err
	}
	e.SetAdapter(ad)
	// Facts are written by Batch inside its own transaction, never by the enforcer.
	e.EnableAutoSave(false)
	if err := e.LoadFilteredPolicyCtx(ctx, Filter{Domains: []string{comune}}); err != nil {
		return nil, fmt.Errorf("rbac: load policy of %s: %w", comune, err)
	}
	byUser, err := store.Profiles(ctx, db.DB, comune)
	if err != nil {
		return nil, fmt.Errorf("rbac: load policy of %s: %w", comune, err)
	}
	d.profiles = make(map[string][]string, len(byUser))
	for user, services := range byUser {
		d.profiles[Subject(user)] = services
	}
	return d, nil
}

// inProfile is the matcher function inProfile(sub, dom, service): whether service is in the
// subject's profile in this Comune. The caller of Enforce holds Authorizer.mu.
func (d *domainPolicy) inProfile(args ...any) (any, error) {
	if len(args) != 3 {
		return false, fmt.Errorf("rbac: %s wants 3 arguments, got %d", profileFunction, len(args))
	}
	sub, _ := args[0].(string)
	dom, _ := args[1].(string)
	service, _ := args[2].(string)
	return dom == d.comune && slices.Contains(d.profiles[sub], service), nil
}

// loadConcurrency bounds the Comuni loaded at once at start-up: enough to overlap database
// reads with Casbin's work, few enough not to crowd a small database.
const loadConcurrency = 4

// loadDomains loads the policies of the Comuni, concurrently.
func loadDomains(ctx context.Context, db *store.DB, comuni []string) (map[string]*domainPolicy, error) {
	loaded := make([]*domainPolicy, len(comuni))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(loadConcurrency)
	for i, c := range comuni {
		g.Go(func() error {
			d, err := loadDomain(ctx, db, c)
			loaded[i] = d
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]*domainPolicy, len(comuni))
	for _, d := range loaded {
		out[d.comune] = d
	}
	return out, nil
}
