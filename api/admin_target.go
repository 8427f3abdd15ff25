package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"

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
		return nil, nil, x.deny(errcode.NotFound, noSuchUser)
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

// noSuchUser is the one detail of every refusal that must not tell whether a user exists:
// unknown, of another Comune, of another Ente, or not grantable here all read the same.
const noSuchUser = "no such user"

// person is the target of a person-wide action (password, display name, suspension): the
// user as found, the same user after the change (the handler's, updated in place) and every
// grant they hold in any Comune.
type person struct {
	before store.User
	after  *store.User
	grants []store.Grant
}

// targetPerson loads the user for a person-wide act. Those attributes belong to the whole
// person, so on top of target's checks the caller must be allowed act on every grant the
// person holds in every Comune (docs/governance.md, "Who owns a person"); otherwise 403, and
// the refusal is recorded in each of those Comuni, so their TOPs see who tried.
func (x *adminReq) targetPerson(act string) (*store.User, []store.Grant, error) {
	u, here, err := x.target(act)
	if err != nil {
		return nil, nil, err
	}
	all, err := store.GrantsOfUser(x.ctx(), x.s.DB, u.ID)
	if err != nil {
		return nil, nil, err
	}
	x.person = &person{before: *u, after: u, grants: all}
	if ok, err := x.az.MayOnAll(x.actor, all, act); err != nil {
		return nil, nil, err
	} else if !ok {
		x.person.after = nil
		return nil, nil, x.deny(errcode.Forbidden, "this person also holds roles you may not administer")
	}
	return u, here, nil
}

// events are the rows an action records: its event in the Comune of the request and, for a
// person-wide action, a copy in each other Comune where the person holds a grant, showing
// only that Comune's grants (each TOP sees what was done to their people, and nothing of the
// person's other Comuni).
func (x *adminReq) events(outcome string, code errcode.Code) []store.AdminEvent {
	ev := x.ev
	ev.Outcome, ev.ErrorCode = outcome, code
	out := []store.AdminEvent{ev}
	if x.person == nil {
		return out
	}
	for _, comune := range comuniOf(x.person.grants) {
		if comune == x.comune {
			continue
		}
		there := grantsIn(x.person.grants, comune)
		other := ev
		other.Comune, other.EnteID = comune, enteOf(there)
		other.Before, other.After = snapshot(userView(&x.person.before, there)), ""
		if x.person.after != nil && outcome == store.AdminOK {
			other.After = snapshot(userView(x.person.after, there))
		}
		out = append(out, other)
	}
	return out
}

// comuniOf lists the Comuni of the grants, in order of first appearance.
func comuniOf(grants []store.Grant) []string {
	var out []string
	for _, g := range grants {
		if !slices.Contains(out, g.ComuneCode) {
			out = append(out, g.ComuneCode)
		}
	}
	return out
}

// grantsIn keeps the grants in one Comune.
func grantsIn(grants []store.Grant, comune string) []store.Grant {
	var out []store.Grant
	for _, g := range grants {
		if g.ComuneCode == comune {
			out = append(out, g)
		}
	}
	return out
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
