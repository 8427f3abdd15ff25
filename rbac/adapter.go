package rbac

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
)

// Filter selects the Comuni (domains) whose rules an Adapter loads; no Domains = all.
type Filter struct {
	Domains []string
}

// Adapter is a Casbin adapter over the casbin_rules table (created by store migrations). It
// always loads the base rules it was given first (the embedded role templates, which are code,
// not data), then the stored facts, optionally filtered per Comune. Only grouping rules (g)
// are stored: their domain is v2, which the filter and the index use.
type Adapter struct {
	db       bun.IDB
	base     [][]string
	filtered bool
}

var (
	_ persist.FilteredAdapter        = (*Adapter)(nil)
	_ persist.ContextFilteredAdapter = (*Adapter)(nil)
)

// NewAdapter returns an adapter over db whose loads start with the rules of the CSV text base.
func NewAdapter(db bun.IDB, base string) (*Adapter, error) {
	rules, err := parseCSV(base)
	if err != nil {
		return nil, err
	}
	return &Adapter{db: db, base: rules}, nil
}

func parseCSV(text string) ([][]string, error) {
	var rules [][]string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := csv.NewReader(strings.NewReader(line))
		r.TrimLeadingSpace = true
		rec, err := r.Read()
		if err != nil || len(rec) < 2 {
			return nil, fmt.Errorf("rbac: base policy line %d: malformed", i+1)
		}
		rules = append(rules, rec)
	}
	return rules, nil
}

// LoadPolicyCtx loads the base rules and every stored rule.
func (a *Adapter) LoadPolicyCtx(ctx context.Context, m model.Model) error {
	return a.LoadFilteredPolicyCtx(ctx, m, nil)
}

// LoadFilteredPolicyCtx loads the base rules and the stored rules of the filter's Comuni.
// filter is a Filter, *Filter or nil.
func (a *Adapter) LoadFilteredPolicyCtx(ctx context.Context, m model.Model, filter interface{}) error {
	var domains []string
	switch f := filter.(type) {
	case nil:
	case Filter:
		domains = f.Domains
	case *Filter:
		if f != nil {
			domains = f.Domains
		}
	default:
		return fmt.Errorf("rbac: adapter: unsupported filter type %T", filter)
	}
	for _, rule := range a.base {
		if err := persist.LoadPolicyArray(rule, m); err != nil {
			return fmt.Errorf("rbac: load base policy: %w", err)
		}
	}
	rows, err := store.CasbinRules(ctx, a.db, domains...)
	if err != nil {
		return fmt.Errorf("rbac: load rules: %w", err)
	}
	for _, row := range rows {
		if err := persist.LoadPolicyArray(ruleOf(row), m); err != nil {
			return fmt.Errorf("rbac: load rule %d: %w", row.ID, err)
		}
	}
	a.filtered = len(domains) > 0
	return nil
}

// ruleOf turns a row into Casbin's [ptype, v0, ...] without trailing empty values.
func ruleOf(r store.CasbinRule) []string {
	rule := []string{r.PType, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
	for len(rule) > 2 && rule[len(rule)-1] == "" {
		rule = rule[:len(rule)-1]
	}
	return rule
}

// rowOf turns a grouping rule into a row.
func rowOf(ptype string, rule []string) (store.CasbinRule, error) {
	if !strings.HasPrefix(ptype, "g") {
		return store.CasbinRule{}, fmt.Errorf("rbac: adapter: only grouping rules are stored, got %q", ptype)
	}
	if len(rule) > 6 {
		return store.CasbinRule{}, fmt.Errorf("rbac: adapter: rule has %d values, at most 6", len(rule))
	}
	v := make([]string, 6)
	copy(v, rule)
	return store.CasbinRule{PType: ptype, V0: v[0], V1: v[1], V2: v[2], V3: v[3], V4: v[4], V5: v[5]}, nil
}

// IsFilteredCtx reports whether the last load was restricted to some Comuni.
func (a *Adapter) IsFilteredCtx(context.Context) bool { return a.filtered }

// SavePolicyCtx replaces the stored facts with the model's grouping rules.
func (a *Adapter) SavePolicyCtx(ctx context.Context, m model.Model) error {
	if a.filtered {
		return errors.New("rbac: adapter: cannot save a filtered policy")
	}
	var rows []store.CasbinRule
	for ptype, ast := range m["g"] {
		for _, rule := range ast.Policy {
			row, err := rowOf(ptype, rule)
			if err != nil {
				return err
			}
			rows = append(rows, row)
		}
	}
	return store.Tx(ctx, a.db, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*store.CasbinRule)(nil)).Where("1 = 1").Exec(ctx); err != nil {
			return fmt.Errorf("rbac: save policy: %w", err)
		}
		return store.InsertCasbinRules(ctx, tx, rows)
	})
}

// AddPolicyCtx stores one grouping rule.
func (a *Adapter) AddPolicyCtx(ctx context.Context, _ string, ptype string, rule []string) error {
	row, err := rowOf(ptype, rule)
	if err != nil {
		return err
	}
	return store.InsertCasbinRules(ctx, a.db, []store.CasbinRule{row})
}

// RemovePolicyCtx deletes one grouping rule.
func (a *Adapter) RemovePolicyCtx(ctx context.Context, _ string, ptype string, rule []string) error {
	row, err := rowOf(ptype, rule)
	if err != nil {
		return err
	}
	_, err = a.db.NewDelete().Model((*store.CasbinRule)(nil)).
		Where("ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?",
			row.PType, row.V0, row.V1, row.V2, row.V3, row.V4, row.V5).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("rbac: remove rule: %w", err)
	}
	return nil
}

// RemoveFilteredPolicyCtx deletes the rules matching Casbin's field filter.
func (a *Adapter) RemoveFilteredPolicyCtx(ctx context.Context, _ string, ptype string, fieldIndex int, fieldValues ...string) error {
	_, err := store.DeleteCasbinRules(ctx, a.db, ptype, fieldIndex, fieldValues...)
	return err
}

// The context-free methods Casbin's Adapter interface asks for delegate with a background
// context; Varco itself always calls the Ctx variants.

// LoadPolicy implements persist.Adapter.
func (a *Adapter) LoadPolicy(m model.Model) error { return a.LoadPolicyCtx(context.Background(), m) }

// LoadFilteredPolicy implements persist.FilteredAdapter.
func (a *Adapter) LoadFilteredPolicy(m model.Model, filter interface{}) error {
	return a.LoadFilteredPolicyCtx(context.Background(), m, filter)
}

// IsFiltered implements persist.FilteredAdapter.
func (a *Adapter) IsFiltered() bool { return a.filtered }

// SavePolicy implements persist.Adapter.
func (a *Adapter) SavePolicy(m model.Model) error { return a.SavePolicyCtx(context.Background(), m) }

// AddPolicy implements persist.Adapter.
func (a *Adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicyCtx(context.Background(), sec, ptype, rule)
}

// RemovePolicy implements persist.Adapter.
func (a *Adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicyCtx(context.Background(), sec, ptype, rule)
}

// RemoveFilteredPolicy implements persist.Adapter.
func (a *Adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.RemoveFilteredPolicyCtx(context.Background(), sec, ptype, fieldIndex, fieldValues...)
}
