package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// target loads the user named in the path for act: 404 when the caller may not read any of
// their grants in the Comune (another Comune's or another Ente's user looks nonexistent), 403
// for oneself (nobody administers themselves) and when act is not allowed on every grant the
// user holds in the Comune.
func (x *adminReq) target(act string) (*store.User, []store.Grant, error) {
	id, ok := pathID(x.c, "id")
	if ok && id == x.actor && act != rbac.ActRead {
		return nil, nil, x.deny(errcode.Forbidden, "you cannot administer yourself")
	}
	var grants []store.Grant
	var err error
	if ok {
		grants, err = store.GrantsIn(x.ctx(), x.s.DB, x.comune, id)
		if err != nil {
			return nil, nil, err
		}
	}
	readable, err := x.readable(grants)
	if err != nil {
		return nil, nil, err
	}
	if len(readable) == 0 {
		return nil, nil, x.deny(errcode.NotFound, "no such user")
	}
	x.ev.EnteID = enteOf(grants)
	if ok, err := x.az.MayOnAll(x.actor, grants, act); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, x.deny(errcode.Forbidden, "this user is outside what you may administer")
	}
	u, err := store.GetUser(x.ctx(), x.s.DB, id)
	if err != nil {
		return nil, nil, err
	}
	x.ev.Before = snapshot(userView(u, grants))
	return u, grants, nil
}

// readable keeps the grants the caller may read.
func (x *adminReq) readable(grants []store.Grant) ([]store.Grant, error) {
	var out []store.Grant
	for i := range grants {
		ok, err := x.az.MayOnGrant(x.actor, &grants[i], rbac.ActRead)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, grants[i])
		}
	}
	return out, nil
}

// topComuni are the Comuni where the grants make the user a TOP: a suspension or removal
// must leave each of them another active TOP.
func topComuni(grants []store.Grant) []string {
	var out []string
	for _, g := range grants {
		if g.Role == store.RoleTop {
			out = append(out, g.ComuneCode)
		}
	}
	return out
}

// newPassword returns a random one-time password (144 bits) and its hash. It is shown once,
// in the answer, and never stored or logged in clear.
func newPassword() (string, string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("api: new password: %w", err)
	}
	pw := base64.RawURLEncoding.EncodeToString(b)
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return "", "", fmt.Errorf("api: new password: %w", err)
	}
	return pw, hash, nil
}
