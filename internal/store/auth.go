package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// UserAuth is the part of a user row that authentication reads: kept apart from User so that
// the authenticate middleware reads three small columns, and so the lockout and token-version
// columns stay out of every other query.
type UserAuth struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64  `bun:"id,pk"`
	PasswordHash string `bun:"password_hash" json:"-"`
	Active       bool   `bun:"active"`
	// TokenVersion is compared with the "ver" claim of access tokens: RevokeUserTokens bumps
	// it, which invalidates every access token issued before.
	TokenVersion int64 `bun:"token_version"`
	// FailedLogins counts consecutive failed password sign-ins (see auth.LockDelay).
	FailedLogins      int       `bun:"failed_logins"`
	LastFailedLoginAt time.Time `bun:"last_failed_login_at,nullzero"`
}

// GetUserAuth returns what the per-request check needs (id, active, token version): one
// primary-key lookup.
func GetUserAuth(ctx context.Context, db bun.IDB, id int64) (*UserAuth, error) {
	u := new(UserAuth)
	err := db.NewSelect().Model(u).Column("id", "active", "token_version").Where("id = ?", id).Scan(ctx)
	if err != nil {
		return nil, classify("get user auth", err)
	}
	return u, nil
}

// GetUserAuthByUsername returns everything sign-in needs about a username.
func GetUserAuthByUsername(ctx context.Context, db bun.IDB, username string) (*UserAuth, error) {
	u := new(UserAuth)
	if err := db.NewSelect().Model(u).Where("username = ?", username).Scan(ctx); err != nil {
		return nil, classify("get user auth by username", err)
	}
	return u, nil
}

// ClaimLoginAttempt counts a password attempt as a failure before the password is checked,
// as a compare-and-set on the count read earlier: it sets failed_logins to next (and the last
// failure time to at) only if the row still holds expect. claimed=false means another attempt
// got there first; the caller refuses this one. Counting first is what stops a burst of
// parallel guesses from all being checked before the lock takes effect; a success then calls
// ResetLoginFailures.
func ClaimLoginAttempt(ctx context.Context, db bun.IDB, userID int64, expect, next int, at time.Time) (claimed bool, err error) {
	res, err := db.NewUpdate().Model((*UserAuth)(nil)).
		Set("failed_logins = ?", next).
		Set("last_failed_login_at = ?", stamp(at)).
		Where("id = ? AND failed_logins = ?", userID, expect).
		Exec(ctx)
	return affectedOne("claim login attempt", res, err)
}

// ResetLoginFailures clears a user's failure count: after a successful sign-in, and when an
// administrator resets the user's credentials.
func ResetLoginFailures(ctx context.Context, db bun.IDB, userID int64) error {
	_, err := db.NewUpdate().Model((*UserAuth)(nil)).
		Set("failed_logins = 0").
		Set("last_failed_login_at = NULL").
		Where("id = ?", userID).
		Exec(ctx)
	return classify("reset login failures", err)
}

// RevokeUserTokens ends every session of a user at once: it bumps the token version (so every
// access token already issued is refused at its next use) and revokes all the user's refresh
// tokens. Logout calls it, and so must administrative suspension and credential reset.
// ErrNotFound when the user does not exist. Safe inside a caller's transaction.
func RevokeUserTokens(ctx context.Context, db bun.IDB, userID int64) error {
	return Tx(ctx, db, func(tx bun.Tx) error {
		// The users row first: RotateRefreshToken locks it too, so a rotation running at the
		// same time either finishes before this (and its new token is revoked below) or
		// starts after (and sees its token revoked).
		res, err := tx.NewUpdate().Model((*UserAuth)(nil)).
			Set("token_version = token_version + 1").
			Where("id = ?", userID).
			Exec(ctx)
		if err != nil {
			return classify("revoke user tokens", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return classify("revoke user tokens", err)
		} else if n == 0 {
			return fmt.Errorf("store: revoke user tokens: %w", ErrNotFound)
		}
		_, err = tx.NewUpdate().Model((*RefreshToken)(nil)).
			Set("revoked_at = ?", now()).
			Where("user_id = ? AND revoked_at IS NULL", userID).
			Exec(ctx)
		return classify("revoke user tokens", err)
	})
}

// lockUserAuth reads a user's auth row inside tx, locking it on PostgreSQL; SQLite needs no
// row lock because its transactions start with the database's single write lock
// (_txlock=immediate).
func lockUserAuth(ctx context.Context, tx bun.Tx, userID int64) (*UserAuth, error) {
	u := new(UserAuth)
	q := tx.NewSelect().Model(u).Column("id", "active", "token_version").Where("id = ?", userID)
	if tx.Dialect().Name() == dialect.PG {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, classify("lock user", err)
	}
	return u, nil
}
