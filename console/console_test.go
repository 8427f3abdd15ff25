package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/console"
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
	srv := api.New(api.Deps{DB: db, Tokens: tokens, Authz: az, RequestTimeout: time.Second, Logger: quiet()})
	c, err := console.New(console.Deps{Logger: quiet(),
		API: func(ctx context.Context, method, path, token string, body []byte) (int, string, []byte) {
			r := srv.Do(ctx, method, path, token, body)
			return r.Status, r.ContentType, r.Body
		}})
	must(err)
	c.Mount(srv.App())
	return &env{t: t, db: db, srv: srv, ente: ente.ID, ids: ids}
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
	if _, err := store.InsertAudit(context.Background(), e.db, r); err != nil {
		e.t.Fatal(err)
	}
}
