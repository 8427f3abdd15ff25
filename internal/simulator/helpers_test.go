package simulator

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// A test-only client that signs exactly as a correct Varco client must (docs/anpr.md §3):
// TrackingEvidence → client assertion carrying its digest → voucher → Digest + Signature → e002.

// keys are generated once: RSA generation dominates test time otherwise.
var (
	keysOnce sync.Once
	keyA     *rsa.PrivateKey // the main test client
	keyB     *rsa.PrivateKey // a second, registered client
	keyX     *rsa.PrivateKey // never registered
)

func testKeys() {
	keysOnce.Do(func() {
		for _, k := range []**rsa.PrivateKey{&keyA, &keyB, &keyX} {
			var err error
			if *k, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				panic(err)
			}
		}
	})
}

// testClock is a settable clock, so expiry checks are testable without sleeping.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time        { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) shift(d time.Duration) { c.offset.Add(int64(d)) }

type testClient struct {
	id, kid  string
	key      *rsa.PrivateKey
	purposes map[string]string // code -> purposeId
}

// env is one simulator behind a real HTTP server, with two registered clients.
type env struct {
	sim   *Simulator
	srv   *httptest.Server
	clock *testClock
	a, b  *testClient
}

var (
	envOnce   sync.Once
	sharedEnv *env
)

// newEnv starts a simulator with clients A and B, each owning one purpose per service.
func newEnv(tb testing.TB) *env { return newEnvWith(tb, nil) }

// newEnvWith is newEnv with edit applied to the Config before New.
func newEnvWith(tb testing.TB, edit func(*Config)) *env {
	tb.Helper()
	testKeys()
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	clock := &testClock{}
	cfg := Config{
		PublicURL: srv.URL, Seed: 42, Population: 5000, Now: clock.now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// The tests read the precise reasons; TestRealGatewayTexts checks the real ones.
		Sandbox: true,
	}
	if edit != nil {
		edit(&cfg)
	}
	sim, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	handler = sim.Handler()
	e := &env{sim: sim, srv: srv, clock: clock}
	e.a = e.register(tb, keyA, "kid-a")
	e.b = e.register(tb, keyB, "kid-b")
	return e
}

// shared returns a simulator shared by tests that do not move its clock.
func shared(tb testing.TB) *env {
	envOnce.Do(func() { sharedEnv = newEnv(tb) })
	return sharedEnv
}

func (e *env) register(tb testing.TB, key *rsa.PrivateKey, kid string) *testClient {
	tb.Helper()
	c := &testClient{id: uuid.NewString(), kid: kid, key: key, purposes: map[string]string{}}
	purposes := map[string]string{}
	for _, svc := range catalogue.All() {
		pid := uuid.NewString()
		purposes[pid], c.purposes[svc.Code] = svc.Code, pid
	}
	if err := e.sim.RegisterClient(Client{ClientID: c.id, Kid: kid, PublicKey: &key.PublicKey, Purposes: purposes}); err != nil {
		tb.Fatal(err)
	}
	return c
}

func sign(tb testing.TB, key *rsa.PrivateKey, kid string, c jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = kid
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// parts are the pieces of a signed call before signing; tests mutate them to break one check.
type parts struct {
	client    *testClient
	svc       catalogue.Service
	purposeID string
	body      []byte
	te        jwt.MapClaims
	teKey     *rsa.PrivateKey
	teKid     string
	assertion jwt.MapClaims
	sig       jwt.MapClaims
	sigKey    *rsa.PrivateKey
	sigKid    string
	// voucher, when set, replaces the voucher obtained from the token endpoint.
	voucher func(tb testing.TB, e *env, p *parts, teJWS string) string
	// after edits the final request (headers, body).
	after func(r *http.Request)
}

func (e *env) defaultParts(svc catalogue.Service, body []byte) *parts {
	now := e.clock.now().Unix()
	c := e.a
	aud := e.sim.audience(svc)
	pid := c.purposes[svc.Code]
	return &parts{
		client: c, svc: svc, purposeID: pid, body: body,
		te: jwt.MapClaims{"iss": c.id, "sub": c.id, "aud": aud, "purposeId": pid, "jti": uuid.NewString(),
			"iat": now, "nbf": now, "exp": now + 300, "dnonce": 4821937465120,
			"userID": "operatore.test", "userLocation": "PC-TEST-01", "LoA": "SpidL2"},
		teKey: c.key, teKid: c.kid,
		assertion: jwt.MapClaims{"iss": c.id, "sub": c.id, "aud": e.sim.AssertionAudience(), "purposeId": pid,
			"jti": uuid.NewString(), "iat": now, "exp": now + 300},
		sig: jwt.MapClaims{"iss": c.id, "sub": c.id, "aud": aud, "jti": uuid.NewString(),
			"iat": now, "nbf": now, "exp": now + 300},
		sigKey: c.key, sigKid: c.kid,
	}
}

// tokenForm is the form a client posts to the token endpoint.
func (e *env) tokenForm(clientID, assertion string) url.Values {
	return url.Values{
		"client_id": {clientID}, "client_assertion": {assertion},
		"client_assertion_type": {assertionType}, "grant_type": {"client_credentials"},
	}
}

func (e *env) postToken(tb testing.TB, form url.Values) (*http.Response, []byte) {
	tb.Helper()
	resp, err := e.srv.Client().PostForm(e.sim.TokenURL(), form)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// fetchVoucher runs the client-assertion step of p for the given TrackingEvidence.
func (e *env) fetchVoucher(tb testing.TB, p *parts, teJWS string) string {
	tb.Helper()
	if _, ok := p.assertion["digest"]; !ok {
		p.assertion["digest"] = map[string]string{"alg": "SHA256", "value": sha256Hex(teJWS)}
	}
	resp, body := e.postToken(tb, e.tokenForm(p.client.id, sign(tb, p.client.key, p.client.kid, p.assertion)))
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("token: %d %s (%s)", resp.StatusCode, body, resp.Header.Get(ReasonHeader))
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		tb.Fatal(err)
	}
	return tr.AccessToken
}

// request signs p into an e002 request.
func (e *env) request(tb testing.TB, p *parts) *http.Request {
	tb.Helper()
	teJWS := sign(tb, p.teKey, p.teKid, p.te)
	var voucher string
	if p.voucher != nil {
		voucher = p.voucher(tb, e, p, teJWS)
	} else {
		voucher = e.fetchVoucher(tb, p, teJWS)
	}
	sum := sha256.Sum256(p.body)
	digest := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
	if _, ok := p.sig["signed_headers"]; !ok {
		p.sig["signed_headers"] = []map[string]string{{"digest": digest}, {"content-type": "application/json"}}
	}
	u := e.sim.ServiceBaseURL() + "/" + p.svc.Name + "/v1/anpr-service-e002"
	r, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(p.body))
	if err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+voucher)
	r.Header.Set(headerTE, teJWS)
	r.Header.Set(headerSignature, sign(tb, p.sigKey, p.sigKid, p.sig))
	r.Header.Set("Digest", digest)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	if p.after != nil {
		p.after(r)
	}
	return r
}

