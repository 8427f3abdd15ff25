package api

import (
	_ "embed"
	"errors"
	"html"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

//go:embed oidc_login.html
var oidcLoginHTML string

// Messages of the sign-in page: one for every refused sign-in, as the API's 401 is one body.
const (
	msgRefused  = "Credenziali non valide, oppure accesso temporaneamente sospeso."
	msgNoAccess = "La Temporal Web UI è riservata al TOP di un Comune: questo utente non vi ha accesso."
	msgExpired  = "La richiesta di accesso è scaduta: riapri la Temporal Web UI."
)

// oidcLoginPage shows the sign-in form of a pending authorize request, unless the browser
// is already signed in to the web console (Deps.SessionUser): one sign-in for both.
func (s *Server) oidcLoginPage(c *fiber.Ctx) error {
	id := c.Query("authRequestID")
	if s.SessionUser != nil {
		if uid, ok := s.SessionUser(c); ok {
			if _, err := s.oidc.storage.AuthRequestByID(c.UserContext(), id); err != nil {
				return s.renderLogin(c, fiber.StatusBadRequest, "", msgExpired)
			}
			return s.completeUISignIn(c, id, uid)
		}
	}
	return s.renderLogin(c, fiber.StatusOK, id, "")
}

// completeUISignIn hands a sign-in of an active user back to the provider: the user must be
// TOP somewhere; the provider then redirects to the UI with a code.
func (s *Server) completeUISignIn(c *fiber.Ctx, id string, userID int64) error {
	u, err := store.GetUser(c.UserContext(), s.DB, userID)
	if err != nil || !u.Active {
		return s.renderLogin(c, fiber.StatusUnauthorized, id, msgRefused)
	}
	perms, err := s.uiPermissions(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	if len(perms) == 0 {
		s.log.Info("ui sign-in without a Comune", "user", u.ID)
		return s.renderLogin(c, fiber.StatusForbidden, "", msgNoAccess)
	}
	done, err := s.oidc.storage.complete(c.UserContext(), id, u.ID, u.Username)
	if err != nil {
		return err
	}
	if !done {
		return s.renderLogin(c, fiber.StatusBadRequest, "", msgExpired)
	}
	if err := s.oidc.setUICookie(c, u.ID, perms, s.Now()); err != nil {
		return err
	}
	s.log.Info("ui sign-in", "user", u.ID, "comuni", len(perms))
	return c.Redirect(s.oidc.cfg.Issuer+"/authorize/callback?id="+id, fiber.StatusFound)
}

func (s *Server) renderLogin(c *fiber.Ctx, status int, id, msg string) error {
	page := strings.NewReplacer(
		"{{ACTION}}", html.EscapeString(s.oidc.path+"/login"),
		"{{ID}}", html.EscapeString(id),
		"{{MSG}}", html.EscapeString(msg),
	).Replace(oidcLoginHTML)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// form-action covers the redirects after the post too: the sign-in ends at the UI.
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+
		s.oidc.uiOrigin+"; frame-ancestors 'none'")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	return c.Status(status).SendString(page)
}

// oidcLogin checks the password exactly as POST /api/v1/auth/token does (lockout included),
// then requires the user to be TOP somewhere, and hands the sign-in back to the provider,
// which redirects to the UI with a code.
func (h *authHandlers) oidcLogin(c *fiber.Ctx) error {
	s := h.s
	id := c.FormValue("authRequestID")
	if _, err := s.oidc.storage.AuthRequestByID(c.UserContext(), id); err != nil {
		return s.renderLogin(c, fiber.StatusBadRequest, "", msgExpired)
	}
	req := tokenRequest{Username: c.FormValue("username"), Password: c.FormValue("password")}
	if req.Username == "" || req.Password == "" || len(req.Username) > 128 || len(req.Password) > 1024 {
		return s.renderLogin(c, fiber.StatusUnauthorized, id, msgRefused)
	}
	u, err := h.checkPassword(c, req)
	var ae *apiError
	if errors.As(err, &ae) && ae.code == errcode.Unauthorized {
		s.log.Info("ui sign-in refused")
		return s.renderLogin(c, fiber.StatusUnauthorized, id, msgRefused)
	} else if err != nil {
		return err
	}
	if err := store.ResetLoginFailures(c.UserContext(), s.DB, u.ID); err != nil {
		return err
	}
	return s.completeUISignIn(c, id, u.ID)
}
