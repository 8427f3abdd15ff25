package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// SignIn is one Temporal Web UI sign-in in progress (api's OpenID Provider): the UI's
// authorize request, then the user who signed in, then the code the UI exchanges. In the
// database, not in one API replica's memory, so a sign-in started on one replica ends on
// another.
type SignIn struct {
	bun.BaseModel `bun:"table:oidc_sign_ins"`

	ID        string     `bun:"id,pk"`
	Request   string     `bun:"request,notnull"` // the authorize request, JSON
	CreatedAt time.Time  `bun:"created_at,notnull"`
	Code      *string    `bun:"code"`
	Subject   string     `bun:"subject,notnull"` // the user id once signed in, "" before
	Username  string     `bun:"username,notnull"`
	AuthTime  *time.Time `bun:"auth_time"`
}

// SignIns stores the sign-ins in progress. Every read takes `since`: a sign-in created before
// it has expired and is not found, whether or not it was removed yet.
type SignIns struct{ DB bun.IDB }

// Start removes the sign-ins created before since, then inserts s unless max younger ones are
// waiting (ok false: a flood of authorize requests cannot grow the table without bound). The
// count and the insert are two statements: with several replicas the cap is approximate.
func (x SignIns) Start(ctx context.Context, s *SignIn, since time.Time, max int) (ok bool, err error) {
	if _, err := x.DB.NewDelete().Model((*SignIn)(nil)).Where("created_at < ?", stamp(since)).Exec(ctx); err != nil {
		return false, classify("expire sign-ins", err)
	}
	n, err := x.DB.NewSelect().Model((*SignIn)(nil)).Count(ctx)
	if err != nil {
		return false, classify("count sign-ins", err)
	}
	if int(n) >= max {
		return false, nil
	}
	s.CreatedAt = stamp(s.CreatedAt)
	if _, err := x.DB.NewInsert().Model(s).Exec(ctx); err != nil {
		return false, classify("start sign-in", err)
	}
	return true, nil
}

// Get reads the sign-in id created at or after since (ErrNotFound otherwise).
func (x SignIns) Get(ctx context.Context, id string, since time.Time) (*SignIn, error) {
	return x.one(ctx, "id = ?", id, since)
}

// ByCode reads the sign-in its code was saved on, created at or after since.
func (x SignIns) ByCode(ctx context.Context, code string, since time.Time) (*SignIn, error) {
	return x.one(ctx, "code = ?", code, since)
}

func (x SignIns) one(ctx context.Context, where string, arg any, since time.Time) (*SignIn, error) {
	s := new(SignIn)
	err := x.DB.NewSelect().Model(s).Where(where, arg).Where("created_at >= ?", stamp(since)).Scan(ctx)
	if err != nil {
		return nil, classify("sign-in", err)
	}
	return s, nil
}

// Complete records the signed-in user on a pending sign-in created at or after since; false
// when it is gone, expired or already completed (a sign-in is completed once).
func (x SignIns) Complete(ctx context.Context, id, subject, username string, at, since time.Time) (bool, error) {
	at = stamp(at)
	res, err := x.DB.NewUpdate().Model((*SignIn)(nil)).
		Set("subject = ?", subject).Set("username = ?", username).Set("auth_time = ?", at).
		Where("id = ?", id).Where("subject = ''").Where("created_at >= ?", stamp(since)).Exec(ctx)
	return affectedOne("complete sign-in", res, err)
}

// SetCode saves the authorization code issued for the sign-in id (ErrNotFound without one).
func (x SignIns) SetCode(ctx context.Context, id, code string) error {
	res, err := x.DB.NewUpdate().Model((*SignIn)(nil)).Set("code = ?", code).Where("id = ?", id).Exec(ctx)
	ok, err := affectedOne("save sign-in code", res, err)
	if err == nil && !ok {
		return fmt.Errorf("store: save sign-in code: %w", ErrNotFound)
	}
	return err
}

// Delete removes the sign-in id: once its code is exchanged, the code works no more.
func (x SignIns) Delete(ctx context.Context, id string) error {
	_, err := x.DB.NewDelete().Model((*SignIn)(nil)).Where("id = ?", id).Exec(ctx)
	return classify("delete sign-in", err)
}
