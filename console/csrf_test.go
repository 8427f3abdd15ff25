package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSignInSession: the console sends an unsigned-in visitor to the sign-in page; the API's
// credential check decides; the session cookie is HttpOnly and SameSite=Strict; sign-out
// ends it.
func TestSignInSession(t *testing.T) {
	e := newEnv(t)
	b := &browser{e: e}
	if p := b.do("GET", "/console/", nil); p.status != http.StatusSeeOther || p.loc != "/console/accesso" {
		t.Fatalf("unsigned-in home: %d %s", p.status, p.loc)
	}
	b.do("GET", "/console/accesso", nil)
	if p := b.post("/console/accesso", url.Values{"username": {"top.h501"}, "password": {"wrong"}}, true); p.status != http.StatusUnauthorized ||
		!strings.Contains(p.body, "Credenziali non valide") {
		t.Fatalf("wrong password: %d %s", p.status, p.body)
	}
	p := b.post("/console/accesso", url.Values{"username": {"top.h501"}, "password": {pw}}, true)
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", p.status, p.body)
	}
	set := p.header.Get("Set-Cookie")
	for _, attr := range []string{"httponly", "samesite=strict", "path=/;"} {
		if !strings.Contains(strings.ToLower(set), attr) {
			t.Errorf("session cookie %q lacks %s", set, attr)
		}
	}
	home := b.do("GET", "/console/", nil)
	if home.status != http.StatusOK || !strings.Contains(home.body, "Sei <strong>TOP</strong> nel Comune <strong>H501</strong>") {
		t.Fatalf("home: %d %s", home.status, home.body)
	}
	if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if p := b.post("/console/esci", url.Values{}, true); p.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.status)
	}
	if p := b.do("GET", "/console/", nil); p.status != http.StatusSeeOther {
		t.Fatalf("after sign-out the session still works: %d", p.status)
	}
}

// TestFormsNeedCSRF: every form is refused without its token, or with another session's,
// and nothing changes; with it, the action goes through the admin API and is recorded.
func TestFormsNeedCSRF(t *testing.T) {
	e := newEnv(t)
	b := e.signIn("top.h501", pw)
	other := e.signIn("top.h501", pw)
	form := func() url.Values { return url.Values{"nome": {"Ufficio Tributi"}} }

	if p := b.post("/console/enti", form(), false); p.status != http.StatusForbidden || !strings.Contains(p.body, "CSRF") {
		t.Fatalf("no token: %d %s", p.status, p.body)
	}
	f := form()
	f.Set("_csrf", other.csrf)
	if p := b.do("POST", "/console/enti", f); p.status != http.StatusForbidden {
		t.Fatalf("another session's token: %d", p.status)
	}
	anon := &browser{e: e}
	anon.do("GET", "/console/accesso", nil)
	if p := anon.post("/console/accesso", url.Values{"username": {"top.h501"}, "password": {pw}}, false); p.status != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d", p.status)
	}
	if n := e.count("enti", "name = ?", "Ufficio Tributi"); n != 0 {
		t.Fatalf("a refused form created %d Enti", n)
	}
	if p := b.post("/console/enti", form(), true); p.status != http.StatusSeeOther {
		t.Fatalf("with token: %d %s", p.status, p.body)
	}
	if e.count("enti", "name = ?", "Ufficio Tributi") != 1 || e.count("admin_events", "action = ? AND outcome = ?", "ente.create", "ok") != 1 {
		t.Fatal("the Ente or its admin event is missing")
	}
}

// TestOtherComuneSeesNothing: a TOP of F205 cannot open H501's Ente by changing the id in the
// URL, and its lists hold nothing of H501.
func TestOtherComuneSeesNothing(t *testing.T) {
	e := newEnv(t)
	f := e.signIn("top.f205", pw)
	ente := strconv.FormatInt(e.ente, 10)
	if p := f.do("GET", "/console/enti/"+ente, nil); p.status != http.StatusNotFound || strings.Contains(p.body, "Polizia Locale Roma") {
		t.Fatalf("F205 opened H501's Ente: %d", p.status)
	}
	for _, path := range []string{"/console/enti", "/console/utenti", "/console/eventi", "/console/registro"} {
		p := f.do("GET", path, nil)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, p.status, p.body)
		}
		for _, leak := range []string{"Polizia Locale Roma", "adm.h501", "top.h501"} {
			if strings.Contains(p.body, leak) {
				t.Errorf("%s shows F205's TOP %q", path, leak)
			}
		}
	}
	h := e.signIn("top.h501", pw)
	if p := h.do("GET", "/console/enti/"+ente, nil); p.status != http.StatusOK || !strings.Contains(p.body, "Polizia Locale Roma") {
		t.Fatalf("H501's TOP cannot open its own Ente: %d", p.status)
	}
	// An ADMIN has no Enti page and no users of another Ente.
	a := e.signIn("adm.h501", pw)
	if p := a.post("/console/enti", url.Values{"nome": {"Abusivo"}}, true); p.status != http.StatusForbidden {
		t.Fatalf("an ADMIN registered an Ente: %d", p.status)
	}
	if e.count("enti", "name = ?", "Abusivo") != 0 {
		t.Fatal("the refused Ente exists")
	}
}

