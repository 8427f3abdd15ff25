package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// refresh exchanges a refresh token for a new access token and a new refresh token
// (rotation). A token that was already exchanged is a replay: the whole family is revoked
// (the user signs in again) and the answer is the same 401 as for any invalid token.
func (h *authHandlers) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" || len(req.RefreshToken) > 256 {
		return fail(errcode.InvalidRequest, "refresh_token is required")
	}
	invalid := fail(errcode.Unauthorized, "the refresh token is invalid or expired")
	if len(req.RefreshToken) != auth.RefreshTokenLen {
		return invalid // cannot be one of ours: no need to ask the database
	}
	next, nextHash, err := auth.NewRefreshToken()
	if err != nil {
		return err
	}
	u, rt, err := store.RotateRefreshToken(c.UserContext(), h.s.DB, auth.HashRefreshToken(req.RefreshToken), nextHash, h.s.Now())
	switch {
	case errors.Is(err, store.ErrRefreshReused):
		// A security event worth a line: someone replayed a rotated token. No token or user
		// data in the log; the revoked family is in the database.
		h.s.log.WarnContext(c.UserContext(), "refresh token replayed: its family has been revoked")
		return invalid
	case errors.Is(err, store.ErrRefreshInvalid):
		return invalid
	case err != nil:
		return err
	}
	return h.sendTokens(c, u, rt, next)
}

// logout ends every session of the caller: the access token it was called with and all the
// caller's other access tokens stop working at once (token version), and all their refresh
// tokens are revoked. Signing out everywhere is deliberate: an operator leaving a workstation
// must not leave a session open on another.
func (h *authHandlers) logout(c *fiber.Ctx) error {
	err := store.RevokeUserTokens(c.UserContext(), h.s.DB, callerOf(c).UserID)
	if errors.Is(err, store.ErrNotFound) {
		return fail(errcode.Unauthorized, "the user is not active")
	}
	if err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
