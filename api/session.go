package api

import (
	_ "embed"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// sessionCookieName carries an access token for the browser: the Web UI's codec calls cannot
// add an Authorization header, only send cookies ("include credentials").
const sessionCookieName = "varco_session"

//go:embed login.html
var loginPage string

// login serves a sign-in page for people who browse the Temporal Web UI.
func (s *Server) login(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	return c.SendString(strings.ReplaceAll(loginPage, "{{UI}}", s.UIURL))
}

// startBrowserSession turns the caller's bearer token into an HttpOnly cookie, for as long
// as the token lives. The token itself was obtained from /api/v1/auth/token, with its
// lockout and checks.
func (s *Server) startBrowserSession(c *fiber.Ctx) error {
	tok, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	claims, err := s.Tokens.Verify(tok)
	if err != nil {
		return fail("unauthorized", "the token is invalid or expired")
	}
	c.Cookie(&fiber.Cookie{
		Name: sessionCookieName, Value: tok, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Expires: claims.Expiry, Secure: strings.HasPrefix(s.UIURL, "https://"),
	})
	return c.SendStatus(fiber.StatusNoContent)
}

// endBrowserSession clears the cookie.
func (s *Server) endBrowserSession(c *fiber.Ctx) error {
	c.Cookie(&fiber.Cookie{Name: sessionCookieName, Value: "", Path: "/", HTTPOnly: true, Expires: time.Unix(0, 0)})
	return c.SendStatus(fiber.StatusNoContent)
}

// sessionCookie lets the cookie stand in for the Authorization header, on the routes that
// opt in (the codec endpoint): never on routes that change state, so no CSRF is possible.
func (s *Server) sessionCookie(c *fiber.Ctx) error {
	if c.Get(fiber.HeaderAuthorization) == "" {
		if v := c.Cookies(sessionCookieName); v != "" {
			c.Request().Header.Set(fiber.HeaderAuthorization, "Bearer "+v)
		}
	}
	return c.Next()
}
