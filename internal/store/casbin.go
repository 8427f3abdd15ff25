package store

import (
	"context"

	"github.com/uptrace/bun"
)

// InsertCasbinRules stores rules, skipping those already present (the rules are facts: writing
// one twice is not an error).
func InsertCasbinRules(ctx context.Context, db bun.IDB, rules []CasbinRule) error {
	if len(rules) == 0 {
		return nil
	}
	_, err := db.NewInsert().Model(&rules).
		On("CONFLICT (ptype, v0, v1, v2, v3, v4, v5) DO NOTHING").
		Exec(ctx)
	return classify("insert casbin rules", err)
}

// CasbinRules returns the stored rules; with domains, only the rules whose domain (v2, the
// Comune of g rules) is one of them.
func CasbinRules(ctx context.Context, db bun.IDB, domains ...string) ([]CasbinRule, error) {
	var out []CasbinRule
	sel := db.NewSelect().Model(&out)
	switch len(domains) {
	case 0:
		sel = sel.OrderExpr("id ASC")
	case 1:
		// Equality lets the (v2) index serve both the filter and the order (its entries are
		// sorted by v2, then id); with IN and ORDER BY id, SQLite preferred scanning the whole
		// table in id order — 280 ms for one Comune among 100 × 10,000 users.
		sel = sel.Where("v2 = ?", domains[0]).OrderExpr("v2, id")
	default:
		sel = sel.Where("v2 IN (?)", bun.In(domains)).OrderExpr("v2, id")
	}
	// Scanned by hand: bun's reflection-based scan was most of the load time at 40,000 rules.
	// Varco's facts (g) have three fields; v3–v5 are never written, so they are not read.
	rows, err := sel.Column("id", "ptype", "v0", "v1", "v2").Rows(ctx)
	if err != nil {
		return nil, classify("casbin rules", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r CasbinRule
		if err := rows.Scan(&r.ID, &r.PType, &r.V0, &r.V1, &r.V2); err != nil {
			return nil, classify("casbin rules", err)
		}
		out = append(out, r)
	}
	return out, classify("casbin rules", rows.Err())
}

// DeleteCasbinRules deletes the rules of ptype whose values, from field index fieldIndex on,
// equal the non-empty values given (Casbin's RemoveFilteredPolicy semantics).
func DeleteCasbinRules(ctx context.Context, db bun.IDB, ptype string, fieldIndex int, values ...string) (int64, error) {
	del := db.NewDelete().Model((*CasbinRule)(nil)).Where("ptype = ?", ptype)
	for i, v := range values {
		idx := fieldIndex + i
		if v == "" || idx > 5 {
			continue
		}
		del = del.Where("? = ?", bun.Ident("v"+string(rune('0'+idx))), v)
	}
	res, err := del.Exec(ctx)
	if err != nil {
		return 0, classify("delete casbin rules", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, classify("delete casbin rules", err)
	}
	return n, nil
}