func (e *env) do(tb testing.TB, r *http.Request) (*http.Response, []byte) {
	tb.Helper()
	resp, err := e.srv.Client().Do(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}

// call signs and sends p.
func (e *env) call(tb testing.TB, p *parts) (*http.Response, []byte) {
	tb.Helper()
	return e.do(tb, e.request(tb, p))
}

// body builds a RichiestaE002.
func body(code string, criteri map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"idOperazioneClient": "20260105103015123",
		"criteriRicerca":     criteri,
		"datiRichiesta": map[string]string{
			"dataRiferimentoRichiesta": time.Now().Format("2006-01-02"),
			"motivoRichiesta":          "PROT-2026-000123", "casoUso": code,
		},
	})
	return b
}

func byID(id string) map[string]any { return map[string]any{"idANPR": id} }

func byCF(cf string) map[string]any { return map[string]any{"codiceFiscale": cf} }

func svc(tb testing.TB, code string) catalogue.Service {
	tb.Helper()
	s, ok := catalogue.Lookup(code)
	if !ok {
		tb.Fatalf("no service %s", code)
	}
	return s
}

// mintVoucher signs a voucher with the simulator's key, after edit, to forge invalid ones.
func mintVoucher(e *env, p *parts, teJWS string, edit func(c jwt.MapClaims, h map[string]any)) string {
	now := e.clock.now().Unix()
	c := jwt.MapClaims{
		"iss": e.sim.VoucherIssuer(), "aud": e.sim.audience(p.svc), "sub": p.client.id, "client_id": p.client.id,
		"purposeId": p.purposeID, "digest": map[string]string{"alg": "SHA256", "value": sha256Hex(teJWS)},
		"iat": now, "nbf": now, "exp": now + 600, "jti": uuid.NewString(),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"], t.Header["typ"] = e.sim.kid, "at+jwt"
	key := e.sim.key
	if edit != nil {
		edit(c, t.Header)
		if k, ok := t.Header["signWith"].(*rsa.PrivateKey); ok {
			delete(t.Header, "signWith")
			key = k
		}
	}
	s, err := t.SignedString(key)
	if err != nil {
		panic(err)
	}
	return s
}

// problem decodes a GovWay problem.
func problem(tb testing.TB, resp *http.Response, b []byte) govwayProblem {
	tb.Helper()
	var p govwayProblem
	if err := json.Unmarshal(b, &p); err != nil {
		tb.Fatalf("not a problem: %s", b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		tb.Errorf("content-type %q", ct)
	}
	if resp.Header.Get(headerTransactionID) == "" || resp.Header.Get(headerTransactionID) != p.GovwayID {
		tb.Errorf("GovWay-Transaction-ID %q vs govway_id %q", resp.Header.Get(headerTransactionID), p.GovwayID)
	}
	if _, err := uuid.Parse(p.GovwayID); err != nil {
		tb.Errorf("govway_id %q not a uuid", p.GovwayID)
	}
	return p
}

func timeNow() time.Time { return time.Now() }

const timeMinute = time.Minute

func nopBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
