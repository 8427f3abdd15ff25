package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Sessions live in the memory of the API process: a restart signs everybody out, and several
// API replicas need sticky sessions (docs/console.md). The cookie carries only a random id;
// the API tokens never reach the browser.
const (
	cookieName  = "varco_console"
	idleTimeout = 30 * time.Minute
	csrfField   = "_csrf"
)

// session is one browser's sign-in; an anonymous session (no access token) carries only
// the sign-in form's CSRF token.
type session struct {
	id, csrf        string
	access, refresh string
	me              *me
	lastSeen        time.Time
}

func (s *session) signedIn() bool { return s.access != "" }

type sessions struct {
	mu  sync.Mutex
	all map[string]*session
	now func() time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{all: map[string]*session{}, now: now}
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("console: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// get returns the live session of the cookie, or nil. An idle session expires.
func (ss *sessions) get(id string) *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.all[id]
	now := ss.now()
	if s == nil || now.Sub(s.lastSeen) > idleTimeout {
		delete(ss.all, id)
		return nil
	}
	s.lastSeen = now
	return s
}

// create starts a session with a fresh id and CSRF token. A sign-in always creates a new one
// (and drops the anonymous one), so an id planted before sign-in is worth nothing.
func (ss *sessions) create() *session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, s := range ss.all { // sweep: the map must not grow with abandoned sessions
		if now.Sub(s.lastSeen) > idleTimeout {
			delete(ss.all, id)
		}
	}
	s := &session{id: randomToken(), csrf: randomToken(), lastSeen: now}
	ss.all[s.id] = s
	return s
}

func (ss *sessions) drop(id string) {
	ss.mu.Lock()
	delete(ss.all, id)
	ss.mu.Unlock()
}

// setCookie hands the session's id to the browser: HttpOnly (no script reads it),
// SameSite=Strict (no other site's page sends it), Secure over TLS. Its path is the whole
// server so that the Web UI's sign-in page (/oidc/login) sees it too (UserOf).
func (x *Console) setCookie(c *fiber.Ctx, s *session) {
	c.Cookie(&fiber.Cookie{Name: cookieName, Value: s.id, Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: x.SecureCookies || c.Protocol() == "https"})
}

func (x *Console) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: cookieName, Value: "", Path: "/", HTTPOnly: true, MaxAge: -1,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: x.SecureCookies || c.Protocol() == "https"})
}

// current is the request's session, or nil.
func (x *Console) current(c *fiber.Ctx) *session {
	id := c.Cookies(cookieName)
	if id == "" {
		return nil
	}
	return x.sessions.get(id)
}

// validCSRF compares the form's token with the session's in constant time. Every POST of
// the console checks it: SameSite=Strict already keeps other sites' forms out, this keeps
// out whatever gets around it (an older browser, a same-site page).
func validCSRF(c *fiber.Ctx, s *session) bool {
	got := c.FormValue(csrfField)
	return s != nil && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

type ctxSession struct{}

func sessionOf(c *fiber.Ctx) *session { s, _ := c.Locals(ctxSession{}).(*session); return s }

// signedIn guards a page: no session → the sign-in page; a POST without its CSRF token →
// 403; a one-time password not yet changed → the password page.
func (x *Console) signedIn(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s := x.current(c)
		if s == nil || !s.signedIn() {
			if c.Method() != fiber.MethodGet {
				return x.refuse(c, fiber.StatusForbidden, "La sessione è scaduta: accedi di nuovo.")
			}
			return c.Redirect(Prefix+"/accesso", fiber.StatusSeeOther)
		}
		if c.Method() == fiber.MethodPost && !validCSRF(c, s) {
			x.Logger.Warn("console: form without a valid CSRF token", "route", c.Route().Path)
			return x.refuse(c, fiber.StatusForbidden, "Modulo non valido o scaduto (token CSRF assente o errato): ricarica la pagina e riprova.")
		}
		c.Locals(ctxSession{}, s)
		path := c.Path()
		if s.me.PasswordChangeRequired && path != Prefix+"/password" && path != Prefix+"/esci" {
			return c.Redirect(Prefix+"/password", fiber.StatusSeeOther)
		}
		return h(c)
	}
}

// UserOf is the user of the request's console session when it is signed in, its one-time
// password changed, and its token still accepted by the API (not signed out, not suspended):
// the Web UI's sign-in (api.Deps.SessionUser) then asks for no password again.
func (x *Console) UserOf(c *fiber.Ctx) (int64, bool) {
	s := x.current(c)
	if s == nil || !s.signedIn() || s.me == nil || s.me.PasswordChangeRequired {
		return 0, false
	}
	status, _, _ := x.raw(c, s, "/api/v1/auth/me")
	return s.me.ID, status == fiber.StatusOK
}

// staff guards the pages of TOP and ADMIN: an AUTORIZZATO's console is their own requests
// (the API would scope these pages to them anyway; the console does not offer them).
func (x *Console) staff(h fiber.Handler) fiber.Handler {
	return x.signedIn(func(c *fiber.Ctx) error {
		if _, r, _ := role(sessionOf(c).me); r != "TOP" && r != "ADMIN" {
			return x.refuse(c, fiber.StatusForbidden, "Pagina riservata agli utenti TOP e ADMIN.")
		}
		return h(c)
	})
}
