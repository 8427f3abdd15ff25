package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
)

// consoleBrowser is a headless Chromium at 1366×768, the laptop the console must fit.
func consoleBrowser(t *testing.T) (context.Context, context.CancelFunc) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 768), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute) // a guard against a hang; the journey takes 1–4 min under load
	return ctx, func() { cancelTimeout(); cancel(); cancelAlloc() }
}

// shots is where the journey's screenshots go: VARCO_CONSOLE_SCREENSHOTS (docs/console to
// refresh the guide's pictures), else the test's temporary directory.
func shots(t *testing.T) string {
	if d := os.Getenv("VARCO_CONSOLE_SCREENSHOTS"); d != "" {
		return d
	}
	return t.TempDir()
}

type journey struct {
	t    *testing.T
	base string
	dir  string
}

// run runs actions, failing the test with where the browser is.
func (j *journey) run(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		j.t.Fatalf("%s: %v\n%s", what, err, pageState(ctx))
	}
}

// see waits up to 40 s for want in the page's text and returns the text. It reads the text
// with a script, not a DOM node, so a page replaced meanwhile (a redirect after a form) is
// read again rather than failing on a node that no longer exists.
func (j *journey) see(ctx context.Context, want string) string {
	j.t.Helper()
	var text string
	for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var err error
		text, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil && strings.Contains(text, want) {
			return text
		}
		if ctx.Err() != nil {
			break
		}
	}
	j.t.Fatalf("waiting for %q\n%s", want, pageState(ctx))
	return ""
}

// shot saves the whole page as PNG. The tab is brought to the front first (Chrome gives a
// hidden tab no frames, and a capture waits for one), and a capture is bounded: in full
// runs the page reached by a submitted search once never gave its frame, so a capture that
// times out is retried once on the page reloaded, and only then fails.
func (j *journey) shot(ctx context.Context, name string) {
	j.t.Helper()
	png, err := capture(ctx, false)
	if err != nil {
		png, err = capture(ctx, true)
	}
	if err != nil {
		j.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(j.dir, name+".png"), png, 0o644); err != nil {
		j.t.Fatal(err)
	}
}

// capture brings the tab to the front, optionally reloads it, and takes a full-page PNG
// within 30 seconds.
func capture(ctx context.Context, reload bool) ([]byte, error) {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	front := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.BringToFront, cdp.Empty{})
		return err
	})
	steps := []chromedp.Action[chromedp.Void]{front}
	if reload {
		steps = append(steps, chromedp.Reload())
	}
	if err := chromedp.Do(sctx, steps...); err != nil {
		return nil, err
	}
	return chromedp.Run(sctx, chromedp.FullScreenshot(100))
}

func (j *journey) signIn(ctx context.Context, user, password string) {
	j.t.Helper()
	j.run(ctx, "sign-in page", chromedp.Navigate(j.base+"/console/"), chromedp.WaitVisible(chromedp.ID("username")))
	j.run(ctx, "sign in "+user, chromedp.SendKeys(chromedp.ID("username"), user),
		chromedp.SendKeys(chromedp.ID("password"), password), chromedp.Submit(chromedp.ID("password")))
}

// key presses one key (Tab, Enter, Space) as a keyboard does.
func key(k string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(k) }

// eval evaluates a script expression and returns its string value.
func (j *journey) eval(ctx context.Context, expr string) string {
	j.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		j.t.Fatalf("%s: %v\n%s", expr, err, pageState(ctx))
	}
	return v
}

// tabTo presses Tab until the element with id has the focus: how a keyboard user reaches a field.
func (j *journey) tabTo(ctx context.Context, id string) {
	j.t.Helper()
	for range 60 {
		if j.eval(ctx, `document.activeElement ? document.activeElement.id : ""`) == id {
			return
		}
		j.run(ctx, "Tab", key(kb.Tab))
	}
	j.t.Fatalf("Tab never reached #%s\n%s", id, pageState(ctx))
}

var reOneTimePassword = regexp.MustCompile(`Password provvisoria di (\S+): (\S+)`)

