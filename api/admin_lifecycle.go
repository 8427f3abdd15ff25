package api

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

func (s *Server) suspendUser(c *fiber.Ctx) error    { return s.setActive(c, false) }
func (s *Server) reactivateUser(c *fiber.Ctx) error { return s.setActive(c, true) }

// setActive suspends or reactivates a user. Suspension is of the person, in every Comune, so
// it is a person-wide action (targetPerson): only a caller who administers every grant of the
// person may do it; a TOP stops anyone else in its own Comune by revoking their grants
// (DELETE). It ends every session at once, and AuthorizeQuery denies the user's next query on
// every replica (it reads users.active).
func (s *Server) setActive(c *fiber.Ctx, active bool) error {
	action := "user.suspend"
	if active {
		action = "user.reactivate"
	}
	x, err := s.newAdminReq(c, c.Params("comune"), action, "user", c.Params("id"))
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActRead); err != nil {
		return err
	}
	u, grants, err := x.targetPerson(rbac.ActSuspend)
	if err != nil {
		return err
	}
	err = x.az.Update(x.ctx(), func(ctx context.Context, b *rbac.Batch) error {
		if err := b.SetActive(ctx, u.ID, active); err != nil {
			return err
		}
		if !active {
			if err := store.RevokeUserTokens(ctx, b.Tx(), u.ID); err != nil {
				return err
			}
			if err := keepTopsOfUser(ctx, b.Tx(), u.ID); err != nil {
				return err
			}
		}
		u.Active = active
		x.ev.After = snapshot(userView(u, grants))
		return x.recordIn(b.Tx(), store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.JSON(userView(u, grants))
}

// keepTopsOfUser checks, after the user lost their powers, that every Comune where they are
// TOP still has an active TOP.
func keepTopsOfUser(ctx context.Context, tx bun.IDB, userID int64) error {
	all, err := store.GrantsOfUser(ctx, tx, userID)
	if err != nil {
		return err
	}
	return keepTops(ctx, tx, topComuni(all))
}

// resetCredentials gives the user a new one-time password and ends their sessions. The
// password opens every grant of the person, so it is a person-wide action (targetPerson).
func (s *Server) resetCredentials(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, c.Params("comune"), "user.reset_credentials", "user", c.Params("id"))
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActRead); err != nil {
		return err
	}
	u, grants, err := x.targetPerson(rbac.ActCredentials)
	if err != nil {
		return err
	}
	pw, hash, err := newPassword()
	if err != nil {
		return err
	}
	err = store.Tx(x.ctx(), s.DB, func(tx bun.Tx) error {
		if err := store.SetUserPasswordHash(x.ctx(), tx, u.ID, hash); err != nil {
			return err
		}
		if err := store.RevokeUserTokens(x.ctx(), tx, u.ID); err != nil {
			return err
		}
		x.ev.After = x.ev.Before // nothing visible changes: the password is never recorded
		return x.recordIn(tx, store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.JSON(CreatedUser{User: userView(u, grants), InitialPassword: pw})
}

// deleteUser removes the user's grants in the Comune. The user row stays (audit records name
// it); it is deactivated, and its sessions ended, when no grant remains anywhere.
func (s *Server) deleteUser(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, c.Params("comune"), "user.delete", "user", c.Params("id"))
	if err != nil {
		return err
	}
	if err := x.inComune(rbac.ObjAdminUsers, rbac.ActRead); err != nil {
		return err
	}
	u, grants, err := x.target(rbac.ActRevoke)
	if err != nil {
		return err
	}
	err = x.az.Update(x.ctx(), func(ctx context.Context, b *rbac.Batch) error {
		for i := range grants {
			if err := b.RevokeGrant(ctx, &grants[i]); err != nil {
				return err
			}
		}
		if err := x.afterRevoke(ctx, b, u, topComuni(grants)); err != nil {
			return err
		}
		x.ev.After = snapshot(userView(u, nil))
		return x.recordIn(b.Tx(), store.AdminOK, "")
	})
	if err != nil {
		return x.failed(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// afterRevoke keeps a TOP in each Comune that lost one and deactivates a user left without
// any grant (never deleted: the audit refers to them).
func (x *adminReq) afterRevoke(ctx context.Context, b *rbac.Batch, u *store.User, tops []string) error {
	if err := keepTops(ctx, b.Tx(), tops); err != nil {
		return err
	}
	left, err := store.GrantsOfUser(ctx, b.Tx(), u.ID)
	if err != nil || len(left) > 0 || !u.Active {
		return err
	}
	if err := b.SetActive(ctx, u.ID, false); err != nil {
		return err
	}
	u.Active = false
	return store.RevokeUserTokens(ctx, b.Tx(), u.ID)
}
