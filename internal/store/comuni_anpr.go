package store

import (
	"context"

	"github.com/uptrace/bun"
)

// UpdateComuneANPR replaces a Comune's ANPR access profile: environment, PDND client, sealed
// key, purposes, endpoints and operator identity.
func UpdateComuneANPR(ctx context.Context, db bun.IDB, c *Comune) error {
	res, err := db.NewUpdate().Model(c).
		Column("environment", "pdnd_client_id", "pdnd_kid", "private_key_pem", "purpose_ids",
			"token_url", "assertion_audience", "service_base_url", "audience_base",
			"operator_mode", "operator_id").
		WherePK().Exec(ctx)
	if err != nil {
		return classify("update comune", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return classify("update comune", ErrNotFound)
	}
	return nil
}
