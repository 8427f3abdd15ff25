package console

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// The profile page of an AUTORIZZATO: its services and daily quota, changed through
// PATCH /api/v1/admin/comuni/{comune}/users/{id}, which checks the services against the
// Ente's convenzione and records the admin event with before and after.

type profileData struct {
	User    user
	Grant   grant     // the AUTORIZZATO grant in the Comune
	Offered []service // the services of the Ente's convenzioni
}

func (x *Console) userPath(c *fiber.Ctx) string {
	return "/api/v1/admin/comuni/" + comuneOf(c) + "/users/" + url.PathEscape(c.Params("id"))
}

// profilePage reads the user from the API, so a user the caller may not administer is the
// API's 404 or 403, not the console's guess.
func (x *Console) profilePage(c *fiber.Ctx) error {
	var u user
	if err := x.call(c, sessionOf(c), fiber.MethodGet, x.userPath(c), nil, &u); err != nil {
		return x.fail(c, err)
	}
	d := profileData{User: u}
	found := false
	for _, g := range u.Grants {
		if g.Role == "AUTORIZZATO" && g.Comune == comuneOf(c) {
			d.Grant, found = g, true
		}
	}
	if !found {
		return x.refuse(c, fiber.StatusNotFound, "L'utente non è un utente autorizzato del Comune: non ha un profilo di servizi.")
	}
	d.Offered = x.offered(c, d.Grant.EnteID)
	return x.render(c, fiber.StatusOK, "profilo", view{Title: "Profilo di " + u.Username, Nav: "utenti", Data: d, Error: formErrorOf(c)})
}

// saveProfile sends the checked services and the quota; a quota that is not a number is
// sent as -1 so that the API refuses it with its own message instead of saving 0 (no limit).
func (x *Console) saveProfile(c *fiber.Ctx) error {
	quota, err := strconv.Atoi(c.FormValue("quota"))
	if err != nil {
		quota = -1
	}
	body := map[string]any{"services": formList(c, "servizi"), "dailyQuota": quota}
	if err := x.call(c, sessionOf(c), fiber.MethodPatch, x.userPath(c), body, nil); err != nil {
		if p, ok := err.(*problem); ok && (p.Status == fiber.StatusNotFound || p.Status == fiber.StatusForbidden) {
			return x.fail(c, err) // not the caller's user: no form to show again
		}
		return x.formError(c, err, x.profilePage)
	}
	return c.Redirect(Prefix+"/utenti/"+url.PathEscape(c.Params("id"))+"/profilo?ok=profilo", fiber.StatusSeeOther)
}
