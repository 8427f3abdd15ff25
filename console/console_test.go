package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/console"
	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
	"github.com/varco-anpr/varco/rbac"
)

// env is the real API (SQLite store, Casbin authorizer, tokens) with the console mounted on
// it, as cmd/varco wires them: H501 with a TOP, an Ente with a convenzione and its ADMIN;
// F205 with its own TOP.
type env struct {
	t    *testing.T
	db   *store.DB
	srv  *api.Server
	ente int64
	ids  map[string]int64
	az   *rbac.Authorizer // the API's own, so a grant a test adds is the one it enforces
}

const pw = "demo-password-1"

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []store.Comune{{Code: "H501", IstatCode: "058091", Name: "Roma"}, {Code: "F205", IstatCode: "015146", Name: "Milano"}} {
		c.Environment, c.OperatorMode = store.EnvSimulator, store.OperatorEndUser
		c.PDNDClientID, c.PDNDKid, c.PrivateKeyPEM = "client-"+c.Code, "kid-"+c.Code, "-----BEGIN PRIVATE KEY-----SEGRETO"
		c.PurposeIDs = map[string]string{"C020": "purpose-c020-" + c.Code}
		must(store.CreateComune(ctx, db, &c))
	}
	ente := &store.Ente{Name: "Polizia Locale Roma", CreatedByComune: "H501"}
	must(store.CreateEnte(ctx, db, ente))
	must(store.CreateConvenzione(ctx, db, &store.Convenzione{ComuneCode: "H501", EnteID: ente.ID,
		Services: []string{"C020", "C030"}, ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}))
	az, err := rbac.New(ctx, db)
	must(err)
	hash, err := auth.HashPassword(pw)
	must(err)
	ids := map[string]int64{}
	for _, u := range []struct {
		name string
		g    store.Grant
	}{
		{"top.h501", store.Grant{ComuneCode: "H501", Role: store.RoleTop}},
		{"adm.h501", store.Grant{ComuneCode: "H501", Role: store.RoleAdmin, EnteID: ente.ID}},
		{"op.h501", store.Grant{ComuneCode: "H501", Role: store.RoleAutorizzato, EnteID: ente.ID, Services: []string{"C020"}}},
		{"top.f205", store.Grant{ComuneCode: "F205", Role: store.RoleTop}},
	} {
		usr := &store.User{Username: u.name, DisplayName: "Utente " + u.name, PasswordHash: hash, Active: true}
		must(store.CreateUser(ctx, db, usr))
		ids[u.name] = usr.ID
		u.g.UserID = usr.ID
		must(az.AddGrant(ctx, &u.g))
	}
	tokens, err := auth.NewTokens(bytes.Repeat([]byte{9}, 32), 15*time.Minute, nil)
	must(err)
	signer, err := auditlog.NewSigner(bytes.Repeat([]byte{3}, 32), "test")
	must(err)
	srv := api.New(api.Deps{DB: db, Tokens: tokens, Authz: az, AuditSigner: signer, RequestTimeout: time.Second, Logger: quiet()})
	c, err := console.New(console.Deps{Logger: quiet(),
		API: func(ctx context.Context, method, path, token string, body []byte) (int, string, []byte) {
			r := srv.Do(ctx, method, path, token, body)
			return r.Status, r.ContentType, r.Body
		}})
	must(err)
	c.Mount(srv.App())
	return &env{t: t, db: db, srv: srv, ente: ente.ID, ids: ids, az: az}
}

// browser is one cookie jar against the console.
type browser struct {
	e      *env
	cookie string
	csrf   string
}

type page struct {
	status int
	loc    string
	body   string
	header http.Header
}

var reOneTime = regexp.MustCompile(`<code class="fs-5">([^<]+)</code>`)

var reCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(method, path string, form url.Values) page {
	b.e.t.Helper()
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, rd)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != "" {
		req.Header.Set("Cookie", "varco_console="+b.cookie)
	}
	resp, err := b.e.srv.App().Test(req, -1)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "varco_console" {
			b.cookie = c.Value
		}
	}
	if m := reCSRF.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = m[1]
	}
	return page{status: resp.StatusCode, loc: resp.Header.Get("Location"), body: string(raw), header: resp.Header}
}

