package api

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

type createGrantRequest struct {
	Role       string   `json:"role"`
	UserID     int64    `json:"userId"`
	EnteID     int64    `json:"enteId"`
	Services   []string `json:"services"`
	DailyQuota int      `json:"dailyQuota"`
}

// createGrant gives an existing user a role in the Comune.
func (s *Server) createGrant(c *fiber.Ctx) error {
	var req createGrantRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if err := checkBodyID("userId", req.UserID, true); err != nil {
		return err
	}
	if err := checkBodyID("enteId", req.EnteID, false); err != nil {
		return err
	}
	x, err := s.newAdminReq(c, c.Params("comune"), "grant.create", "grant", "")
	if err != nil {
		return err
	}
	x.ev.EnteID = req.EnteID
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActWrite); err != nil {
		return err
	}
	if req.UserID == x.actor {
		return x.deny(errcode.Forbidden, "you cannot grant yourself a role")
	}
	g, err := x.newGrant(req.Role, req.EnteID, req.Services, req.DailyQuota)
	if err != nil {
		return err
	}
	if err := x.knowsUser(req.UserID); err != nil {
		return err
	}
	g.UserID = req.UserID
	err = x.az.Update(x.ctx(), func(ctx context.Context, b *rbac.Batch) error {
		if err := b.AddGrant(ctx, g); err != nil {
			return err
		}
		x.ev.ObjectID, x.ev.After = strconv.FormatInt(g.ID, 10), snapshot(grantView(g))
		return x.recordIn(b.Tx(), store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.Status(fiber.StatusCreated).JSON(grantView(g))
}

// knowsUser lets the caller name a user for a new grant only when the user already holds a
// grant in this Comune that the caller may read. Working for the same Ente in another Comune
// is not enough: a grant here would make this Comune's TOP one of the person's
// administrators, a step towards taking over their password (issue 10). Anyone else (unknown,
// of another Comune, of another Ente) is the same 404, so user ids cannot be probed.
func (x *adminReq) knowsUser(userID int64) error {
	grants, err := store.GrantsIn(x.ctx(), x.s.DB, x.comune, userID)
	if err != nil {
		return err
	}
	readable, err := x.readable(grants)
	if err != nil {
		return err
	}
	if len(readable) == 0 {
		return x.deny(errcode.NotFound, noSuchUser)
	}
	return nil
}

// deleteGrant revokes one grant; its Casbin facts go with it, on this replica at once and on
// the others within a second (Watch). AuthorizeQuery also re-reads the grant, so no query is
// allowed anywhere once the revocation has committed.
func (s *Server) deleteGrant(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, c.Params("comune"), "grant.delete", "grant", c.Params("id"))
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActRead); err != nil {
		return err
	}
	g, err := x.targetGrant(rbac.ActRevoke)
	if err != nil {
		return err
	}
	u, err := store.GetUser(x.ctx(), s.DB, g.UserID)
	if err != nil {
		return err
	}
	err = x.az.Update(x.ctx(), func(ctx context.Context, b *rbac.Batch) error {
		if err := b.RevokeGrant(ctx, g); err != nil {
			return err
		}
		if err := x.afterRevoke(ctx, b, u, topComuni([]store.Grant{*g})); err != nil {
			return err
		}
		return x.recordIn(b.Tx(), store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// targetGrant loads the grant in the path: 404 unless the caller may read it, 403 for one's
// own grant or when act is not allowed on it.
func (x *adminReq) targetGrant(act string) (*store.Grant, error) {
	id, ok := pathID(x.c, "id")
	var g *store.Grant
	var err error
	if ok {
		g, err = store.GetGrant(x.ctx(), x.s.DB, x.comune, id)
	}
	if !ok || err != nil {
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		return nil, x.deny(errcode.NotFound, "no such grant")
	}
	x.ev.EnteID, x.ev.Before = g.EnteID, snapshot(grantView(g))
	if g.UserID == x.actor {
		return nil, x.deny(errcode.Forbidden, "you cannot change your own grants")
	}
	if readable, err := x.readable([]store.Grant{*g}); err != nil {
		return nil, err
	} else if len(readable) == 0 {
		return nil, x.deny(errcode.NotFound, "no such grant")
	}
	if ok, err := x.az.MayOnGrant(x.actor, g, act); err != nil {
		return nil, err
	} else if !ok {
		return nil, x.deny(errcode.Forbidden, "this grant is outside what you may administer")
	}
	return g, nil
}
