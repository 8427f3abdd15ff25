// Package console serves Varco's web console at /console/: AMMINISTRAZIONE (Enti,
// convenzioni, users) and MONITORAGGIO (dashboard, audit search, live view, integrity) for
// the Comune's TOP and the Enti's ADMINs, in Italian, with Bootstrap Italia.
//
// The console holds no rule of its own: every read and every action is a call to Varco's
// HTTP API, made in-process (Backend) with the signed-in user's own access token. Scoping,
// lockout, suspension, quotas and the admin-event log are therefore the API's, by
// construction; internal/archtest forbids this package to import the store or the
// authorizer, so a second implementation cannot creep in.
package console

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// Backend serves one API request in-process (api.Server.Do): method, path with its query,
// the user's bearer token ("" for none) and a JSON body (nil for none).
type Backend func(ctx context.Context, method, path, token string, body []byte) (status int, contentType string, answer []byte)

// Deps are what the console needs; cmd/varco wires them.
type Deps struct {
	API Backend
	// TemporalUIURL is the Web UI's base URL, for the link from a request to its workflow;
	// "" shows no link.
	TemporalUIURL string
	// SecureCookies marks the session cookie Secure even when the request came over plain
	// HTTP (a TLS-terminating proxy in front); a request over TLS always gets Secure.
	SecureCookies bool
	Logger        *slog.Logger
	Now           func() time.Time
}

// Console is the web console.
type Console struct {
	Deps
	sessions *sessions
	pages    *pages
	verified verifications
}

//go:embed static templates
var files embed.FS

// Prefix is where the console is served.
const Prefix = "/console"

// New builds the console; Mount serves it.
func New(d Deps) (*Console, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Console{Deps: d, sessions: newSessions(d.Now), pages: p,
		verified: verifications{last: map[string]verification{}, anchors: map[string]string{}}}, nil
}

// Mount registers the console's routes on app.
func (x *Console) Mount(app fiber.Router) {
	static, _ := fs.Sub(files, "static")
	app.Use(Prefix+"/static", filesystem.New(filesystem.Config{Root: http.FS(static), MaxAge: 3600}))
	g := app.Group(Prefix, x.headers)
	g.Get("/", x.signedIn(x.home))
	g.Get("/accesso", x.loginPage)
	g.Post("/accesso", x.login)
	g.Post("/esci", x.signedIn(x.logout))
	g.Get("/password", x.signedIn(x.passwordPage))
	g.Post("/password", x.signedIn(x.changePassword))
	x.mountAdmin(g)
	x.mountMonitor(g)
}

// headers are the console's security headers: its own scripts, styles and fonts only (the
// inline style is Bootstrap Italia's font loader), never framed, never cached.
func (x *Console) headers(c *fiber.Ctx) error {
	c.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}
