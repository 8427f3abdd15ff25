package anpr

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// This file is a strict fake of PDND's token endpoint and ANPR's GovWay: it verifies every
// signature and claim the client sends (docs/anpr.md §3) and reports violations with t.Errorf.

const (
	testClientID     = "5f0a3c52-1b8e-4a36-9a9e-2f5d8c1e7b40"
	testKid          = "kid-comune-test"
	testAssertionAud = "auth.uat.interop.pagopa.it/client-assertion"
	testAudienceBase = "https://modipa-val.anpr.interno.it/govway/rest/in/MinInternoPortaANPR"
	anprPrefix       = "/govway/rest/in/MinInternoPortaANPR-PDND/"
)

var (
	keysOnce           sync.Once
	clientKey, pdndKey *rsa.PrivateKey
	testStart          = time.Date(2026, 1, 5, 10, 30, 15, 0, time.UTC)
	hexSHA256          = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// testKeys generates the RSA keys once per test binary: 2048-bit generation is slow.
func testKeys(tb testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if clientKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if pdndKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return clientKey, pdndKey
}

// testClock is a settable clock shared by client and fake.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// received is what the fake ANPR saw for one call, after verification.
type received struct {
	Service    catalogue.Service
	RawBody    []byte
	Body       map[string]any
	TE         jwt.MapClaims
	VoucherJTI string
}

type fake struct {
	tb     testing.TB
	srv    *httptest.Server
	clock  *testClock
	verify bool // false only in benchmarks, to measure the client alone

	tokenCalls atomic.Int32
	anprCalls  atomic.Int32

	mu         sync.Mutex
	tokenDelay time.Duration
	tokenReply func(w http.ResponseWriter) bool // returns true if it answered
	anprReply  func(w http.ResponseWriter, r *http.Request, rec received)
	last       received
}

func newFake(tb testing.TB) *fake { return newFakeServer(tb, false) }

// newFakeTLS serves the fake over TLS under httptest's own CA, standing in for collaudo's
// private Sogei CA.
func newFakeTLS(tb testing.TB) *fake { return newFakeServer(tb, true) }

func newFakeServer(tb testing.TB, useTLS bool) *fake {
	testKeys(tb)
	f := &fake{tb: tb, clock: &testClock{t: testStart}, verify: true}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token.oauth2", f.token)
	mux.HandleFunc("POST "+anprPrefix+"{name}/v1/anpr-service-e002", f.anpr)
	f.srv = httptest.NewUnstartedServer(mux)
	if useTLS {
		f.srv.StartTLS()
	} else {
		f.srv.Start()
	}
	tb.Cleanup(f.srv.Close)
	return f
}

func (f *fake) profile() Profile {
	purposes := map[string]string{}
	for _, s := range catalogue.All() {
		purposes[s.Code] = "purpose-" + s.Code
	}
	return Profile{
		ClientID: testClientID, Kid: testKid, PrivateKey: clientKey, PurposeIDs: purposes,
		TokenURL: f.srv.URL + "/token.oauth2", AssertionAudience: testAssertionAud,
		ServiceBaseURL: f.srv.URL + strings.TrimSuffix(anprPrefix, "/"), AudienceBase: testAudienceBase,
	}
}

func (f *fake) client(opts Options) *Client {
	if opts.Now == nil {
		opts.Now = f.clock.Now
	}
	return NewClient(opts)
}

func (f *fake) set(fn func(f *fake)) { f.mu.Lock(); defer f.mu.Unlock(); fn(f) }

func (f *fake) lastReceived() received { f.mu.Lock(); defer f.mu.Unlock(); return f.last }

func (f *fake) errorf(format string, args ...any) {
	f.tb.Helper()
	f.tb.Errorf("fake: "+format, args...)
}

// parse verifies a compact RS256 JWS with key and the RS256/kid/typ header rules.
func (f *fake) parse(what, tok string, key *rsa.PublicKey, wantKid, wantTyp string) jwt.MapClaims {
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(f.clock.Now),
		jwt.WithIssuedAt(), jwt.WithExpirationRequired()).ParseWithClaims(tok, claims,
		func(t *jwt.Token) (any, error) {
			if str(t.Header["kid"]) != wantKid || str(t.Header["typ"]) != wantTyp {
				f.errorf("%s header %v: want kid %q typ %q", what, t.Header, wantKid, wantTyp)
			}
			return key, nil
		})
	if err != nil {
		f.errorf("%s does not verify: %v", what, err)
	}
	return claims
}

