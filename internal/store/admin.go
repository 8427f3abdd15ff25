package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/uptrace/bun"
)

// Repository functions of the administration API (issue 4). Scope checks are the caller's
// (rbac and api): these functions only filter by what they are given.

// EntiVisible returns the Enti a TOP of the given Comuni may see (those with a convenzione in
// one of them, or registered by one of them) plus the Enti with the given IDs, by ID.
func EntiVisible(ctx context.Context, db bun.IDB, comuni []string, enteIDs []int64) ([]Ente, error) {
	var out []Ente
	if len(comuni) == 0 && len(enteIDs) == 0 {
		return out, nil
	}
	sel := db.NewSelect().Model(&out).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
		if len(comuni) > 0 {
			sub := db.NewSelect().Model((*Convenzione)(nil)).Column("ente_id").Where("comune_code IN (?)", bun.In(comuni))
			q = q.WhereOr("id IN (?)", sub).WhereOr("created_by_comune IN (?)", bun.In(comuni))
		}
		if len(enteIDs) > 0 {
			q = q.WhereOr("id IN (?)", bun.In(enteIDs))
		}
		return q
	})
	if err := sel.OrderExpr("id ASC").Scan(ctx); err != nil {
		return nil, classify("enti visible", err)
	}
	return out, nil
}

// ListConvenzioni returns the Comune's convenzioni, only those of the given Enti when some are
// given, newest first.
func ListConvenzioni(ctx context.Context, db bun.IDB, comune string, enteIDs ...int64) ([]Convenzione, error) {
	var out []Convenzione
	sel := db.NewSelect().Model(&out).Where("comune_code = ?", comune)
	if len(enteIDs) > 0 {
		sel = sel.Where("ente_id IN (?)", bun.In(enteIDs))
	}
	if err := sel.OrderExpr("valid_from DESC, id DESC").Scan(ctx); err != nil {
		return nil, classify("list convenzioni", err)
	}
	return out, nil
}

// GetConvenzione returns the convenzione with the ID in the Comune: one of another Comune is
// ErrNotFound, as if it did not exist.
func GetConvenzione(ctx context.Context, db bun.IDB, comune string, id int64) (*Convenzione, error) {
	c := new(Convenzione)
	if err := db.NewSelect().Model(c).Where("id = ? AND comune_code = ?", id, comune).Scan(ctx); err != nil {
		return nil, classify("get convenzione", err)
	}
	return c, nil
}

// UpdateConvenzione stores c's services, end date and daily quota.
func UpdateConvenzione(ctx context.Context, db bun.IDB, c *Convenzione) error {
	if !c.ValidTo.IsZero() {
		c.ValidTo = Day(c.ValidTo)
		if c.ValidTo.Before(Day(c.ValidFrom)) {
			return fmt.Errorf("store: update convenzione: ValidTo before ValidFrom")
		}
	}
	if c.Services == nil {
		c.Services = []string{}
	}
	_, err := db.NewUpdate().Model(c).Column("services", "valid_to", "daily_quota").WherePK().Exec(ctx)
	return classify("update convenzione", err)
}

// GetGrant returns the grant with the ID in the Comune (ErrNotFound for another Comune's).
func GetGrant(ctx context.Context, db bun.IDB, comune string, id int64) (*Grant, error) {
	g := new(Grant)
	if err := db.NewSelect().Model(g).Where("id = ? AND comune_code = ?", id, comune).Scan(ctx); err != nil {
		return nil, classify("get grant", err)
	}
	return g, nil
}

// GrantsIn returns the Comune's grants, those of one user when userID is not 0, ordered by
// user, role and Ente.
func GrantsIn(ctx context.Context, db bun.IDB, comune string, userID int64) ([]Grant, error) {
	var out []Grant
	sel := db.NewSelect().Model(&out).Where("comune_code = ?", comune)
	if userID != 0 {
		sel = sel.Where("user_id = ?", userID)
	}
	if err := sel.OrderExpr("user_id ASC, role ASC, COALESCE(ente_id, 0) ASC, id ASC").Scan(ctx); err != nil {
		return nil, classify("grants in", err)
	}
	return out, nil
}

// AutorizzatoGrant returns the user's AUTORIZZATO grant in the Comune (at most one exists).
func AutorizzatoGrant(ctx context.Context, db bun.IDB, userID int64, comune string) (*Grant, error) {
	g := new(Grant)
	err := db.NewSelect().Model(g).
		Where("user_id = ? AND comune_code = ? AND role = ?", userID, comune, RoleAutorizzato).
		Scan(ctx)
	if err != nil {
		return nil, classify("autorizzato grant", err)
	}
	return g, nil
}

