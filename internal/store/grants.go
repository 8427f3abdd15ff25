package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"
)

// CreateGrant inserts g and sets its ID. TOP grants carry no Ente (EnteID 0); ADMIN and
// AUTORIZZATO grants need one. ErrConflict for a duplicate grant or a second AUTORIZZATO grant
// of the same user in the same Comune; ErrInvalidReference for a missing user, Comune or Ente.
// Most callers want rbac.Authorizer.AddGrant, which also writes the Casbin rules.
func CreateGrant(ctx context.Context, db bun.IDB, g *Grant) error {
	if err := validateGrant(g); err != nil {
		return err
	}
	if g.Services == nil {
		g.Services = []string{}
	}
	g.CreatedAt = stamp(g.CreatedAt)
	_, err := db.NewInsert().Model(g).Returning("id").Exec(ctx)
	return classify("create grant", err)
}

func validateGrant(g *Grant) error {
	switch g.Role {
	case RoleTop:
		if g.EnteID != 0 {
			return fmt.Errorf("store: create grant: a TOP grant has no Ente")
		}
	case RoleAdmin, RoleAutorizzato:
		if g.EnteID == 0 {
			return fmt.Errorf("store: create grant: role %s needs an Ente", g.Role)
		}
	default:
		return fmt.Errorf("store: create grant: unknown role %q", g.Role)
	}
	if g.UserID == 0 || g.ComuneCode == "" {
		return fmt.Errorf("store: create grant: user and Comune are required")
	}
	return nil
}

// GrantsOfUser returns the user's grants ordered by Comune, role and Ente.
func GrantsOfUser(ctx context.Context, db bun.IDB, userID int64) ([]Grant, error) {
	var out []Grant
	err := db.NewSelect().Model(&out).
		Where("user_id = ?", userID).
		OrderExpr("comune_code ASC, role ASC, COALESCE(ente_id, 0) ASC, id ASC").
		Scan(ctx)
	if err != nil {
		return nil, classify("grants of user", err)
	}
	return out, nil
}

// Profiles returns the service profile of every AUTORIZZATO grant in the Comune, by user id.
// It is what rbac loads with a Comune's Casbin facts, so it reads two columns and decodes them
// by hand (10,000 rows in a few milliseconds).
func Profiles(ctx context.Context, db bun.IDB, comune string) (map[int64][]string, error) {
	rows, err := db.NewSelect().Model((*Grant)(nil)).Column("user_id", "services").
		Where("comune_code = ? AND role = ?", comune, RoleAutorizzato).Rows(ctx)
	if err != nil {
		return nil, classify("profiles", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var (
			user int64
			raw  []byte
		)
		if err := rows.Scan(&user, &raw); err != nil {
			return nil, classify("profiles", err)
		}
		var services []string
		if err := json.Unmarshal(raw, &services); err != nil {
			return nil, fmt.Errorf("store: profiles: grant of user %d: %w", user, err)
		}
		out[user] = services
	}
	return out, classify("profiles", rows.Err())
}
