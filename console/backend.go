package console

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// me is GET /api/v1/auth/me.
type me struct {
	ID                     int64   `json:"id"`
	Username               string  `json:"username"`
	DisplayName            string  `json:"displayName"`
	PasswordChangeRequired bool    `json:"passwordChangeRequired"`
	Grants                 []grant `json:"grants"`
}

type grant struct {
	ID         int64    `json:"id"`
	UserID     int64    `json:"userId"`
	Comune     string   `json:"comune"`
	Role       string   `json:"role"`
	EnteID     int64    `json:"enteId"`
	Services   []string `json:"services"`
	DailyQuota int      `json:"dailyQuota"`
}

type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// problem is an API refusal: its status and stable code, as problem+json carries them.
type problem struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func (p *problem) Error() string { return fmt.Sprintf("API %d %s: %s", p.Status, p.Code, p.Detail) }

// errSignedOut: the session's tokens no longer work (expired, revoked, user suspended).
var errSignedOut = errors.New("console: signed out")

// call makes one API request as the session's user, refreshing the access token once when
// it expired; out (if not nil) receives the JSON answer.
func (x *Console) call(c *fiber.Ctx, s *session, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	status, _, raw := x.API(c.UserContext(), method, path, s.access, body)
	if status == fiber.StatusUnauthorized && s.refresh != "" && x.refresh(c, s) {
		status, _, raw = x.API(c.UserContext(), method, path, s.access, body)
	}
	if status == fiber.StatusUnauthorized {
		x.sessions.drop(s.id)
		return errSignedOut
	}
	if status >= 400 {
		p := &problem{Status: status}
		_ = json.Unmarshal(raw, p)
		return p
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// raw makes one API GET as the session's user and returns the answer as is (CSV exports).
func (x *Console) raw(c *fiber.Ctx, s *session, path string) (int, string, []byte) {
	status, ct, body := x.API(c.UserContext(), fiber.MethodGet, path, s.access, nil)
	if status == fiber.StatusUnauthorized && x.refresh(c, s) {
		status, ct, body = x.API(c.UserContext(), fiber.MethodGet, path, s.access, nil)
	}
	return status, ct, body
}

// refresh rotates the session's tokens with POST /api/v1/auth/refresh.
func (x *Console) refresh(c *fiber.Ctx, s *session) bool {
	body, _ := json.Marshal(map[string]string{"refresh_token": s.refresh})
	status, _, raw := x.API(c.UserContext(), fiber.MethodPost, "/api/v1/auth/refresh", "", body)
	var t tokens
	if status != fiber.StatusOK || json.Unmarshal(raw, &t) != nil || t.Access == "" {
		return false
	}
	s.access, s.refresh = t.Access, t.Refresh
	return true
}

// messages are the Italian texts of the API's stable codes.
var messages = map[string]string{
	"forbidden":       "Operazione non consentita al tuo ruolo.",
	"not_found":       "Non trovato, oppure non è di tua competenza.",
	"conflict":        "Esiste già un elemento con questi dati (ad esempio lo stesso nome utente).",
	"invalid_request": "Dati non validi.",
	"last_top":        "Il Comune deve mantenere almeno un utente TOP attivo.",
	"weak_password": "La nuova password è troppo debole: servono almeno 10 caratteri e non deve essere facile " +
		"da indovinare (evita parole comuni, date, sequenze di tasti e il tuo nome utente).",
	"unauthorized":           "Credenziali non valide, oppure accesso temporaneamente sospeso.",
	"invalid_codice_fiscale": "Il codice fiscale non è valido (controlla il carattere di controllo).",
	"service_unavailable":    "Servizio momentaneamente non disponibile.",
}

// explain is the Italian message of an API error, with the API's detail for the specifics.
func explain(err error) string {
	var p *problem
	if !errors.As(err, &p) {
		return "Errore interno: riprova più tardi."
	}
	m, ok := messages[p.Code]
	if !ok {
		m = "Operazione non riuscita."
	}
	if p.Detail != "" && p.Code != "unauthorized" && p.Code != "weak_password" {
		m += " (" + p.Detail + ")"
	}
	return m
}

func statusOf(err error) int {
	var p *problem
	if errors.As(err, &p) {
		return p.Status
	}
	return fiber.StatusInternalServerError
}