// ---- PDND token endpoint ----

var assertionClaims = []string{"aud", "digest", "exp", "iat", "iss", "jti", "purposeId", "sub"}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	f.tokenCalls.Add(1)
	f.mu.Lock()
	delay, reply := f.tokenDelay, f.tokenReply
	f.mu.Unlock()
	time.Sleep(delay)
	if reply != nil && reply(w) {
		return
	}
	if err := r.ParseForm(); err != nil {
		f.errorf("token form: %v", err)
	}
	var aud, digest, purposeID string
	if f.verify {
		aud, digest, purposeID = f.checkAssertion(r.PostForm)
	} else {
		aud, digest, purposeID = "", strings.Repeat("0", 64), "p"
	}
	now := f.clock.Now().Unix()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": "uat.interop.pagopa.it", "aud": aud, "sub": testClientID, "client_id": testClientID,
		"purposeId": purposeID, "digest": map[string]string{"alg": "SHA256", "value": digest},
		"iat": now, "nbf": now, "exp": now + 600, "jti": uuid.NewString(),
	})
	tok.Header["typ"], tok.Header["kid"] = "at+jwt", "pdnd-key"
	voucher, err := tok.SignedString(pdndKey)
	if err != nil {
		f.errorf("sign voucher: %v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": voucher, "token_type": "Bearer", "expires_in": 600})
}

// checkAssertion enforces PDND's rules (docs/anpr.md §3.2) and returns the voucher's aud, digest, purpose.
func (f *fake) checkAssertion(form url.Values) (aud, digest, purposeID string) {
	want := map[string]string{"client_id": testClientID,
		"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
		"grant_type":            "client_credentials"}
	for k, v := range want {
		if form.Get(k) != v {
			f.errorf("token form %s = %q, want %q", k, form.Get(k), v)
		}
	}
	c := f.parse("client assertion", form.Get("client_assertion"), &clientKey.PublicKey, testKid, "JWT")
	if got := sortedKeys(c); strings.Join(got, ",") != strings.Join(assertionClaims, ",") {
		f.errorf("assertion claims %v, want exactly %v (no nbf)", got, assertionClaims)
	}
	checkClientClaims(f, "assertion", c)
	if c["aud"] != testAssertionAud {
		f.errorf("assertion aud %#v, want string %q", c["aud"], testAssertionAud)
	}
	checkNumericLifetime(f, "assertion", c, 300)
	d, _ := c["digest"].(map[string]any)
	if d["alg"] != "SHA256" || !hexSHA256.MatchString(str(d["value"])) || len(d) != 2 {
		f.errorf("assertion digest %v", d)
	}
	purposeID = str(c["purposeId"])
	code := strings.TrimPrefix(purposeID, "purpose-")
	svc, ok := catalogue.Lookup(code)
	if !ok {
		f.errorf("unknown purposeId %q", purposeID)
	}
	return testAudienceBase + "/" + svc.Name + "/v1", str(d["value"]), purposeID
}

func checkClientClaims(f *fake, what string, c jwt.MapClaims) {
	if c["iss"] != testClientID || c["sub"] != testClientID {
		f.errorf("%s iss/sub = %v/%v, want client id", what, c["iss"], c["sub"])
	}
	if _, err := uuid.Parse(str(c["jti"])); err != nil {
		f.errorf("%s jti %q is not a uuid", what, c["jti"])
	}
}

