package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/workflows"
)

// oidcEnv drives Varco's OpenID Provider over real HTTP, as the Web UI and a browser do.
type oidcEnv struct {
	t        *testing.T
	issuer   string
	redirect string
	secret   string
	http     *http.Client // follows no redirects: each hop is checked
}

func (e *oidcEnv) get(u string) *http.Response {
	e.t.Helper()
	resp, err := e.http.Get(u)
	if err != nil {
		e.t.Fatalf("GET %s: %v", u, err)
	}
	return resp
}

func readAll(r *http.Response) string {
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// authorize starts a sign-in with PKCE and returns the login page's auth request id.
func (e *oidcEnv) authorize(challenge string) string {
	e.t.Helper()
	q := url.Values{"client_id": {api.UIClientID}, "redirect_uri": {e.redirect}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	resp := e.get(e.issuer + "/authorize?" + q.Encode())
	body := readAll(resp)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasSuffix(loc.Path, "/oidc/login") {
		e.t.Fatalf("authorize: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	id := loc.Query().Get("authRequestID")
	page := e.get(e.issuer + "/login?authRequestID=" + url.QueryEscape(id))
	if html := readAll(page); page.StatusCode != 200 || !strings.Contains(html, `name="password"`) {
		e.t.Fatalf("login page: %d %s", page.StatusCode, html)
	}
	return id
}

// signIn posts the login form; it returns the status and, on success, the code.
func (e *oidcEnv) signIn(id, user, password string) (int, string) {
	e.t.Helper()
	resp, err := e.http.PostForm(e.issuer+"/login", url.Values{"authRequestID": {id}, "username": {user}, "password": {password}})
	if err != nil {
		e.t.Fatal(err)
	}
	readAll(resp)
	if resp.StatusCode != http.StatusFound {
		return resp.StatusCode, ""
	}
	cb := e.get(resp.Header.Get("Location")) // the provider's callback, then the UI's
	readAll(cb)
	loc, err := url.Parse(cb.Header.Get("Location"))
	if cb.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), e.redirect) || loc.Query().Get("state") != "st-1" {
		e.t.Fatalf("callback: %d %s", cb.StatusCode, cb.Header.Get("Location"))
	}
	return http.StatusFound, loc.Query().Get("code")
}

// exchange trades the code at the token endpoint as the UI does (client secret, basic auth).
func (e *oidcEnv) exchange(code, verifier string) (int, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {e.redirect}, "code_verifier": {verifier}}
	req, _ := http.NewRequest("POST", e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(api.UIClientID), url.QueryEscape(e.secret)) // RFC 6749 §2.3.1
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(readAll(resp)), &out)
	return resp.StatusCode, out
}

func pkce() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// uiToken signs user in through the whole flow and returns the access token.
func (e *oidcEnv) uiToken(user string) string {
	e.t.Helper()
	verifier, challenge := pkce()
	status, code := e.signIn(e.authorize(challenge), user, "demo")
	if status != http.StatusFound {
		e.t.Fatalf("sign-in of %s: %d", user, status)
	}
	st, tok := e.exchange(code, verifier)
	at, _ := tok["access_token"].(string)
	if st != 200 || at == "" || tok["id_token"] == nil {
		e.t.Fatalf("token exchange of %s: %d %v", user, st, tok)
	}
	return at
}

func permissionsOf(t *testing.T, token string) []string {
	t.Helper()
	var c struct {
		Permissions []string `json:"permissions"`
	}
	if _, _, err := jwt.NewParser().ParseUnverified(token, &jwtMap{&c}); err != nil {
		t.Fatal(err)
	}
	return c.Permissions
}

// jwtMap decodes a token's claims into any struct (jwt.Claims needs the getters).
type jwtMap struct{ v any }

