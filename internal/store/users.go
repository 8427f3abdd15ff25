package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// ReservedUsername is the operator identity Varco presents to ANPR for its own calls
// (anpr.SystemOperator): no person may hold it.
const ReservedUsername = "varco-system"

// CreateUser inserts u and sets its ID. ErrConflict when the username is taken or reserved.
func CreateUser(ctx context.Context, db bun.IDB, u *User) error {
	if u.Username == "" {
		return fmt.Errorf("store: create user: empty username")
	}
	if strings.EqualFold(u.Username, ReservedUsername) {
		return fmt.Errorf("store: create user %q: reserved for Varco's own calls: %w", u.Username, ErrConflict)
	}
	u.CreatedAt = stamp(u.CreatedAt)
	u.UpdatedAt = u.CreatedAt
	_, err := db.NewInsert().Model(u).Returning("id").Exec(ctx)
	return classify("create user", err)
}

// GetUser returns the user with the given ID.
func GetUser(ctx context.Context, db bun.IDB, id int64) (*User, error) {
	u := new(User)
	if err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, classify("get user", err)
	}
	return u, nil
}

// GetUserByUsername returns the user with the given username.
func GetUserByUsername(ctx context.Context, db bun.IDB, username string) (*User, error) {
	u := new(User)
	if err := db.NewSelect().Model(u).Where("username = ?", username).Scan(ctx); err != nil {
		return nil, classify("get user by username", err)
	}
	return u, nil
}

// SetUserActive suspends (active=false) or reactivates a user. ErrNotFound when missing.
func SetUserActive(ctx context.Context, db bun.IDB, id int64, active bool) error {
	res, err := db.NewUpdate().Model((*User)(nil)).
		Set("active = ?", active).
		Set("updated_at = ?", now()).
		Where("id = ?", id).
		Exec(ctx)
	if err != nil {
		return classify("set user active", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return classify("set user active", err)
	} else if n == 0 {
		return fmt.Errorf("store: set user active: %w", ErrNotFound)
	}
	return nil
}