// TestFirstLoginPasswordChange: a TOP creates an ADMIN from the Ente's page; the one-time
// password is shown once; at first sign-in the ADMIN is held on the password page until they
// choose a strong password of their own.
func TestFirstLoginPasswordChange(t *testing.T) {
	e := newEnv(t)
	top := e.signIn("top.h501", pw)
	p := top.post("/console/utenti", url.Values{"ruolo": {"ADMIN"}, "ente": {strconv.FormatInt(e.ente, 10)},
		"username": {"mario.rossi"}, "nome": {"Mario Rossi"}}, true)
	m := reOneTime.FindStringSubmatch(p.body)
	if p.status != http.StatusCreated || m == nil {
		t.Fatalf("create ADMIN: %d %s", p.status, p.body)
	}
	adm := e.signIn("mario.rossi@H501", m[1])
	if p := adm.do("GET", "/console/utenti", nil); p.status != http.StatusSeeOther || p.loc != "/console/password" {
		t.Fatalf("a one-time password let the ADMIN in: %d %s", p.status, p.loc)
	}
	adm.do("GET", "/console/password", nil)
	for _, weak := range []string{"password123", "mariorossi2026", "short"} {
		p := adm.post("/console/password", url.Values{"attuale": {m[1]}, "nuova": {weak}, "conferma": {weak}}, true)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "troppo debole") {
			t.Errorf("weak password %q: %d", weak, p.status)
		}
	}
	strong := "vaso-ruggine-fiordo-ottavino"
	if p := adm.post("/console/password", url.Values{"attuale": {"sbagliata"}, "nuova": {strong}, "conferma": {strong}}, true); p.status != http.StatusBadRequest {
		t.Fatalf("wrong current password: %d", p.status)
	}
	if p := adm.post("/console/password", url.Values{"attuale": {m[1]}, "nuova": {strong}, "conferma": {strong}}, true); p.status != http.StatusSeeOther {
		t.Fatalf("strong password: %d %s", p.status, p.body)
	}
	if p := adm.do("GET", "/console/utenti", nil); p.status != http.StatusOK {
		t.Fatalf("after the change: %d", p.status)
	}
	e.signIn("mario.rossi@H501", strong)
}

// TestANPRSetupPage: the TOP reads the Comune's ANPR set-up, never its key; an ADMIN may not.
func TestANPRSetupPage(t *testing.T) {
	e := newEnv(t)
	p := e.signIn("top.h501", pw).do("GET", "/console/anpr", nil)
	if p.status != http.StatusOK || !strings.Contains(p.body, "client-H501") || !strings.Contains(p.body, "purpose-c020-H501") {
		t.Fatalf("TOP's ANPR page: %d %s", p.status, p.body)
	}
	if strings.Contains(p.body, "SEGRETO") || strings.Contains(p.body, "PRIVATE KEY") || strings.Contains(p.body, "client-F205") {
		t.Fatal("the ANPR page shows a key or another Comune's set-up")
	}
	if p := e.signIn("adm.h501", pw).do("GET", "/console/anpr", nil); p.status != http.StatusForbidden || strings.Contains(p.body, "client-H501") {
		t.Fatalf("ADMIN's ANPR page: %d", p.status)
	}
}

// TestAutorizzatoSeesOwnLast30Days: an AUTORIZZATO sees their own requests of the last 30
// days and nothing else: not the ADMIN's, not older ones, no administration.
func TestAutorizzatoSeesOwnLast30Days(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	e.audit("rq-own-recent", "op.h501", now.Add(-time.Hour))
	e.audit("rq-own-old", "op.h501", now.AddDate(0, 0, -40))
	e.audit("rq-admin", "adm.h501", now.Add(-time.Hour))
	op := e.signIn("op.h501", pw)
	p := op.do("GET", "/console/registro", nil)
	if p.status != http.StatusOK || !strings.Contains(p.body, "PROT-rq-own-recent") {
		t.Fatalf("own recent request missing: %d %s", p.status, p.body)
	}
	for _, hidden := range []string{"PROT-rq-own-old", "PROT-rq-admin"} {
		if strings.Contains(p.body, hidden) {
			t.Errorf("the AUTORIZZATO sees %s", hidden)
		}
	}
	if p := op.do("GET", "/console/registro?from=2020-01-01", nil); strings.Contains(p.body, "PROT-rq-own-old") {
		t.Error("an earlier from widens the AUTORIZZATO's 30 days")
	}
	for _, path := range []string{"/console/utenti", "/console/enti", "/console/cruscotto", "/console/eventi"} {
		if p := op.do("GET", path, nil); p.status == http.StatusOK {
			t.Errorf("the AUTORIZZATO opens %s", path)
		}
	}
	top := e.signIn("top.h501", pw).do("GET", "/console/registro", nil)
	if !strings.Contains(top.body, "PROT-rq-admin") || !strings.Contains(top.body, "Utente op.h501") {
		t.Errorf("the TOP does not see the Comune's records by name: %s", top.body)
	}
}
