package api

import (
	"context"
	"regexp"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

type createUserRequest struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"displayName"`
	Role        string   `json:"role"`
	EnteID      int64    `json:"enteId"`
	Services    []string `json:"services"`
	DailyQuota  int      `json:"dailyQuota"`
}

// CreatedUser is the answer to a user creation or a credential reset: the initial password is
// shown this once.
type CreatedUser struct {
	User            UserView `json:"user"`
	InitialPassword string   `json:"initialPassword"`
}

// createUser: a TOP creates another TOP or an Ente's ADMIN; an ADMIN creates an AUTORIZZATO of
// its Ente with a profile within the convenzione.
func (s *Server) createUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if err := checkBodyID("enteId", req.EnteID, false); err != nil {
		return err
	}
	if !reUsername.MatchString(req.Username) || len(req.DisplayName) > 200 {
		return fail(errcode.InvalidRequest, "username is required: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit; displayName at most 200 characters")
	}
	x, err := s.newAdminReq(c, c.Params("comune"), "user.create", "user", "")
	if err != nil {
		return err
	}
	x.ev.EnteID = req.EnteID
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActWrite); err != nil {
		return err
	}
	g, err := x.newGrant(req.Role, req.EnteID, req.Services, req.DailyQuota)
	if err != nil {
		return err
	}
	pw, hash, err := newPassword() // slow (argon2id): before the transaction
	if err != nil {
		return err
	}
	u := &store.User{Username: loginName(req.Username, x.comune), DisplayName: req.DisplayName, PasswordHash: hash, Active: true,
		MustChangePassword: true} // a one-time password, shown once to the administrator
	err = x.az.Update(x.ctx(), func(ctx context.Context, b *rbac.Batch) error {
		if err := store.CreateUser(ctx, b.Tx(), u); err != nil {
			return err
		}
		g.UserID = u.ID
		if err := b.AddGrant(ctx, g); err != nil {
			return err
		}
		x.ev.ObjectID, x.ev.After = strconv.FormatInt(u.ID, 10), snapshot(userView(u, []store.Grant{*g}))
		return x.recordIn(b.Tx(), store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.Status(fiber.StatusCreated).JSON(CreatedUser{User: userView(u, []store.Grant{*g}), InitialPassword: pw})
}

// reUsername is the name an administrator chooses for a new user. It cannot hold '@': that
// separates it from the Comune in the login name (loginName).
var reUsername = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// loginName is the username a user created through the API signs in with: the chosen name
// qualified by the Comune that created them ("mario.rossi@H501"). Login names are unique in
// the installation, but a Comune can only collide with its own names, so a 409 on creation
// tells it nothing about another Comune's staff (docs/governance.md, "Usernames").
func loginName(name, comune string) string { return name + "@" + comune }

// newGrant validates a grant the caller wants to give in the Comune (to a user not yet
// known: the self check is the caller's). An ADMIN of a single Ente may omit enteId.
func (x *adminReq) newGrant(role string, enteID int64, services []string, quota int) (*store.Grant, error) {
	if role != store.RoleTop && role != store.RoleAdmin && role != store.RoleAutorizzato {
		return nil, x.failed(fail(errcode.InvalidRequest, "role must be TOP, ADMIN or AUTORIZZATO"))
	}
	if quota < 0 {
		return nil, x.failed(fail(errcode.InvalidRequest, "dailyQuota must be 0 (no limit) or positive"))
	}
	if enteID == 0 && role != store.RoleTop {
		if _, enti, _ := x.az.Reach(x.actor, x.comune, rbac.ObjUser(role), rbac.ActWrite); len(enti) == 1 {
			enteID = enti[0]
		}
	}
	if role == store.RoleTop {
		enteID = 0
	}
	x.ev.EnteID = enteID
	g := &store.Grant{ComuneCode: x.comune, Role: role, EnteID: enteID, DailyQuota: quota, Services: []string{}}
	if enteID == 0 && role != store.RoleTop {
		return nil, x.failed(fail(errcode.InvalidRequest, "enteId is required for role "+role))
	}
	if ok, err := x.az.MayOnGrant(x.actor, g, rbac.ActWrite); err != nil {
		return nil, err
	} else if !ok {
		return nil, x.deny(errcode.Forbidden, "you may not give role "+role+" for this Ente")
	}
	if role != store.RoleAutorizzato {
		return g, nil
	}
	if err := x.fitServices(g, services); err != nil {
		return nil, err
	}
	return g, nil
}

// fitServices sets g's profile, refusing (403) services outside the Ente's convenzione.
func (x *adminReq) fitServices(g *store.Grant, services []string) error {
	offered, err := rbac.OfferedServices(x.ctx(), x.s.DB, x.comune, g.EnteID, x.s.Now())
	if err != nil {
		return err
	}
	if offered == nil {
		return x.failed(fail(errcode.InvalidRequest, "the Ente has no convenzione in this Comune"))
	}
	if g.Services, err = serviceSet(services, offered); err != nil {
		if ae, ok := err.(*apiError); ok && ae.code == errcode.Forbidden {
			return x.deny(ae.code, ae.detail)
		}
		return x.failed(err)
	}
	return nil
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, c.Params("comune"), "user.list", "user", "")
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActRead); err != nil {
		return err
	}
	grants, err := store.GrantsIn(x.ctx(), s.DB, x.comune, 0)
	if err != nil {
		return err
	}
	readable, err := x.readable(grants)
	if err != nil {
		return err
	}
	byUser := map[int64][]store.Grant{}
	var ids []int64
	for _, g := range readable {
		if _, seen := byUser[g.UserID]; !seen {
			ids = append(ids, g.UserID)
		}
		byUser[g.UserID] = append(byUser[g.UserID], g)
	}
	users, err := store.UsersByID(x.ctx(), s.DB, ids)
	if err != nil {
		return err
	}
	items := make([]UserView, 0, len(users))
	for i := range users {
		items = append(items, userView(&users[i], byUser[users[i].ID]))
	}
	return c.JSON(fiber.Map{"items": items})
}

func (s *Server) getUser(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, c.Params("comune"), "user.read", "user", c.Params("id"))
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActRead); err != nil {
		return err
	}
	u, grants, err := x.target(rbac.ActRead)
	if err != nil {
		return err
	}
	readable, err := x.readable(grants)
	if err != nil {
		return err
	}
	return c.JSON(userView(u, readable))
}

type patchUserRequest struct {
	DisplayName *string  `json:"displayName"`
	Services    []string `json:"services"`
	DailyQuota  *int     `json:"dailyQuota"`
}

// patchUser changes the display name and, for an AUTORIZZATO, the service profile and daily
// quota of their grant in the Comune.
func (s *Server) patchUser(c *fiber.Ctx) error {
	var req patchUserRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	x, err := s.newAdminReq(c, c.Params("comune"), "user.update", "user", c.Params("id"))
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActWrite); err != nil {
		return err
	}
	u, grants, err := x.patchTarget(req)
	if err != nil {
		return err
	}
	if req.DisplayName != nil && len(*req.DisplayName) > 200 {
		return x.failed(fail(errcode.InvalidRequest, "displayName is at most 200 characters"))
	}
	profile, err := x.profilePatch(grants, req)
	if err != nil {
		return err
	}
	err = x.az.Update(x.ctx(), func(ctx context.Context, b *rbac.Batch) error {
		if req.DisplayName != nil {
			if err := store.SetUserDisplayName(ctx, b.Tx(), u.ID, *req.DisplayName); err != nil {
				return err
			}
			u.DisplayName = *req.DisplayName
		}
		if profile != nil {
			if err := b.SetProfile(ctx, profile, profile.Services, profile.DailyQuota); err != nil {
				return err
			}
		}
		x.ev.After = snapshot(userView(u, grants))
		return x.recordIn(b.Tx(), store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.JSON(userView(u, grants))
}

// patchTarget loads the user to patch: a new display name is the person's, everywhere
// (targetPerson); services and quota are one grant's in this Comune (target).
func (x *adminReq) patchTarget(req patchUserRequest) (*store.User, []store.Grant, error) {
	if req.DisplayName != nil {
		return x.targetPerson(rbac.ActWrite)
	}
	return x.target(rbac.ActWrite)
}

// profilePatch returns the AUTORIZZATO grant (from grants, updated in place) with the new
// services and quota, or nil when the request changes neither.
func (x *adminReq) profilePatch(grants []store.Grant, req patchUserRequest) (*store.Grant, error) {
	if req.Services == nil && req.DailyQuota == nil {
		return nil, nil
	}
	i := slices.IndexFunc(grants, func(g store.Grant) bool { return g.Role == store.RoleAutorizzato })
	if i < 0 {
		return nil, x.failed(fail(errcode.InvalidRequest, "the user has no AUTORIZZATO grant in this Comune"))
	}
	g := &grants[i]
	if req.DailyQuota != nil {
		if *req.DailyQuota < 0 {
			return nil, x.failed(fail(errcode.InvalidRequest, "dailyQuota must be 0 (no limit) or positive"))
		}
		g.DailyQuota = *req.DailyQuota
	}
	if req.Services != nil {
		if err := x.fitServices(g, req.Services); err != nil {
			return nil, err
		}
	}
	return g, nil
}
