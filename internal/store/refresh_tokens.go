package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// RefreshToken is a stored refresh token: only its SHA-256 (auth.HashRefreshToken). A family
// is the chain of tokens descending from one sign-in by rotation; all share its expiry.
type RefreshToken struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	ID        int64  `bun:"id,pk,autoincrement"`
	UserID    int64  `bun:"user_id,notnull"`
	TokenHash string `bun:"token_hash,notnull"`
	FamilyID  string `bun:"family_id,notnull"`
	// LoA is the level of assurance of the sign-in that started the family: a refreshed
	// access token says what the original authentication proved, never more.
	LoA       string    `bun:"loa,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	RevokedAt time.Time `bun:"revoked_at,nullzero"`
	// ReplacedBy is the successor's ID once this token has been rotated; a revoked token with
	// a successor that comes back is a replay (ErrRefreshReused).
	ReplacedBy int64 `bun:"replaced_by,nullzero"`
}

var (
	// ErrRefreshInvalid: the refresh token is unknown, expired or revoked, or its user is
	// missing or suspended. Callers answer 401 without saying which.
	ErrRefreshInvalid = errors.New("store: refresh token invalid")
	// ErrRefreshReused: an already-rotated refresh token was presented again, so two parties
	// hold the family; it has been revoked (committed) before this error returns.
	ErrRefreshReused = errors.New("store: refresh token reused")
)

// CreateRefreshToken stores t, starting a new family when t.FamilyID is empty, and deletes
// the user's expired tokens on the way, which keeps the table bounded without a sweeper.
// t.CreatedAt is the clock of the caller (zero: now).
func CreateRefreshToken(ctx context.Context, db bun.IDB, t *RefreshToken) error {
	if t.UserID == 0 || t.TokenHash == "" || t.ExpiresAt.IsZero() {
		return fmt.Errorf("store: create refresh token: user, hash and expiry are required")
	}
	if t.FamilyID == "" {
		t.FamilyID = uuid.NewString()
	}
	t.CreatedAt = stamp(t.CreatedAt)
	t.ExpiresAt = stamp(t.ExpiresAt)
	if _, err := db.NewDelete().Model((*RefreshToken)(nil)).
		Where("user_id = ? AND expires_at <= ?", t.UserID, t.CreatedAt).
		Exec(ctx); err != nil {
		return classify("create refresh token: purge expired", err)
	}
	_, err := db.NewInsert().Model(t).Returning("id").Exec(ctx)
	return classify("create refresh token", err)
}

// RotateRefreshToken exchanges the token whose hash is oldHash for a new one stored under
// newHash, in the same family and with the same expiry, and returns the user (active, with
// the token version to put in the new access token) and the new row. It answers
// ErrRefreshInvalid for an unknown, expired or revoked token or an inactive user (changing
// nothing), and ErrRefreshReused for a token that was already rotated: then the whole family
// is revoked and, if any of it was still live, the user's token version is bumped, so the
// access tokens the thief may hold die too.
func RotateRefreshToken(ctx context.Context, db bun.IDB, oldHash, newHash string, at time.Time) (*UserAuth, *RefreshToken, error) {
	at = stamp(at)
	var (
		user   *UserAuth
		next   *RefreshToken
		reused bool
	)
	err := Tx(ctx, db, func(tx bun.Tx) error {
		old := new(RefreshToken)
		if err := tx.NewSelect().Model(old).Column("id", "user_id").Where("token_hash = ?", oldHash).Scan(ctx); err != nil {
			return refreshInvalid(classify("rotate refresh token", err))
		}
		// Lock the user row (as RevokeUserTokens does), then read the token again: whatever
		// a concurrent rotation or revocation did is now committed and visible.
		u, err := lockUserAuth(ctx, tx, old.UserID)
		if err != nil {
			return refreshInvalid(err)
		}
		if err := tx.NewSelect().Model(old).Where("id = ?", old.ID).Scan(ctx); err != nil {
			return refreshInvalid(classify("rotate refresh token", err))
		}
		switch {
		case !old.RevokedAt.IsZero() && old.ReplacedBy != 0:
			reused = true
			return revokeFamily(ctx, tx, old, at)
		case !old.RevokedAt.IsZero(), !at.Before(old.ExpiresAt), !u.Active:
			return ErrRefreshInvalid
		}
		next = &RefreshToken{UserID: u.ID, TokenHash: newHash, FamilyID: old.FamilyID, LoA: old.LoA,
			ExpiresAt: old.ExpiresAt, CreatedAt: at}
		if _, err := tx.NewInsert().Model(next).Returning("id").Exec(ctx); err != nil {
			return classify("rotate refresh token: insert", err)
		}
		if _, err := tx.NewUpdate().Model((*RefreshToken)(nil)).
			Set("revoked_at = ?", at).Set("replaced_by = ?", next.ID).
			Where("id = ?", old.ID).Exec(ctx); err != nil {
			return classify("rotate refresh token: revoke old", err)
		}
		user = u
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if reused {
		return nil, nil, ErrRefreshReused
	}
	return user, next, nil
}

// revokeFamily revokes the live tokens of old's family; when there were any, it also bumps
// the user's token version. An already-dead family changes nothing, so replaying an old token
// over and over cannot be used to keep signing the user out.
func revokeFamily(ctx context.Context, tx bun.Tx, old *RefreshToken, at time.Time) error {
	res, err := tx.NewUpdate().Model((*RefreshToken)(nil)).
		Set("revoked_at = ?", at).
		Where("family_id = ? AND revoked_at IS NULL", old.FamilyID).
		Exec(ctx)
	if err != nil {
		return classify("revoke refresh family", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return classify("revoke refresh family", err)
	}
	_, err = tx.NewUpdate().Model((*UserAuth)(nil)).
		Set("token_version = token_version + 1").
		Where("id = ?", old.UserID).
		Exec(ctx)
	return classify("revoke refresh family: bump token version", err)
}

// refreshInvalid turns "not found" into ErrRefreshInvalid and keeps other errors as they are.
func refreshInvalid(err error) error {
	if errors.Is(err, ErrNotFound) {
		return ErrRefreshInvalid
	}
	return err
}
