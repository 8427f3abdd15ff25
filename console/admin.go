package console

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The AMMINISTRAZIONE pages. Each form becomes one call of the admin API
// (/api/v1/admin/…, docs/governance.md), which decides, applies and records the event.

type ente struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CodiceIPA string `json:"codiceIpa"`
}

type convenzione struct {
	ID         int64    `json:"id"`
	Comune     string   `json:"comune"`
	EnteID     int64    `json:"enteId"`
	Services   []string `json:"services"`
	ValidFrom  string   `json:"validFrom"`
	ValidTo    string   `json:"validTo"`
	DailyQuota int      `json:"dailyQuota"`
}

type user struct {
	ID          int64   `json:"id"`
	Username    string  `json:"username"`
	DisplayName string  `json:"displayName"`
	Active      bool    `json:"active"`
	Grants      []grant `json:"grants"`
}

type items[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func (x *Console) mountAdmin(g fiber.Router) {
	g.Get("/enti", x.staff(x.entiPage))
	g.Post("/enti", x.staff(x.createEnte))
	g.Get("/enti/:id", x.staff(x.entePage))
	g.Post("/enti/:id/convenzioni", x.staff(x.createConvenzione))
	g.Post("/convenzioni/:id", x.staff(x.editConvenzione))
	g.Get("/utenti", x.staff(x.usersPage))
	g.Post("/utenti", x.staff(x.createUser))
	g.Get("/utenti/:id/profilo", x.staff(x.profilePage))
	g.Post("/utenti/:id/profilo", x.staff(x.saveProfile)) // before :azione, which would take it
	g.Post("/utenti/:id/:azione", x.staff(x.userAction))
	g.Get("/eventi", x.staff(x.eventsPage))
	g.Get("/anpr", x.staff(x.anprPage))
}

// anprSetup is GET /api/v1/admin/comuni/{comune}/anpr: never the key, only its id.
type anprSetup struct {
	Comune       string            `json:"comune"`
	Name         string            `json:"name"`
	Environment  string            `json:"environment"`
	ClientID     string            `json:"pdndClientId"`
	KeyID        string            `json:"pdndKid"`
	KeyPresent   bool              `json:"keyPresent"`
	Purposes     map[string]string `json:"purposeIds"`
	Services     []string          `json:"services"`
	TokenURL     string            `json:"tokenUrl"`
	ServiceURL   string            `json:"serviceBaseUrl"`
	OperatorMode string            `json:"operatorMode"`
	OperatorID   string            `json:"operatorId"`
}

// anprPage shows the Comune's ANPR set-up, read-only (a TOP's; `varco comune set-anpr`
// changes it).
func (x *Console) anprPage(c *fiber.Ctx) error {
	var a anprSetup
	if err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/admin/comuni/"+comuneOf(c)+"/anpr", nil, &a); err != nil {
		return x.fail(c, err)
	}
	return x.render(c, fiber.StatusOK, "anpr", view{Title: "Configurazione ANPR", Nav: "anpr", Data: a})
}

// comuneOf is the Comune the console shows the session's user.
func comuneOf(c *fiber.Ctx) string { cm, _, _ := role(sessionOf(c).me); return cm }

func (x *Console) enti(c *fiber.Ctx) ([]ente, error) {
	var out items[ente]
	err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/admin/enti", nil, &out)
	return out.Items, err
}

func (x *Console) entiPage(c *fiber.Ctx) error {
	list, err := x.enti(c)
	if err != nil {
		return x.fail(c, err)
	}
	return x.render(c, fiber.StatusOK, "enti", view{Title: "Enti e convenzioni", Nav: "enti", Data: list, Error: formErrorOf(c)})
}

func (x *Console) createEnte(c *fiber.Ctx) error {
	var e ente
	err := x.call(c, sessionOf(c), fiber.MethodPost, "/api/v1/admin/enti", map[string]string{
		"comune": comuneOf(c), "name": c.FormValue("nome"), "codiceIpa": c.FormValue("ipa")}, &e)
	if err != nil {
		return x.formError(c, err, x.entiPage)
	}
	return c.Redirect(fmt.Sprintf("%s/enti/%d?ok=ente", Prefix, e.ID), fiber.StatusSeeOther)
}

