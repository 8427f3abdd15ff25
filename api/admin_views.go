package api

import (
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// Views of administered objects, as the API shows them and as admin events snapshot them.
// None carries a password or hash.

// EnteView is an Ente.
type EnteView struct {
	ID                 int64     `json:"id"`
	Name               string    `json:"name"`
	CodiceIPA          string    `json:"codiceIpa,omitempty"`
	DefaultWorkstation string    `json:"defaultWorkstation,omitempty"`
	CreatedAt          time.Time `json:"createdAt"`
}

func enteView(e *store.Ente) EnteView {
	return EnteView{ID: e.ID, Name: e.Name, CodiceIPA: e.CodiceIPA, DefaultWorkstation: e.DefaultWorkstation, CreatedAt: e.CreatedAt}
}

// ConvenzioneView is a convenzione; dates are Europe/Rome calendar days (YYYY-MM-DD).
type ConvenzioneView struct {
	ID         int64    `json:"id"`
	Comune     string   `json:"comune"`
	EnteID     int64    `json:"enteId"`
	Services   []string `json:"services"`
	ValidFrom  string   `json:"validFrom"`
	ValidTo    string   `json:"validTo,omitempty"`
	DailyQuota int      `json:"dailyQuota"`
}

func convenzioneView(c *store.Convenzione) ConvenzioneView {
	v := ConvenzioneView{ID: c.ID, Comune: c.ComuneCode, EnteID: c.EnteID, Services: c.Services,
		ValidFrom: c.ValidFrom.Format(time.DateOnly), DailyQuota: c.DailyQuota}
	if !c.ValidTo.IsZero() {
		v.ValidTo = c.ValidTo.Format(time.DateOnly)
	}
	return v
}

// GrantView is a role of a user in a Comune.
type GrantView struct {
	ID         int64    `json:"id"`
	UserID     int64    `json:"userId"`
	Comune     string   `json:"comune"`
	Role       string   `json:"role"`
	EnteID     int64    `json:"enteId,omitempty"`
	Services   []string `json:"services"`
	DailyQuota int      `json:"dailyQuota"`
}

func grantView(g *store.Grant) GrantView {
	services := g.Services
	if services == nil {
		services = []string{}
	}
	return GrantView{ID: g.ID, UserID: g.UserID, Comune: g.ComuneCode, Role: g.Role, EnteID: g.EnteID,
		Services: services, DailyQuota: g.DailyQuota}
}

// UserView is a user with their grants in the Comune of the request (only those the caller
// may read).
type UserView struct {
	ID          int64       `json:"id"`
	Username    string      `json:"username"`
	DisplayName string      `json:"displayName"`
	Active      bool        `json:"active"`
	Grants      []GrantView `json:"grants"`
}

func userView(u *store.User, grants []store.Grant) UserView {
	v := UserView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Active: u.Active, Grants: []GrantView{}}
	for i := range grants {
		v.Grants = append(v.Grants, grantView(&grants[i]))
	}
	return v
}

// enteOf is the Ente an event about these grants belongs to: the first Ente-bound one, so
// that the Ente's ADMIN sees events about its AUTORIZZATI.
func enteOf(grants []store.Grant) int64 {
	for _, g := range grants {
		if g.EnteID != 0 {
			return g.EnteID
		}
	}
	return 0
}