func (b *browser) post(path string, form url.Values, withCSRF bool) page {
	if withCSRF {
		form.Set("_csrf", b.csrf)
	}
	return b.do("POST", path, form)
}

func (e *env) signIn(user, password string) *browser {
	e.t.Helper()
	b := &browser{e: e}
	b.do("GET", "/console/accesso", nil)
	p := b.post("/console/accesso", url.Values{"username": {user}, "password": {password}}, true)
	if p.status != http.StatusSeeOther || p.loc != "/console/" {
		e.t.Fatalf("sign-in %s: %d %s %s", user, p.status, p.loc, p.body)
	}
	b.do("GET", "/console/", nil) // picks up the session's CSRF token
	return b
}

// count counts the rows of table matching where.
func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	n, err := e.db.NewSelect().Table(table).Where(where, args...).Count(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return int(n)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// audit writes an audit record of user, at, in H501.
func (e *env) audit(id, user string, at time.Time) {
	e.t.Helper()
	r := &store.AuditRecord{RequestID: id, CreatedAt: at, UserID: e.ids[user], EnteID: e.ente, ComuneCode: "H501",
		Service: "C020", Motivo: "PROT-" + id, Outcome: "ok", HTTPStatus: 200}
	if _, err := (&auditlog.Writer{DB: e.db}).Insert(context.Background(), r); err != nil {
		e.t.Fatal(err)
	}
}

// apiGet reads path from the API itself, signed in as user, into out: what the console did
// is checked where it lives, not on the console's own pages.
func (e *env) apiGet(user, path string, out any) {
	e.t.Helper()
	ctx := context.Background()
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	r := e.srv.Do(ctx, "POST", "/api/v1/auth/token", "", body)
	var t struct {
		Access string `json:"access_token"`
	}
	if err := json.Unmarshal(r.Body, &t); err != nil || t.Access == "" {
		e.t.Fatalf("token of %s: %d %s", user, r.Status, r.Body)
	}
	if r = e.srv.Do(ctx, "GET", path, t.Access, nil); r.Status != http.StatusOK || json.Unmarshal(r.Body, out) != nil {
		e.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
}

// profileOf is the AUTORIZZATO grant of op.h501 as the API holds it.
func (e *env) profileOf() (services []string, quota int) {
	e.t.Helper()
	var u struct {
		Grants []struct {
			Role       string   `json:"role"`
			Services   []string `json:"services"`
			DailyQuota int      `json:"dailyQuota"`
		} `json:"grants"`
	}
	e.apiGet("top.h501", "/api/v1/admin/comuni/H501/users/"+strconv.FormatInt(e.ids["op.h501"], 10), &u)
	for _, g := range u.Grants {
		if g.Role == "AUTORIZZATO" {
			return g.Services, g.DailyQuota
		}
	}
	e.t.Fatal("op.h501 has no AUTORIZZATO grant")
	return nil, 0
}

// TestAdminEditsProfile: the ADMIN changes its AUTORIZZATO's services and quota through the
// API's PATCH; without the CSRF token nothing changes; a service outside the convenzione is
// the API's refusal; the change is in the admin-event log with before and after.
func TestAdminEditsProfile(t *testing.T) {
	e := newEnv(t)
	path := "/console/utenti/" + strconv.FormatInt(e.ids["op.h501"], 10) + "/profilo"
	adm := e.signIn("adm.h501", pw)
	if p := adm.do("GET", path, nil); p.status != http.StatusOK || !strings.Contains(p.body, `value="C020" checked`) ||
		!strings.Contains(p.body, `id="p-C030" name="servizi" value="C030">`) || !strings.Contains(p.body, `<label for="pq"`) {
		t.Fatalf("profile page: %d %s", p.status, p.body)
	}
	form := func() url.Values { return url.Values{"servizi": {"C020", "C030"}, "quota": {"25"}} }
	if p := adm.post(path, form(), false); p.status != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", p.status)
	}
	if svc, q := e.profileOf(); len(svc) != 1 || q != 0 {
		t.Fatalf("a refused form changed the profile: %v %d", svc, q)
	}
	bad := url.Values{"servizi": {"C001"}, "quota": {"5"}}
	if p := adm.post(path, bad, true); p.status != http.StatusForbidden || !strings.Contains(p.body, "alert-danger") {
		t.Fatalf("service outside the convenzione: %d %s", p.status, p.body)
	}
	if p := adm.post(path, url.Values{"servizi": {"C020"}, "quota": {"-3"}}, true); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, "dailyQuota must be 0") {
		t.Fatalf("negative quota: %d %s", p.status, p.body)
	}
	p := adm.post(path, form(), true)
	if p.status != http.StatusSeeOther || p.loc != path+"?ok=profilo" {
		t.Fatalf("save: %d %s %s", p.status, p.loc, p.body)
	}
	if svc, q := e.profileOf(); strings.Join(svc, ",") != "C020,C030" || q != 25 {
		t.Fatalf("the API holds %v %d, want C020,C030 25", svc, q)
	}
	if p := adm.do("GET", p.loc, nil); !strings.Contains(p.body, "Profilo aggiornato") || !strings.Contains(p.body, "C020, C030") ||
		!strings.Contains(p.body, "25 richieste al giorno") {
		t.Fatalf("the page does not show the new profile: %s", p.body)
	}
	var row string // the successful user.update, newest first
	for _, r := range strings.Split(adm.do("GET", "/console/eventi", nil).body, "<tr>") {
		if strings.Contains(r, "<td>user.update</td>") && strings.Contains(r, "<td>ok</td>") {
			row = r
			break
		}
	}
	snaps := strings.Split(row, `<pre class="snapshot">`) // the row, before, after
	if len(snaps) != 3 || !strings.Contains(snaps[1], "&#34;dailyQuota&#34;: 0") || !strings.Contains(snaps[2], "&#34;dailyQuota&#34;: 25") {
		t.Fatalf("the admin-event log lacks the change with before and after: %q", row)
	}
	// The Comune's TOP reads the profile but does not edit it: profiles are the ADMIN's
	// (docs/governance.md), and the API's 403 is what the TOP gets.
	top := e.signIn("top.h501", pw)
	if p := top.do("GET", path, nil); p.status != http.StatusOK || !strings.Contains(p.body, "25 richieste al giorno") || strings.Contains(p.body, "Salva il profilo") {
		t.Fatalf("TOP's profile page: %d %s", p.status, p.body)
	}
	if p := top.post(path, url.Values{"servizi": {"C030"}, "quota": {"30"}}, true); p.status != http.StatusForbidden {
		t.Fatalf("TOP save: %d", p.status)
	}
	if svc, q := e.profileOf(); strings.Join(svc, ",") != "C020,C030" || q != 25 {
		t.Fatalf("after the TOP's refused form the API holds %v %d", svc, q)
	}
}