// TestBrowserConsole is issue #12's journey in headless Chromium: the TOP creates an Ente, its
// convenzione and its ADMIN; the ADMIN, with the keyboard alone, changes the one-time
// password and creates an AUTORIZZATO with C020 and C030; that operator's API queries appear
// in the live view and both dashboards; the TOP finds all four by codice fiscale; a TOP of
// another Comune sees none of it; a form posted without its CSRF token is refused.
func TestBrowserConsole(t *testing.T) {
	chromiumPath(t)
	cfg := testConfig(t, t.TempDir())
	s, base := startEnv(t, cfg)
	defer s.stop(quietLogger())
	(&adminEnv{t: t, s: s, url: base, az: s.api.Authz}).addComuneB()
	j := &journey{t: t, base: base, dir: shots(t)}

	top, cancel := consoleBrowser(t)
	defer cancel()
	j.signIn(top, "demo-top", "demo")
	j.see(top, "Sei TOP nel Comune H501")
	j.shot(top, "inizio-top")
	j.run(top, "Enti", chromedp.Navigate(base+"/console/enti"), chromedp.WaitVisible(chromedp.ID("nome")))
	j.run(top, "new Ente", chromedp.SendKeys(chromedp.ID("nome"), "Ufficio Tributi Prova"), chromedp.Submit(chromedp.ID("nome")))
	j.see(top, "Ente registrato")
	j.run(top, "convenzione", chromedp.Click(chromedp.CSS(`label[for="nc-C020"]`)), chromedp.Click(chromedp.CSS(`label[for="nc-C030"]`)),
		chromedp.Submit(chromedp.ID("quota")))
	j.see(top, "Convenzione salvata")
	j.run(top, "new ADMIN", chromedp.SendKeys(chromedp.ID("au"), "anna.admin"),
		chromedp.SendKeys(chromedp.ID("an"), "Anna Amministratrice"), chromedp.Submit(chromedp.ID("au")))
	m := reOneTimePassword.FindStringSubmatch(j.see(top, "Password provvisoria"))
	if m == nil || m[1] != "anna.admin@H501" {
		t.Fatalf("no one-time password for the ADMIN: %v", m)
	}
	j.shot(top, "utenti-top")
	j.run(top, "Ente page", chromedp.Navigate(base+"/console/enti"))
	j.run(top, "open the Ente", chromedp.Click(`//a[text()="Ufficio Tributi Prova"]`))
	j.see(top, "Convenzione n.")
	j.shot(top, "ente")

	adm, cancel2 := consoleBrowser(t)
	defer cancel2()
	operator := j.adminByKeyboard(adm, m[2])

	// The live view is open when the operator's queries arrive.
	j.run(adm, "live view", chromedp.Navigate(base+"/console/diretta"))
	j.see(adm, "Collegato")
	op := loginWith(t, base, operator.user, operator.password)
	var ids []string
	for range 3 {
		ids = append(ids, mustQuery(t, base, op, "C020", query("AF41450AS")))
	}
	ids = append(ids, mustQuery(t, base, op, "C030", map[string]any{"comune": "H501",
		"criteri": map[string]string{"codiceFiscale": "STTSGT90A01H501J"}, "motivo": "PROT-2026-200"}))
	if err := chromedp.Do(adm, chromedp.Poll[chromedp.Void](
		`document.querySelectorAll('#richieste tr').length >= 4`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the live view did not show the operator's 4 requests: %v\n%s", err, pageState(adm))
	}
	if live := j.see(adm, "Oscar Operatore"); strings.Count(live, "Oscar Operatore") != 4 {
		t.Errorf("the live view shows %d rows of the operator, want 4:\n%s", strings.Count(live, "Oscar Operatore"), live)
	}
	j.shot(adm, "diretta")
	for _, b := range []context.Context{adm, top} {
		j.run(b, "dashboard", chromedp.Navigate(base+"/console/cruscotto"))
		j.see(b, "Oscar Operatore")
	}
	j.see(top, "Ufficio Tributi Prova")
	j.shot(adm, "cruscotto-admin")
	j.shot(top, "cruscotto-top")

	// "Who looked up this person?" by codice fiscale: all four.
	j.run(top, "search", chromedp.Navigate(base+"/console/registro"), chromedp.WaitVisible(chromedp.ID("subject")),
		chromedp.SendKeys(chromedp.ID("subject"), "STTSGT90A01H501J"), chromedp.Submit(chromedp.ID("subject")))
	found := j.see(top, "Oscar Operatore")
	if n := strings.Count(found, "Oscar Operatore"); n != 4 {
		t.Errorf("by codice fiscale the TOP finds %d of the 4 lookups:\n%s", n, found)
	}
	j.shot(top, "registro")
	j.run(top, "request page", chromedp.Navigate(base+"/console/richieste/"+ids[0]))
	j.see(top, "idOperazioneANPR")
	j.shot(top, "richiesta")

	// A form posted without its token, from the TOP's own signed-in page, is refused.
	status, err := chromedp.Run(top, chromedp.Evaluate[int](`fetch('/console/enti', {method: 'POST',
		headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'nome=Senza+token'}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || status != 403 {
		t.Errorf("a form without its CSRF token got %d (%v), want 403", status, err)
	}

	// Another Comune's TOP: nothing of H501, by page or by id in the URL.
	other, cancel3 := consoleBrowser(t)
	defer cancel3()
	j.signIn(other, "top-f205", "demo")
	j.see(other, "Sei TOP nel Comune F205")
	for _, path := range []string{"/console/registro?subject=STTSGT90A01H501J", "/console/cruscotto", "/console/utenti",
		"/console/enti", "/console/richieste/" + ids[0]} {
		j.run(other, path, chromedp.Navigate(base+path))
		text := j.see(other, "Varco")
		for _, leak := range []string{"Oscar Operatore", "Ufficio Tributi Prova", "anna.admin", "PROT-2026"} {
			if strings.Contains(text, leak) {
				t.Errorf("F205's TOP sees %q at %s", leak, path)
			}
		}
	}
}

type credentials struct{ user, password string }

// adminByKeyboard is the ADMIN's journey with the keyboard alone: sign in, change the
// one-time password, create an AUTORIZZATO with C020 and C030. It returns the AUTORIZZATO.
func (j *journey) adminByKeyboard(ctx context.Context, oneTime string) credentials {
	j.t.Helper()
	j.run(ctx, "sign-in page", chromedp.Navigate(j.base+"/console/accesso"), chromedp.WaitVisible(chromedp.ID("username")))
	j.tabTo(ctx, "username")
	j.run(ctx, "type", chromedp.KeyEvent("anna.admin@H501"), key(kb.Tab), chromedp.KeyEvent(oneTime), key(kb.Enter))
	j.see(ctx, "password provvisoria")
	j.shot(ctx, "primo-accesso")
	// The skip link first: Tab, Enter, then Tab into the form.
	j.run(ctx, "skip link", key(kb.Tab))
	if active := j.eval(ctx, `document.activeElement.textContent`); active != "Vai al contenuto principale" {
		j.t.Errorf("the first Tab reaches %q, not the skip link", active)
	}
	j.run(ctx, "skip", key(kb.Enter), key(kb.Tab))
	j.tabTo(ctx, "attuale")
	strong := "tramonto-gelso-violino-42"
	j.run(ctx, "password", chromedp.KeyEvent(oneTime), key(kb.Tab), chromedp.KeyEvent(strong), key(kb.Tab))
	j.tabTo(ctx, "conferma")
	j.run(ctx, "confirm", chromedp.KeyEvent(strong), key(kb.Enter))
	j.see(ctx, "Password cambiata")
	j.see(ctx, "Sei ADMIN")
	for range 60 { // Tab to the "Utenti autorizzati" link and follow it with Enter
		j.run(ctx, "Tab", key(kb.Tab))
		if j.eval(ctx, `document.activeElement.textContent`) == "Utenti autorizzati" {
			break
		}
	}
	j.run(ctx, "open users", key(kb.Enter))
	j.see(ctx, "Nuovo utente autorizzato")
	j.tabTo(ctx, "nu")
	j.run(ctx, "new AUTORIZZATO", chromedp.KeyEvent("oscar.operatore"), key(kb.Tab), chromedp.KeyEvent("Oscar Operatore"))
	j.tabTo(ctx, "s-C020")
	j.run(ctx, "C020", key(" "))
	j.tabTo(ctx, "s-C030")
	j.run(ctx, "C030", key(" "))
	j.tabTo(ctx, "nq")
	j.run(ctx, "submit", key(kb.Enter))
	m := reOneTimePassword.FindStringSubmatch(j.see(ctx, "Password provvisoria"))
	if m == nil || m[1] != "oscar.operatore@H501" {
		j.t.Fatalf("no one-time password for the AUTORIZZATO\n%s", pageState(ctx))
	}
	j.see(ctx, "C020, C030")
	j.shot(ctx, "utenti-admin")
	return credentials{user: m[1], password: m[2]}
}

// TestBrowserOneSignIn: signed in to the console, a TOP opens the Temporal Web UI and is in,
// with no second password.
func TestBrowserOneSignIn(t *testing.T) {
	chromiumPath(t)
	s, base, ui := startEnvWithUI(t)
	defer s.stop(quietLogger())
	id := mustQuery(t, base, login(t, base, "demo-operatore"), "C020", query("AF41450AS"))
	j := &journey{t: t, base: base, dir: t.TempDir()}
	ctx, cancel := consoleBrowser(t)
	defer cancel()
	j.signIn(ctx, "demo-top", "demo")
	j.see(ctx, "Sei TOP nel Comune H501")
	j.run(ctx, "open the UI", chromedp.Navigate(ui+"/namespaces/comune-h501/workflows"))
	j.see(ctx, id) // the workflow list, and no sign-in form on the way
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, ui) {
		t.Fatalf("the UI did not open: at %s", loc)
	}
}