// checkNumericLifetime: iat/exp numeric (JSON numbers decode to float64), exp = iat + secs.
func checkNumericLifetime(f *fake, what string, c jwt.MapClaims, secs float64) {
	iat, ok1 := c["iat"].(float64)
	exp, ok2 := c["exp"].(float64)
	if !ok1 || !ok2 || exp-iat != secs || iat != float64(f.clock.Now().Unix()) {
		f.errorf("%s iat/exp %v/%v: want numeric, iat=now, exp=iat+%v", what, c["iat"], c["exp"], secs)
	}
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func str(v any) string { s, _ := v.(string); return s }

// ---- ANPR GovWay ----

func (f *fake) anpr(w http.ResponseWriter, r *http.Request) {
	f.anprCalls.Add(1)
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		f.errorf("read body: %v", err)
	}
	rec := received{RawBody: raw}
	var ok bool
	name := r.PathValue("name")
	for _, s := range catalogue.All() {
		if s.Name == name {
			rec.Service, ok = s, true
		}
	}
	if !ok {
		f.errorf("unknown service path %q", name)
	}
	if err := json.Unmarshal(raw, &rec.Body); err != nil {
		f.errorf("body is not JSON: %v", err)
	}
	if f.verify {
		f.checkModI(r, &rec)
		f.checkBody(rec)
	}
	f.mu.Lock()
	f.last = rec
	reply := f.anprReply
	f.mu.Unlock()
	w.Header().Set("GovWay-Transaction-ID", "gw-"+uuid.NewString())
	if reply == nil {
		reply = replyOK(okBody)
	}
	reply(w, r, rec)
}

// checkModI verifies voucher, TrackingEvidence, Agid-JWT-Signature and Digest (docs/anpr.md §3.6).
func (f *fake) checkModI(r *http.Request, rec *received) {
	aud := testAudienceBase + "/" + rec.Service.Name + "/v1"
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		f.errorf("no Bearer voucher")
	}
	v := f.parse("voucher", bearer, &pdndKey.PublicKey, "pdnd-key", "at+jwt")
	rec.VoucherJTI = str(v["jti"])
	if v["aud"] != aud {
		f.errorf("voucher aud %v, want %s", v["aud"], aud)
	}
	teJWS := r.Header.Get("Agid-JWT-TrackingEvidence")
	te := f.parse("TrackingEvidence", teJWS, &clientKey.PublicKey, testKid, "JWT")
	rec.TE = te
	f.checkTE(te, v, aud)
	if vd, _ := v["digest"].(map[string]any); str(vd["value"]) != sha256Hex(teJWS) {
		f.errorf("voucher digest does not bind the TrackingEvidence sent")
	}
	f.checkSignature(r, rec.RawBody, aud)
}

func (f *fake) checkTE(te, voucher jwt.MapClaims, aud string) {
	checkClientClaims(f, "TE", te)
	if te["aud"] != aud || te["purposeId"] != voucher["purposeId"] {
		f.errorf("TE aud/purposeId %v/%v, want %s/%v", te["aud"], te["purposeId"], aud, voucher["purposeId"])
	}
	iat, _ := te["iat"].(float64)
	exp, _ := te["exp"].(float64)
	if te["nbf"] != te["iat"] || exp-iat != 300 {
		f.errorf("TE iat/nbf/exp %v/%v/%v", te["iat"], te["nbf"], te["exp"])
	}
	if n, ok := te["dnonce"].(float64); !ok || n < 1e12 || n >= 1e13 {
		f.errorf("TE dnonce %v is not a 13-digit integer", te["dnonce"])
	}
	for _, k := range []string{"userID", "userLocation", "LoA"} {
		if str(te[k]) == "" {
			f.errorf("TE %s missing", k)
		}
	}
}

