package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/clock"
)

// pages are the parsed templates: each page is layout.html plus its own file.
type pages struct{ byName map[string]*template.Template }

var rome = clock.Rome()

var funcs = template.FuncMap{
	// ora shows a time as Rome's office clock does.
	"ora":  func(t time.Time) string { return t.In(rome).Format("02/01/2006 15:04:05") },
	"join": strings.Join,
	"has": func(list []string, v string) bool {
		for _, s := range list {
			if s == v {
				return true
			}
		}
		return false
	},
	"int64": func(n int) int64 { return int64(n) },
	"pct": func(n, of int64) int64 {
		if of <= 0 {
			return 0
		}
		return min(100, n*100/of)
	},
}

func parsePages() (*pages, error) {
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// view is what every page gets.
type view struct {
	Title  string
	Nav    string // the menu entry to mark current
	S      *session
	Me     *me    // the signed-in user, nil on the sign-in page
	Role   string // TOP, ADMIN or AUTORIZZATO in Comune
	Comune string
	EnteID int64
	CSRF   string
	Flash  string
	Error  string
	Data   any
	// Refresh reloads the page every so many seconds (a running batch's progress); 0 never.
	Refresh int
}

// role is the user's highest role in their first Comune: the Comune the console shows.
func role(m *me) (comune, r string, ente int64) {
	rank := map[string]int{"TOP": 3, "ADMIN": 2, "AUTORIZZATO": 1}
	for _, g := range m.Grants {
		if comune == "" {
			comune = g.Comune
		}
		if g.Comune == comune && rank[g.Role] > rank[r] {
			r, ente = g.Role, g.EnteID
		}
	}
	return comune, r, ente
}

// render writes page name with status.
func (x *Console) render(c *fiber.Ctx, status int, name string, v view) error {
	t, ok := x.pages.byName[name]
	if !ok {
		return fmt.Errorf("console: no page %q", name)
	}
	if v.S == nil {
		v.S = sessionOf(c)
	}
	if v.S != nil {
		v.CSRF = v.S.csrf
		if v.Me = v.S.me; v.Me != nil {
			v.Comune, v.Role, v.EnteID = role(v.S.me)
		}
	}
	if v.Flash == "" {
		v.Flash = c.Query("ok")
		if m, ok := flashes[v.Flash]; ok {
			v.Flash = m
		} else {
			v.Flash = ""
		}
	}
	if cur := c.Response().StatusCode(); status == fiber.StatusOK && cur != fiber.StatusOK {
		status = cur // set by the action that shows this page again (an error, a creation)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// flashes are the confirmations a redirect may ask for (?ok=…): fixed texts, never echoed input.
var flashes = map[string]string{
	"ente":        "Ente registrato.",
	"convenzione": "Convenzione salvata.",
	"utente":      "Utente aggiornato.",
	"password":    "Password cambiata.",
	"sospeso":     "Utente sospeso.",
	"riattivato":  "Utente riattivato.",
	"profilo":     "Profilo aggiornato.",
	"ancora":      "Ancora prodotta: scaricala e conservala fuori da Varco.",
}

// refuse renders the error page.
func (x *Console) refuse(c *fiber.Ctx, status int, msg string) error {
	return x.render(c, status, "errore", view{Title: "Errore", Error: msg})
}

// fail renders the error page for an API error; a lost session goes back to sign-in.
func (x *Console) fail(c *fiber.Ctx, err error) error {
	if err == errSignedOut {
		x.clearCookie(c)
		return c.Redirect(Prefix+"/accesso", fiber.StatusSeeOther)
	}
	if _, ok := err.(*problem); !ok {
		return err
	}
	return x.refuse(c, statusOf(err), explain(err))
}