func (m *jwtMap) UnmarshalJSON(b []byte) error                 { return json.Unmarshal(b, m.v) }
func (m *jwtMap) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (m *jwtMap) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (m *jwtMap) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (m *jwtMap) GetIssuer() (string, error)                   { return "", nil }
func (m *jwtMap) GetSubject() (string, error)                  { return "", nil }
func (m *jwtMap) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// TestWebUISignIn: Varco is the Web UI's OpenID Provider. Over real HTTP: discovery, JWKS,
// authorize with PKCE, the sign-in page, the code exchange; a TOP's token carries read on
// their Comune's namespace only; an ADMIN or AUTORIZZATO gets none. Temporal's frontend then
// accepts that token for reads of that namespace and refuses writes and other Comuni, and the
// codec endpoint opens that namespace's payloads only.
func TestWebUISignIn(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.TemporalUIURL = "http://127.0.0.1:8233"
	s, base := startEnv(t, cfg)
	defer s.stop(quietLogger())
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	e := &oidcEnv{t: t, issuer: base + "/oidc", redirect: cfg.TemporalUIURL + "/auth/sso/callback", secret: cfg.UIClientSecret,
		http: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	var disc struct {
		Issuer                           string   `json:"issuer"`
		JWKS                             string   `json:"jwks_uri"`
		CodeChallengeMethodsSupported    []string `json:"code_challenge_methods_supported"`
		IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal([]byte(readAll(e.get(e.issuer+"/.well-known/openid-configuration"))), &disc); err != nil {
		t.Fatal(err)
	}
	if disc.Issuer != e.issuer || !slices.Contains(disc.CodeChallengeMethodsSupported, "S256") || !slices.Contains(disc.IDTokenSigningAlgValuesSupported, "ES256") {
		t.Fatalf("discovery: %+v", disc)
	}
	if jwks := readAll(e.get(disc.JWKS)); !strings.Contains(jwks, `"kid":"`+cfg.TemporalJWTKID+`"`) || strings.Contains(jwks, `"d":`) {
		t.Fatalf("jwks: %s", jwks)
	}

	// demo-top: read on comune-h501, nothing else.
	top := e.uiToken("demo-top")
	if p := permissionsOf(t, top); !slices.Equal(p, []string{"comune-h501:read"}) {
		t.Fatalf("demo-top's permissions: %v", p)
	}

	// A code works once, with its verifier only.
	verifier, challenge := pkce()
	_, code := e.signIn(e.authorize(challenge), "demo-top", "demo")
	if st, _ := e.exchange(code, "wrong-verifier-wrong-verifier-wrong-verifier"); st == 200 {
		t.Fatal("a wrong PKCE verifier was accepted")
	}
	_, code = e.signIn(e.authorize(challenge), "demo-top", "demo")
	if st, _ := e.exchange(code, verifier); st != 200 {
		t.Fatalf("exchange: %d", st)
	}
	if st, _ := e.exchange(code, verifier); st == 200 {
		t.Fatal("a code was exchanged twice")
	}

	// No UI for an ADMIN, an AUTORIZZATO, or a wrong password.
	for _, tc := range []struct {
		user, password string
		status         int
	}{
		{"demo-admin", "demo", 403}, {"demo-operatore", "demo", 403}, {"demo-top", "wrong", 401}, {"nobody", "demo", 401},
	} {
		_, ch := pkce()
		if st, code := e.signIn(e.authorize(ch), tc.user, tc.password); st != tc.status || code != "" {
			t.Errorf("%s/%s: %d, want %d", tc.user, tc.password, st, tc.status)
		}
	}

	// A second Comune's TOP gets their Comune, not H501.
	(&adminEnv{t: t, s: s, url: base, az: s.api.Authz}).addComuneB()
	waitComune(t, s, "F205")
	topB := e.uiToken("top-f205")
	if p := permissionsOf(t, topB); !slices.Equal(p, []string{"comune-f205:read"}) {
		t.Fatalf("top-f205's permissions: %v", p)
	}

	// The frontend: demo-top's token reads H501, writes nothing, reaches no other namespace.
	op := login(t, base, "demo-operatore")
	a := call(t, "POST", base+"/api/v1/anpr/C020", op, query("AF41450AS"))
	if a.status != 200 {
		t.Fatalf("query: %d %s", a.status, a.raw)
	}
	id := a.body["requestId"].(string)
	ctx := context.Background()
	h501 := dialAs(t, cfg, workflows.Namespace("H501"), top)
	defer h501.Close()
	if _, err := h501.DescribeWorkflowExecution(ctx, id, ""); err != nil {
		t.Fatalf("demo-top reads H501: %v", err)
	}
	wantDenied(t, "demo-top terminates", h501.TerminateWorkflow(ctx, id, "", "x"))
	assertListed(t, h501, []string{"comune-h501"})
	f205 := dialAs(t, cfg, workflows.Namespace("F205"), top)
	defer f205.Close()
	_, err := f205.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: workflows.Namespace("F205")})
	wantDenied(t, "demo-top lists F205", err)
	hB := dialAs(t, cfg, workflows.Namespace("H501"), topB)
	defer hB.Close()
	_, err = hB.DescribeWorkflowExecution(ctx, id, "")
	wantDenied(t, "top-f205 reads H501", err)

	// The codec endpoint takes the same token, for its namespace only.
	payload := startedInput(t, s, id)
	for _, tc := range []struct {
		token, ns string
		status    int
	}{{top, "comune-h501", 200}, {top, "comune-f205", 403}, {topB, "comune-h501", 403}, {top + "x", "comune-h501", 401}} {
		r := call(t, "POST", base+"/codec/decode", tc.token, payload, "X-Namespace", tc.ns)
		if r.status != tc.status || (tc.status == 200 && !decodedHolds(r.raw, "AF41450AS")) {
			t.Errorf("codec %s: %d %s, want %d", tc.ns, r.status, r.raw, tc.status)
		}
	}
}

