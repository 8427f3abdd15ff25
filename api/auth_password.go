package api

import (
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/trustelem/zxcvbn"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// MeView is who a token's user is: the console reads it after signing in, to know the roles
// to show and whether the one-time password must be changed first.
type MeView struct {
	ID                     int64       `json:"id"`
	Username               string      `json:"username"`
	DisplayName            string      `json:"displayName"`
	PasswordChangeRequired bool        `json:"passwordChangeRequired"`
	Grants                 []GrantView `json:"grants"`
}

// me answers GET /api/v1/auth/me.
func (s *Server) me(c *fiber.Ctx) error {
	id := callerOf(c).UserID
	u, err := store.GetUser(c.UserContext(), s.DB, id)
	if err != nil {
		return err
	}
	grants, err := store.GrantsOfUser(c.UserContext(), s.DB, id)
	if err != nil {
		return err
	}
	v := userView(u, grants)
	return c.JSON(MeView{ID: v.ID, Username: v.Username, DisplayName: v.DisplayName,
		PasswordChangeRequired: u.MustChangePassword, Grants: v.Grants})
}

type passwordRequest struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

// Password rule: at least MinPasswordLength characters and a zxcvbn score of at least
// MinPasswordScore (of 4: "safely unguessable", about 10^10 guesses), the username and
// display name counting as known words. Length alone lets "Password123!" through; the score
// refuses dictionary words, keyboard walks, dates and repeats however long.
const (
	MinPasswordLength = 10
	MinPasswordScore  = 3
)

// PasswordWeakness says why pw is refused; "" when it is strong.
func PasswordWeakness(pw string, userInputs ...string) string {
	if len([]rune(pw)) < MinPasswordLength {
		return "the new password must have at least 10 characters"
	}
	if len(pw) > 1024 {
		return "the new password is too long"
	}
	if zxcvbn.PasswordStrength(pw, userInputs).Score < MinPasswordScore {
		return "the new password is too easy to guess: avoid common words, dates, sequences and your username"
	}
	return ""
}

// knownWords are what an attacker knows of the user: the username, the display name, their
// parts ("mario", "rossi", "h501") and the password being replaced.
func knownWords(u *store.User, current string) []string {
	words := []string{u.Username, u.DisplayName, current}
	split := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
	words = append(words, strings.FieldsFunc(u.Username+" "+u.DisplayName, split)...)
	joined := strings.Join(strings.FieldsFunc(u.DisplayName, split), "")
	name, _, _ := strings.Cut(u.Username, "@")
	return append(words, joined, strings.Join(strings.FieldsFunc(name, split), ""))
}

// changePassword answers POST /api/v1/auth/password: the current password is checked exactly
// as at sign-in (lockout included), the new one must be strong; then every other session of
// the user ends and a new token pair is answered.
func (h *authHandlers) changePassword(c *fiber.Ctx) error {
	s := h.s
	var req passwordRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	u, err := store.GetUser(c.UserContext(), s.DB, callerOf(c).UserID)
	if err != nil {
		return err
	}
	if req.CurrentPassword == "" || len(req.CurrentPassword) > 1024 {
		return fail(errcode.InvalidRequest, "currentPassword is required")
	}
	if _, err := h.checkPassword(c, tokenRequest{Username: u.Username, Password: req.CurrentPassword}); err != nil {
		return err
	}
	if why := PasswordWeakness(req.NewPassword, knownWords(u, req.CurrentPassword)...); why != "" {
		return fail(errcode.WeakPassword, why)
	}
	hash, err := auth.HashPassword(req.NewPassword)
	if err != nil {
		return err
	}
	if err := store.ChangePassword(c.UserContext(), s.DB, u.ID, hash); err != nil {
		return err
	}
	ua, err := store.GetUserAuth(c.UserContext(), s.DB, u.ID)
	if err != nil {
		return err
	}
	s.log.Info("password changed", "user", u.ID)
	return h.startSession(c, ua)
}