// TestProfileOfOthersRefused: an ADMIN of another Ente and a TOP of another Comune get the
// API's refusal, on the page and on the form, and the profile stays as it was. The API
// answers 404 to both: a user outside the caller's scope is not shown to exist.
func TestProfileOfOthersRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := &store.Ente{Name: "Ufficio Tributi", CreatedByComune: "H501"}
	if err := store.CreateEnte(ctx, e.db, other); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateConvenzione(ctx, e.db, &store.Convenzione{ComuneCode: "H501", EnteID: other.ID,
		Services: []string{"C020"}, ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword(pw)
	usr := &store.User{Username: "adm2.h501", DisplayName: "Altro ADMIN", PasswordHash: hash, Active: true}
	if err := store.CreateUser(ctx, e.db, usr); err != nil {
		t.Fatal(err)
	}
	if err := e.az.AddGrant(ctx, &store.Grant{UserID: usr.ID, ComuneCode: "H501", Role: store.RoleAdmin, EnteID: other.ID}); err != nil {
		t.Fatal(err)
	}
	path := "/console/utenti/" + strconv.FormatInt(e.ids["op.h501"], 10) + "/profilo"
	for _, c := range []struct {
		user   string
		status int
	}{{"adm2.h501", http.StatusNotFound}, {"top.f205", http.StatusNotFound}} {
		b := e.signIn(c.user, pw)
		if p := b.do("GET", path, nil); p.status == http.StatusOK || strings.Contains(p.body, "Utente op.h501") {
			t.Errorf("%s opens the profile: %d", c.user, p.status)
		}
		if p := b.post(path, url.Values{"servizi": {"C020", "C030"}, "quota": {"9"}}, true); p.status != c.status {
			t.Errorf("%s saves the profile: %d, want %d", c.user, p.status, c.status)
		}
	}
	if svc, q := e.profileOf(); len(svc) != 1 || q != 0 {
		t.Fatalf("another's form changed the profile: %v %d", svc, q)
	}
}

// TestAnchors: the TOP takes an anchor of its Comune, downloads it, and checks it (and a
// forged one) through the API; the forms need the CSRF token; an ADMIN gets the API's refusal.
func TestAnchors(t *testing.T) {
	e := newEnv(t)
	e.audit("rq-1", "op.h501", time.Now().Add(-time.Hour))
	e.audit("rq-2", "op.h501", time.Now())
	top := e.signIn("top.h501", pw)
	if p := top.do("GET", "/console/integrita", nil); !strings.Contains(p.body, "Produci un'ancora") || !strings.Contains(p.body, `<label for="ancore"`) {
		t.Fatalf("integrity page: %s", p.body)
	}
	if p := top.post("/console/integrita/ancora", url.Values{}, false); p.status != http.StatusForbidden {
		t.Fatalf("anchor without CSRF: %d", p.status)
	}
	if n := e.count("audit_checkpoints", "comune = ?", "H501"); n != 0 {
		t.Fatalf("a refused form signed %d checkpoints", n)
	}
	if p := top.post("/console/integrita/ancora", url.Values{}, true); p.status != http.StatusSeeOther {
		t.Fatalf("anchor: %d %s", p.status, p.body)
	}
	if p := top.do("GET", "/console/integrita?ok=ancora", nil); !strings.Contains(p.body, `id="ancora"`) || !strings.Contains(p.body, "Scarica") {
		t.Fatalf("the anchor is not shown: %s", p.body)
	}
	dl := top.do("GET", "/console/integrita/ancora.json", nil)
	var a map[string]any
	if dl.status != http.StatusOK || json.Unmarshal([]byte(dl.body), &a) != nil || a["comune"] != "H501" || a["seq"] != 2.0 ||
		!strings.Contains(dl.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %s", dl.status, dl.body)
	}
	if p := top.post("/console/integrita/verifica-ancore", url.Values{"ancore": {dl.body}}, false); p.status != http.StatusForbidden {
		t.Fatalf("check without CSRF: %d", p.status)
	}
	p := top.post("/console/integrita/verifica-ancore", url.Values{"ancore": {dl.body}}, true)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Le ancore corrispondono al registro") || !strings.Contains(p.body, "<td>corrisponde</td>") {
		t.Fatalf("check: %d %s", p.status, p.body)
	}
	a["hash"] = strings.Repeat("0", 64)
	forged, _ := json.Marshal(a)
	if p := top.post("/console/integrita/verifica-ancore", url.Values{"ancore": {"[" + dl.body + "," + string(forged) + "]"}}, true); !strings.Contains(p.body, "Almeno un'ancora non corrisponde") {
		t.Fatalf("forged anchor: %d %s", p.status, p.body)
	}
	if p := top.post("/console/integrita/verifica-ancore", url.Values{"ancore": {"non è json"}}, true); p.status != http.StatusBadRequest {
		t.Fatalf("not JSON: %d", p.status)
	}
	adm := e.signIn("adm.h501", pw)
	if p := adm.do("GET", "/console/integrita", nil); strings.Contains(p.body, "Produci un'ancora") {
		t.Error("the ADMIN is offered anchors")
	}
	if p := adm.post("/console/integrita/ancora", url.Values{}, true); p.status != http.StatusForbidden {
		t.Errorf("ADMIN anchor: %d", p.status)
	}
	if p := adm.post("/console/integrita/verifica-ancore", url.Values{"ancore": {dl.body}}, true); p.status != http.StatusForbidden || strings.Contains(p.body, "corrisponde") {
		t.Errorf("ADMIN check: %d", p.status)
	}
}