// formError shows the page again with the API's refusal; a lost session goes to sign-in.
func (x *Console) formError(c *fiber.Ctx, err error, page fiber.Handler) error {
	if err == errSignedOut {
		return x.fail(c, err)
	}
	c.Locals(ctxFormError{}, explain(err))
	c.Status(statusOf(err))
	return page(c)
}

type ctxFormError struct{}

func formErrorOf(c *fiber.Ctx) string { s, _ := c.Locals(ctxFormError{}).(string); return s }

// enteData is the Ente page: the Ente, its convenzioni in the Comune, its users.
type enteData struct {
	Ente        ente
	Convenzioni []convenzione
	Users       []user
	Services    []service
	Today       string
}

func (x *Console) entePage(c *fiber.Ctx) error {
	s := sessionOf(c)
	var e ente
	if err := x.call(c, s, fiber.MethodGet, "/api/v1/admin/enti/"+url.PathEscape(c.Params("id")), nil, &e); err != nil {
		return x.fail(c, err)
	}
	cm := comuneOf(c)
	var cs items[convenzione]
	if err := x.call(c, s, fiber.MethodGet, "/api/v1/admin/comuni/"+cm+"/convenzioni", nil, &cs); err != nil {
		return x.fail(c, err)
	}
	d := enteData{Ente: e, Services: services(), Today: x.Now().In(rome).Format(time.DateOnly)}
	for _, cv := range cs.Items {
		if cv.EnteID == e.ID {
			d.Convenzioni = append(d.Convenzioni, cv)
		}
	}
	users, err := x.users(c)
	if err != nil {
		return x.fail(c, err)
	}
	for _, u := range users {
		for _, g := range u.Grants {
			if g.EnteID == e.ID {
				d.Users = append(d.Users, u)
				break
			}
		}
	}
	return x.render(c, fiber.StatusOK, "ente", view{Title: e.Name, Nav: "enti", Data: d, Error: formErrorOf(c)})
}

func (x *Console) createConvenzione(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return x.refuse(c, fiber.StatusNotFound, "Ente non trovato.")
	}
	quota, _ := strconv.Atoi(c.FormValue("quota"))
	body := map[string]any{"enteId": id, "services": formList(c, "servizi"), "validFrom": c.FormValue("dal"),
		"validTo": c.FormValue("al"), "dailyQuota": quota}
	if err := x.call(c, sessionOf(c), fiber.MethodPost, "/api/v1/admin/comuni/"+comuneOf(c)+"/convenzioni", body, nil); err != nil {
		return x.formError(c, err, x.entePage)
	}
	return c.Redirect(fmt.Sprintf("%s/enti/%d?ok=convenzione", Prefix, id), fiber.StatusSeeOther)
}

// editConvenzione changes services, end day and quota; "sospendi" ends it yesterday, so no
// query is allowed from today (the API refuses an end before the start).
func (x *Console) editConvenzione(c *fiber.Ctx) error {
	ente := c.FormValue("ente")
	body := map[string]any{}
	if c.FormValue("azione") == "sospendi" {
		body["validTo"] = x.Now().In(rome).AddDate(0, 0, -1).Format(time.DateOnly)
	} else {
		quota, _ := strconv.Atoi(c.FormValue("quota"))
		body["services"], body["validTo"], body["dailyQuota"] = formList(c, "servizi"), c.FormValue("al"), quota
	}
	path := "/api/v1/admin/comuni/" + comuneOf(c) + "/convenzioni/" + url.PathEscape(c.Params("id"))
	if err := x.call(c, sessionOf(c), fiber.MethodPatch, path, body, nil); err != nil {
		return x.fail(c, err)
	}
	if _, err := strconv.ParseInt(ente, 10, 64); err != nil {
		return c.Redirect(Prefix+"/enti", fiber.StatusSeeOther)
	}
	return c.Redirect(Prefix+"/enti/"+ente+"?ok=convenzione", fiber.StatusSeeOther)
}

