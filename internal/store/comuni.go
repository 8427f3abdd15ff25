package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// CreateComune inserts c. CreatedAt is set when zero.
func CreateComune(ctx context.Context, db bun.IDB, c *Comune) error {
	if c.Code == "" {
		return fmt.Errorf("store: create comune: empty code")
	}
	c.CreatedAt = stamp(c.CreatedAt)
	if c.PurposeIDs == nil {
		c.PurposeIDs = map[string]string{}
	}
	_, err := db.NewInsert().Model(c).Exec(ctx)
	return classify("create comune", err)
}

// GetComune returns the Comune with the given Belfiore code.
func GetComune(ctx context.Context, db bun.IDB, code string) (*Comune, error) {
	c := new(Comune)
	err := db.NewSelect().Model(c).Where("code = ?", code).Scan(ctx)
	if err != nil {
		return nil, classify("get comune", err)
	}
	return c, nil
}

// ListComuni returns every Comune ordered by code.
func ListComuni(ctx context.Context, db bun.IDB) ([]Comune, error) {
	var out []Comune
	if err := db.NewSelect().Model(&out).Order("code ASC").Scan(ctx); err != nil {
		return nil, classify("list comuni", err)
	}
	return out, nil
}

// CountComuni returns how many Comuni exist.
func CountComuni(ctx context.Context, db bun.IDB) (int64, error) {
	n, err := db.NewSelect().Model((*Comune)(nil)).Count(ctx)
	if err != nil {
		return 0, classify("count comuni", err)
	}
	return n, nil
}

// ComuneCodes returns the code of every Comune, sorted.
func ComuneCodes(ctx context.Context, db bun.IDB) ([]string, error) {
	var out []string
	if err := db.NewSelect().Model((*Comune)(nil)).Column("code").Order("code ASC").Scan(ctx, &out); err != nil {
		return nil, classify("comune codes", err)
	}
	return out, nil
}
