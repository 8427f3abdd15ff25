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

// startBrowserSession gives the caller, signed in with a bearer access token (obtained from
// /api/v1/auth/token, with its lockout and checks), a browser session for the Web UI: an
// HttpOnly cookie holding a browser session token (auth.BrowserSessionTTL, a working day).
// That token opens only the codec endpoint, ends with the user's other tokens on sign-out or
// suspension, and is not accepted as a bearer token anywhere.
func (s *Server) startBrowserSession(c *fiber.Ctx) error {
	tok, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	claims, err := s.Tokens.Verify(tok)
	if err != nil {
		return fail("unauthorized", "the token is invalid or expired")
	}
	session, exp, err := s.Tokens.IssueBrowser(claims.UserID, claims.Version, claims.LoA)
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{
		Name: sessionCookieName, Value: session, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Expires: exp, Secure: strings.HasPrefix(s.UIURL, "https://"),
	})
	return c.SendStatus(fiber.StatusNoContent)
}

// endBrowserSession clears the cookie.
func (s *Server) endBrowserSession(c *fiber.Ctx) error {
	c.Cookie(&fiber.Cookie{Name: sessionCookieName, Value: "", Path: "/", HTTPOnly: true, Expires: time.Unix(0, 0)})
	return c.SendStatus(fiber.StatusNoContent)
}

// browserSessionKey marks a request authenticated by the session cookie.
type browserSessionKey struct{}

// sessionCookie lets the cookie stand in for the Authorization header, on the routes that
// opt in (the codec endpoint): never on routes that change state, so no CSRF is possible.
// authenticate then verifies it as a browser session token.
func (s *Server) sessionCookie(c *fiber.Ctx) error {
	if c.Get(fiber.HeaderAuthorization) == "" {
		if v := c.Cookies(sessionCookieName); v != "" {
			c.Request().Header.Set(fiber.HeaderAuthorization, "Bearer "+v)
			c.Locals(browserSessionKey{}, true)
		}
	}
	return c.Next()
}