// formList reads a multi-valued form field (checkboxes).
func formList(c *fiber.Ctx, name string) []string {
	out := []string{}
	for _, v := range c.Context().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

func (x *Console) users(c *fiber.Ctx) ([]user, error) {
	var out items[user]
	err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/admin/comuni/"+comuneOf(c)+"/users", nil, &out)
	return out.Items, err
}

// usersData is the users page: the users the caller may read, the Enti by id, and (for an
// ADMIN) the services of their Ente's convenzione to profile a new AUTORIZZATO.
type usersData struct {
	Users    []user
	Enti     map[int64]string
	Offered  []service
	Password string // a one-time password just created, shown once
	For      string
}

func (x *Console) usersPage(c *fiber.Ctx) error {
	users, err := x.users(c)
	if err != nil {
		return x.fail(c, err)
	}
	d := usersData{Users: users, Enti: map[int64]string{}}
	if enti, err := x.enti(c); err == nil {
		for _, e := range enti {
			d.Enti[e.ID] = e.Name
		}
	}
	if _, r, enteID := role(sessionOf(c).me); r == "ADMIN" {
		d.Offered = x.offered(c, enteID)
	}
	if pw, ok := c.Locals(ctxOneTime{}).(oneTime); ok {
		d.Password, d.For = pw.Password, pw.For
	}
	return x.render(c, fiber.StatusOK, "utenti", view{Title: "Utenti", Nav: "utenti", Data: d, Error: formErrorOf(c)})
}

// offered is the services of the Ente's convenzioni in the Comune, as the API lists them.
func (x *Console) offered(c *fiber.Ctx, enteID int64) []service {
	var cs items[convenzione]
	if x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/admin/comuni/"+comuneOf(c)+"/convenzioni", nil, &cs) != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, cv := range cs.Items {
		if cv.EnteID == enteID {
			for _, s := range cv.Services {
				seen[s] = true
			}
		}
	}
	var out []service
	for _, s := range services() {
		if seen[s.Code] {
			out = append(out, s)
		}
	}
	return out
}

type oneTime struct{ Password, For string }
type ctxOneTime struct{}

// createUser: a TOP creates an ADMIN of an Ente (or another TOP), an ADMIN an AUTORIZZATO of
// its Ente with a service profile and a daily quota. The one-time password is shown once.
func (x *Console) createUser(c *fiber.Ctx) error {
	enteID, _ := strconv.ParseInt(c.FormValue("ente"), 10, 64)
	quota, _ := strconv.Atoi(c.FormValue("quota"))
	body := map[string]any{"username": strings.TrimSpace(c.FormValue("username")), "displayName": c.FormValue("nome"),
		"role": c.FormValue("ruolo"), "enteId": enteID, "services": formList(c, "servizi"), "dailyQuota": quota}
	var created struct {
		User            user   `json:"user"`
		InitialPassword string `json:"initialPassword"`
	}
	if err := x.call(c, sessionOf(c), fiber.MethodPost, "/api/v1/admin/comuni/"+comuneOf(c)+"/users", body, &created); err != nil {
		return x.formError(c, err, x.usersPage)
	}
	c.Locals(ctxOneTime{}, oneTime{Password: created.InitialPassword, For: created.User.Username})
	c.Status(fiber.StatusCreated)
	return x.usersPage(c)
}

// userAction suspends, reactivates or resets the credentials of a user.
func (x *Console) userAction(c *fiber.Ctx) error {
	api := map[string]string{"sospendi": "suspend", "riattiva": "reactivate", "reimposta": "reset-credentials"}[c.Params("azione")]
	if api == "" {
		return x.refuse(c, fiber.StatusNotFound, "Azione sconosciuta.")
	}
	path := "/api/v1/admin/comuni/" + comuneOf(c) + "/users/" + url.PathEscape(c.Params("id")) + "/" + api
	var created struct {
		User            user   `json:"user"`
		InitialPassword string `json:"initialPassword"`
	}
	if err := x.call(c, sessionOf(c), fiber.MethodPost, path, nil, &created); err != nil {
		return x.formError(c, err, x.usersPage)
	}
	if api == "reset-credentials" {
		c.Locals(ctxOneTime{}, oneTime{Password: created.InitialPassword, For: created.User.Username})
		return x.usersPage(c)
	}
	return c.Redirect(Prefix+"/utenti?ok="+map[string]string{"suspend": "sospeso", "reactivate": "riattivato"}[api], fiber.StatusSeeOther)
}
