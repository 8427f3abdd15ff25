package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// CreateConvenzione inserts c and sets its ID. ValidFrom and ValidTo are reduced to their
// calendar day (Day); ValidFrom is required, ValidTo zero means open-ended.
func CreateConvenzione(ctx context.Context, db bun.IDB, c *Convenzione) error {
	if c.ValidFrom.IsZero() {
		return fmt.Errorf("store: create convenzione: ValidFrom is required")
	}
	c.ValidFrom = Day(c.ValidFrom)
	if !c.ValidTo.IsZero() {
		c.ValidTo = Day(c.ValidTo)
		if c.ValidTo.Before(c.ValidFrom) {
			return fmt.Errorf("store: create convenzione: ValidTo before ValidFrom")
		}
	}
	if c.Services == nil {
		c.Services = []string{}
	}
	c.CreatedAt = stamp(c.CreatedAt)
	_, err := db.NewInsert().Model(c).Returning("id").Exec(ctx)
	return classify("create convenzione", err)
}

// ConvenzioneFor returns the convenzione between comune and enteID valid on day (its Europe/Rome
// calendar day). When several overlap, the one that started last wins. ErrNotFound when none.
func ConvenzioneFor(ctx context.Context, db bun.IDB, comune string, enteID int64, day time.Time) (*Convenzione, error) {
	d := Day(day)
	c := new(Convenzione)
	err := db.NewSelect().Model(c).
		Where("comune_code = ? AND ente_id = ?", comune, enteID).
		Where("valid_from <= ?", d).
		Where("(valid_to IS NULL OR valid_to >= ?)", d).
		OrderExpr("valid_from DESC, id DESC").
		Limit(1).
		Scan(ctx)
	if err != nil {
		return nil, classify("convenzione for", err)
	}
	return c, nil
}

// ConvenzioniOf returns every convenzione between comune and enteID, newest first.
func ConvenzioniOf(ctx context.Context, db bun.IDB, comune string, enteID int64) ([]Convenzione, error) {
	var out []Convenzione
	err := db.NewSelect().Model(&out).
		Where("comune_code = ? AND ente_id = ?", comune, enteID).
		OrderExpr("valid_from DESC, id DESC").
		Scan(ctx)
	if err != nil {
		return nil, classify("convenzioni of", err)
	}
	return out, nil
}

// ValidOn reports whether c is valid on day (its Europe/Rome calendar day).
func (c *Convenzione) ValidOn(day time.Time) bool {
	d := Day(day)
	if d.Before(Day(c.ValidFrom)) {
		return false
	}
	return c.ValidTo.IsZero() || !d.After(Day(c.ValidTo))
}

// HasService reports whether the convenzione covers service.
func (c *Convenzione) HasService(service string) bool {
	for _, s := range c.Services {
		if s == service {
			return true
		}
	}
	return false
}