// startedInput is the workflow's stored (encrypted) input, as the codec protocol's JSON.
func startedInput(t *testing.T, s *stack, id string) string {
	t.Helper()
	for _, ev := range rawHistory(t, nsClient(t, s, "H501"), id).Events {
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
			b, err := protojson.Marshal(ev.GetWorkflowExecutionStartedEventAttributes().GetInput())
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatal("no started event")
	return ""
}

func decodedHolds(raw []byte, want string) bool {
	var out commonpb.Payloads
	if protojson.Unmarshal(raw, &out) != nil || len(out.Payloads) == 0 {
		return false
	}
	return strings.Contains(string(out.Payloads[0].Data), want)
}

// waitComune waits until the running stack serves a Comune added to the database.
func waitComune(t *testing.T, s *stack, code string) {
	t.Helper()
	for range 200 {
		if slices.Contains(s.manager.Comuni(), code) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("comune %s never prepared", code)
}

// TestWebUISignInAcrossReplicas: behind a load balancer the steps of one Web UI sign-in reach
// different `varco api` replicas. Authorize on one, the sign-in form on the other, the code
// exchanged on either: the sign-in in progress is in the shared database, not in a replica's
// memory. A used code is refused by both.
func TestWebUISignInAcrossReplicas(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.TemporalUIURL = "http://127.0.0.1:8233"
	if err := fillDevSecrets(&cfg); err != nil {
		t.Fatal(err)
	}
	cfg.OIDCIssuer = "http://" + cfg.APIAddr + "/oidc" // the balancer's address, as browsers see it
	splitBackends(t, cfg)
	cfg2 := cfg
	cfg2.APIAddr = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 2)
	for _, c := range []config.Config{cfg, cfg2} {
		go func() { done <- runAPI(ctx, c, quietLogger()) }()
		waitReady(t, "http://"+c.APIAddr)
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	replica := func(c config.Config) *oidcEnv {
		return &oidcEnv{t: t, issuer: "http://" + c.APIAddr + "/oidc", redirect: cfg.TemporalUIURL + "/auth/sso/callback",
			secret: cfg.UIClientSecret, http: client}
	}
	one, two := replica(cfg), replica(cfg2)

	verifier, challenge := pkce()
	id := one.authorize(challenge)
	status, code := two.signIn(id, "demo-top", "demo")
	if status != http.StatusFound || code == "" {
		t.Fatalf("sign-in on the other replica: %d, code %q", status, code)
	}
	st, tok := two.exchange(code, verifier)
	at, _ := tok["access_token"].(string)
	if st != 200 || at == "" {
		t.Fatalf("exchange on the second replica: %d %v", st, tok)
	}
	if p := permissionsOf(t, at); !slices.Equal(p, []string{"comune-h501:read"}) {
		t.Fatalf("permissions: %v", p)
	}
	for _, r := range []*oidcEnv{one, two} {
		if st, _ := r.exchange(code, verifier); st == 200 {
			t.Fatalf("a used code was exchanged again at %s", r.issuer)
		}
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("api replica stopped with %v", err)
		}
	}
}
