package console

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
)

// loginPage shows the sign-in form, with an anonymous session for its CSRF token.
func (x *Console) loginPage(c *fiber.Ctx) error {
	s := x.current(c)
	if s != nil && s.signedIn() {
		return c.Redirect(Prefix+"/", fiber.StatusSeeOther)
	}
	if s == nil {
		s = x.sessions.create()
		x.setCookie(c, s)
	}
	return x.render(c, fiber.StatusOK, "accesso", view{Title: "Accesso", S: s})
}

// login checks the credentials with POST /api/v1/auth/token, the API's own sign-in: the
// same password check, lockout and suspension. A new session replaces the anonymous one.
func (x *Console) login(c *fiber.Ctx) error {
	anon := x.current(c)
	if !validCSRF(c, anon) {
		return x.refuse(c, fiber.StatusForbidden, "Modulo non valido o scaduto (token CSRF assente o errato): ricarica la pagina e riprova.")
	}
	body, _ := json.Marshal(map[string]string{"username": c.FormValue("username"), "password": c.FormValue("password")})
	status, _, raw := x.API(c.UserContext(), fiber.MethodPost, "/api/v1/auth/token", "", body)
	var t tokens
	if status != fiber.StatusOK || json.Unmarshal(raw, &t) != nil || t.Access == "" {
		msg := "Credenziali non valide, oppure accesso temporaneamente sospeso."
		if status == fiber.StatusBadRequest {
			msg = "Inserisci nome utente e password."
		}
		return x.render(c, fiber.StatusUnauthorized, "accesso", view{Title: "Accesso", S: anon, Error: msg})
	}
	s := x.sessions.create()
	s.access, s.refresh = t.Access, t.Refresh
	if err := x.loadMe(c, s); err != nil {
		x.sessions.drop(s.id)
		return x.fail(c, err)
	}
	x.sessions.drop(anon.id)
	x.setCookie(c, s)
	x.Logger.Info("console sign-in", "user", s.me.ID)
	return c.Redirect(Prefix+"/", fiber.StatusSeeOther)
}

func (x *Console) loadMe(c *fiber.Ctx, s *session) error {
	m := new(me)
	if err := x.call(c, s, fiber.MethodGet, "/api/v1/auth/me", nil, m); err != nil {
		return err
	}
	s.me = m
	return nil
}

// logout ends the session here and the user's tokens at the API (POST /api/v1/auth/logout
// revokes every token of the user: signing out of the console signs out everywhere).
func (x *Console) logout(c *fiber.Ctx) error {
	s := sessionOf(c)
	_ = x.call(c, s, fiber.MethodPost, "/api/v1/auth/logout", nil, nil)
	x.sessions.drop(s.id)
	x.clearCookie(c)
	return c.Redirect(Prefix+"/accesso", fiber.StatusSeeOther)
}

func (x *Console) passwordPage(c *fiber.Ctx) error {
	return x.render(c, fiber.StatusOK, "password", view{Title: "Cambia password", Nav: "password"})
}

// changePassword goes through POST /api/v1/auth/password (current password checked as at
// sign-in, strength rule, other sessions ended) and keeps the new token pair it answers.
func (x *Console) changePassword(c *fiber.Ctx) error {
	s := sessionOf(c)
	again := func(msg string) error {
		return x.render(c, fiber.StatusBadRequest, "password", view{Title: "Cambia password", Nav: "password", Error: msg})
	}
	if c.FormValue("nuova") != c.FormValue("conferma") {
		return again("La conferma non coincide con la nuova password.")
	}
	// Not through call: here a 401 means "wrong current password", not "signed out".
	body, _ := json.Marshal(map[string]string{"currentPassword": c.FormValue("attuale"), "newPassword": c.FormValue("nuova")})
	status, _, raw := x.API(c.UserContext(), fiber.MethodPost, "/api/v1/auth/password", s.access, body)
	var t tokens
	switch {
	case status == fiber.StatusUnauthorized:
		return again("La password attuale non è corretta, oppure troppi tentativi: riprova tra qualche minuto.")
	case status != fiber.StatusOK:
		p := &problem{Status: status}
		_ = json.Unmarshal(raw, p)
		return again(explain(p))
	case json.Unmarshal(raw, &t) != nil || t.Access == "":
		return again("Risposta inattesa: riprova.")
	}
	s.access, s.refresh = t.Access, t.Refresh
	if err := x.loadMe(c, s); err != nil {
		return x.fail(c, err)
	}
	return c.Redirect(Prefix+"/?ok=password", fiber.StatusSeeOther)
}

// home is the start page: what the user's role can do.
func (x *Console) home(c *fiber.Ctx) error {
	return x.render(c, fiber.StatusOK, "home", view{Title: "Varco", Nav: "home"})
}