// DeleteGrant deletes the grant row (its Casbin facts are the caller's: rbac.Batch).
func DeleteGrant(ctx context.Context, db bun.IDB, id int64) error {
	res, err := db.NewDelete().Model((*Grant)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return classify("delete grant", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify("delete grant", err)
	} else if n == 0 {
		return fmt.Errorf("store: delete grant: %w", ErrNotFound)
	}
	return nil
}

// UpdateGrantProfile stores g's services and daily quota.
func UpdateGrantProfile(ctx context.Context, db bun.IDB, g *Grant) error {
	if g.Services == nil {
		g.Services = []string{}
	}
	_, err := db.NewUpdate().Model(g).Column("services", "daily_quota").WherePK().Exec(ctx)
	return classify("update grant profile", err)
}

// ActiveTops returns the IDs of the active users holding a TOP grant in the Comune.
func ActiveTops(ctx context.Context, db bun.IDB, comune string) ([]int64, error) {
	var ids []int64
	err := db.NewSelect().TableExpr("grants AS g").ColumnExpr("g.user_id").
		Join("JOIN users AS u ON u.id = g.user_id").
		Where("g.comune_code = ? AND g.role = ? AND u.active", comune, RoleTop).
		OrderExpr("g.user_id ASC").
		Scan(ctx, &ids)
	if err != nil {
		return nil, classify("active tops", err)
	}
	return ids, nil
}

// UsersByID returns the users with the given IDs, by ID.
func UsersByID(ctx context.Context, db bun.IDB, ids []int64) ([]User, error) {
	var out []User
	if len(ids) == 0 {
		return out, nil
	}
	if err := db.NewSelect().Model(&out).Where("id IN (?)", bun.In(ids)).OrderExpr("id ASC").Scan(ctx); err != nil {
		return nil, classify("users by id", err)
	}
	return out, nil
}

// SetUserDisplayName changes the user's display name.
func SetUserDisplayName(ctx context.Context, db bun.IDB, id int64, name string) error {
	return updateUser(ctx, db, "set user display name", id, "display_name = ?", name)
}

// SetUserPasswordHash replaces the user's password hash with an administrator's one-time
// password: the user must change it at their next sign-in.
func SetUserPasswordHash(ctx context.Context, db bun.IDB, id int64, hash string) error {
	if err := updateUser(ctx, db, "set user password", id, "password_hash = ?", hash); err != nil {
		return err
	}
	return updateUser(ctx, db, "set user password", id, "must_change_password = ?", true)
}

// ChangePassword sets the password the user chose and ends their other sessions (the token
// version is bumped, refresh tokens revoked): someone who knew the old one is signed out.
func ChangePassword(ctx context.Context, db bun.IDB, id int64, hash string) error {
	return Tx(ctx, db, func(tx bun.Tx) error {
		if err := updateUser(ctx, tx, "change password", id, "password_hash = ?", hash); err != nil {
			return err
		}
		if err := updateUser(ctx, tx, "change password", id, "must_change_password = ?", false); err != nil {
			return err
		}
		return RevokeUserTokens(ctx, tx, id)
	})
}

func updateUser(ctx context.Context, db bun.IDB, op string, id int64, set string, arg any) error {
	res, err := db.NewUpdate().Model((*User)(nil)).Set(set, arg).Set("updated_at = ?", now()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return classify(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify(op, err)
	} else if n == 0 {
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	return nil
}

// QueryAccess is what a query's authorization reads of the database: whether the user is
// active, and their AUTORIZZATO grant in the Comune (nil when they hold none).
type QueryAccess struct {
	Active bool
	Grant  *Grant
}

// GetQueryAccess reads the user's state and AUTORIZZATO grant in the Comune in one round trip
// (it runs on every query); ErrNotFound when the user does not exist.
func GetQueryAccess(ctx context.Context, db bun.IDB, userID int64, comune string) (QueryAccess, error) {
	var (
		acc      QueryAccess
		id, ente sql.NullInt64
		quota    sql.NullInt64
		services []byte
	)
	err := db.QueryRowContext(ctx, `SELECT u.active, g.id, g.ente_id, g.services, g.daily_quota
		FROM users u LEFT JOIN grants g ON g.user_id = u.id AND g.comune_code = ? AND g.role = ?
		WHERE u.id = ?`, comune, RoleAutorizzato, userID).Scan(&acc.Active, &id, &ente, &services, &quota)
	if err != nil {
		return QueryAccess{}, classify("query access", err)
	}
	if !id.Valid {
		return acc, nil
	}
	g := &Grant{ID: id.Int64, UserID: userID, ComuneCode: comune, EnteID: ente.Int64, Role: RoleAutorizzato,
		DailyQuota: int(quota.Int64)}
	if err := json.Unmarshal(services, &g.Services); err != nil {
		return QueryAccess{}, fmt.Errorf("store: query access: grant %d services: %w", g.ID, err)
	}
	acc.Grant = g
	return acc, nil
}