func (f *fake) checkSignature(r *http.Request, body []byte, aud string) {
	sum := sha256.Sum256(body)
	digest := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
	if got := r.Header.Values("Digest"); len(got) != 1 || got[0] != digest {
		f.errorf("Digest header %v, want [%s]", got, digest)
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Accept") != "application/json" {
		f.errorf("Content-Type/Accept = %q/%q", r.Header.Get("Content-Type"), r.Header.Get("Accept"))
	}
	s := f.parse("Agid-JWT-Signature", r.Header.Get("Agid-JWT-Signature"), &clientKey.PublicKey, testKid, "JWT")
	checkClientClaims(f, "signature", s)
	if s["aud"] != aud || s["nbf"] != s["iat"] {
		f.errorf("signature aud/nbf %v/%v", s["aud"], s["nbf"])
	}
	checkNumericLifetime(f, "signature", s, 300)
	list, ok := s["signed_headers"].([]any)
	if !ok || len(list) != 2 {
		f.errorf("signed_headers %#v is not an array of 2", s["signed_headers"])
	}
	for _, item := range list {
		obj, _ := item.(map[string]any)
		if len(obj) != 1 {
			f.errorf("signed_headers item %#v is not a one-key object", item)
		}
		for name, val := range obj {
			if r.Header.Get(name) != val {
				f.errorf("signed header %s = %v, sent %q", name, val, r.Header.Get(name))
			}
		}
	}
}

// checkBody checks the RichiestaE002 shape and casoUso.
func (f *fake) checkBody(rec received) {
	b := rec.Body
	want := "criteriRicerca,datiRichiesta,idOperazioneClient"
	if rec.Service.Verification {
		want += ",verifica" // TipoVerificaE002, only for verification services (docs/anpr.md §2.1)
		if v, _ := b["verifica"].(map[string]any); len(v) == 0 {
			f.errorf("verifica %#v is not a non-empty object", b["verifica"])
		}
	}
	if got := sortedKeys(b); strings.Join(got, ",") != want {
		f.errorf("body keys %v, want %s", got, want)
	}
	if id := str(b["idOperazioneClient"]); id == "" || len(id) > 30 {
		f.errorf("idOperazioneClient %q", id)
	}
	crit, _ := b["criteriRicerca"].(map[string]any)
	if len(crit) != 1 || (str(crit["idANPR"]) == "" && str(crit["codiceFiscale"]) == "") {
		f.errorf("criteriRicerca must hold exactly one of idANPR/codiceFiscale, got keys %v", sortedKeys(crit))
	}
	dati, _ := b["datiRichiesta"].(map[string]any)
	if got := sortedKeys(dati); strings.Join(got, ",") != "casoUso,dataRiferimentoRichiesta,motivoRichiesta" {
		f.errorf("datiRichiesta keys %v", got)
	}
	if dati["casoUso"] != rec.Service.Code {
		f.errorf("casoUso %v, want %s", dati["casoUso"], rec.Service.Code)
	}
}

// ---- canned answers ----

const okBody = `{"idOperazioneANPR":"2987654321","listaSoggetti":{"datiSoggetto":[{"generalita":{"cognome":"ROSSI","nome":"MARIA"},"identificativi":{"idANPR":"AB12345CD"}}]},"listaAnomalie":[]}`

func replyOK(body string) func(http.ResponseWriter, *http.Request, received) {
	return replyRaw(http.StatusOK, "application/json", body)
}

func replyRaw(status int, ctype, body string) func(http.ResponseWriter, *http.Request, received) {
	return func(w http.ResponseWriter, _ *http.Request, _ received) {
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func replyKO(status int, code, tipo, text string) func(http.ResponseWriter, *http.Request, received) {
	body, _ := json.Marshal(map[string]any{"idOperazioneANPR": "2987654322", "listaErrori": []map[string]string{{
		"codiceErroreAnomalia": code, "tipoErroreAnomalia": tipo, "testoErroreAnomalia": text,
		"valoreErroreAnomalia": "RSSMRA85C52H501N"}}})
	return replyRaw(status, "application/problem+json", string(body))
}

func replyGovWay(status int, title, detail string) func(http.ResponseWriter, *http.Request, received) {
	body, _ := json.Marshal(map[string]any{"type": "https://govway.org/handling-errors/" + title + ".html",
		"title": title, "status": status, "detail": detail, "govway_id": "body-govway-id"})
	return func(w http.ResponseWriter, _ *http.Request, _ received) {
		w.Header().Del("GovWay-Transaction-ID") // exercise the govway_id fallback
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}
