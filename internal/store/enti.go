package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// CreateEnte inserts e and sets its ID.
func CreateEnte(ctx context.Context, db bun.IDB, e *Ente) error {
	e.CreatedAt = stamp(e.CreatedAt)
	_, err := db.NewInsert().Model(e).Returning("id").Exec(ctx)
	return classify("create ente", err)
}

// GetEnte returns the Ente with the given ID.
func GetEnte(ctx context.Context, db bun.IDB, id int64) (*Ente, error) {
	e := new(Ente)
	if err := db.NewSelect().Model(e).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, classify("get ente", err)
	}
	return e, nil
}

// GetEnteByCodiceIPA returns the Ente with that codice IPA, the public identifier of Italian
// public bodies: a second Comune links an Ente already registered by a first through it.
func GetEnteByCodiceIPA(ctx context.Context, db bun.IDB, codiceIPA string) (*Ente, error) {
	if codiceIPA == "" {
		return nil, fmt.Errorf("store: get ente by codice IPA: %w", ErrNotFound)
	}
	e := new(Ente)
	if err := db.NewSelect().Model(e).Where("codice_ipa = ?", codiceIPA).Scan(ctx); err != nil {
		return nil, classify("get ente by codice IPA", err)
	}
	return e, nil
}
