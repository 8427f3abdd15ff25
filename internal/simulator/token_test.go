package simulator

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

func TestTokenHappyPath(t *testing.T) {
	e := shared(t)
	p := e.defaultParts(svc(t, "C020"), nil)
	teJWS := sign(t, p.teKey, p.teKid, p.te)
	v := e.fetchVoucher(t, p, teJWS)

	pub := fetchJWKS(t, e)
	var c jwt.MapClaims
	tok, err := jwt.ParseWithClaims(v, &c, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(e.sim.VoucherIssuer()),
		jwt.WithAudience(e.sim.AudienceBase()+"/C020-servizioAccertamentoResidenza/v1"))
	if err != nil {
		t.Fatalf("voucher does not verify with the JWKS key: %v", err)
	}
	if tok.Header["typ"] != "at+jwt" || tok.Header["kid"] == "" {
		t.Errorf("header %v", tok.Header)
	}
	for _, k := range []string{"sub", "client_id"} {
		if c[k] != p.client.id {
			t.Errorf("%s = %v", k, c[k])
		}
	}
	if c["purposeId"] != p.purposeID || c["nbf"] != c["iat"] || c["exp"].(float64)-c["iat"].(float64) != 600 {
		t.Errorf("claims %v", c)
	}
	d, _ := c["digest"].(map[string]any)
	if d["alg"] != "SHA256" || d["value"] != sha256Hex(teJWS) {
		t.Errorf("digest not copied: %v", c["digest"])
	}
	for _, k := range []string{"jti", "producerId", "consumerId", "eserviceId", "descriptorId"} {
		if s, _ := c[k].(string); uuid.Validate(s) != nil {
			t.Errorf("%s = %v, want uuid", k, c[k])
		}
	}
}

func TestTokenResponseShape(t *testing.T) {
	e := shared(t)
	p := e.defaultParts(svc(t, "C030"), nil)
	resp, b := e.postToken(t, e.tokenForm(p.client.id, sign(t, keyA, "kid-a", p.assertion)))
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if len(m) != 3 || m["token_type"] != "Bearer" || m["expires_in"] != float64(600) || m["access_token"] == "" {
		t.Fatalf("body %s", b)
	}
}

func fetchJWKS(t *testing.T, e *env) *rsa.PublicKey {
	t.Helper()
	resp, err := e.srv.Client().Get(e.sim.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct{ Keys []jwk }
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks: %v %v", err, set)
	}
	n, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	eb, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(eb).Int64())}
}

func TestTokenFailures(t *testing.T) {
	e := shared(t)
	tests := []struct {
		name   string
		edit   func(p *parts, form url.Values) // form is built after claims are signed
		claims func(c jwt.MapClaims)
		key    *rsa.PrivateKey
		kid    string
		alg    jwt.SigningMethod
		reason string
	}{
		{name: "grant_type", edit: func(_ *parts, f url.Values) { f.Set("grant_type", "password") }, reason: "grant_type"},
		{name: "assertion type", edit: func(_ *parts, f url.Values) { f.Set("client_assertion_type", "jwt") }, reason: "client_assertion_type"},
		{name: "client_id missing", edit: func(_ *parts, f url.Values) { f.Del("client_id") }, reason: "client_id missing"},
		{name: "client_id of another client", edit: func(_ *parts, f url.Values) { f.Set("client_id", e.b.id) }, reason: "kid does not belong"},
		{name: "assertion missing", edit: func(_ *parts, f url.Values) { f.Del("client_assertion") }, reason: "client_assertion missing"},
		{name: "garbage assertion", edit: func(_ *parts, f url.Values) { f.Set("client_assertion", "a.b") }, reason: "malformed"},
		{name: "unknown kid", kid: "nope", reason: "kid not registered"},
		{name: "bad signature", key: keyX, reason: "signature verification failed"},
		{name: "HS256", alg: jwt.SigningMethodHS256, reason: "only RS256"},
		{name: "iss", claims: func(c jwt.MapClaims) { c["iss"] = e.b.id }, reason: "iss must equal"},
		{name: "sub", claims: func(c jwt.MapClaims) { c["sub"] = "x" }, reason: "sub must equal"},
		{name: "aud", claims: func(c jwt.MapClaims) { c["aud"] = "auth.uat.interop.pagopa.it/client-assertion" }, reason: "aud must be"},
		{name: "aud as array", claims: func(c jwt.MapClaims) { c["aud"] = []string{e.sim.AssertionAudience()} }, reason: "aud must be"},
		{name: "nbf present", claims: func(c jwt.MapClaims) { c["nbf"] = c["iat"] }, reason: "nbf is not allowed"},
		{name: "extra claim", claims: func(c jwt.MapClaims) { c["scope"] = "x" }, reason: `claim "scope" is not allowed`},
		{name: "iat string", claims: func(c jwt.MapClaims) { c["iat"] = "1767609015" }, reason: "iat missing or not numeric"},
		{name: "exp missing", claims: func(c jwt.MapClaims) { delete(c, "exp") }, reason: "exp missing"},
		{name: "expired", claims: func(c jwt.MapClaims) { c["exp"] = c["iat"].(int64) - 10 }, reason: "expired"},
		{name: "jti missing", claims: func(c jwt.MapClaims) { delete(c, "jti") }, reason: "jti missing"},
		{name: "purpose unknown", claims: func(c jwt.MapClaims) { c["purposeId"] = uuid.NewString() }, reason: "purposeId not found"},
		{name: "purpose of another client", claims: func(c jwt.MapClaims) { c["purposeId"] = e.b.purposes["C020"] }, reason: "purposeId not found"},
		{name: "digest alg", claims: func(c jwt.MapClaims) { c["digest"] = map[string]string{"alg": "SHA-256", "value": sha256Hex("x")} }, reason: "digest.alg"},
		{name: "digest short", claims: func(c jwt.MapClaims) { c["digest"] = map[string]string{"alg": "SHA256", "value": "abc"} }, reason: "64 hex"},
		{name: "digest not hex", claims: func(c jwt.MapClaims) {
			c["digest"] = map[string]string{"alg": "SHA256", "value": strings.Repeat("z", 64)}
		}, reason: "64 hex"},
		{name: "digest extra field", claims: func(c jwt.MapClaims) {
			c["digest"] = map[string]string{"alg": "SHA256", "value": sha256Hex("x"), "x": "y"}
		}, reason: "digest malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.defaultParts(svc(t, "C020"), nil)
			if tt.claims != nil {
				tt.claims(p.assertion)
			}
			key, kid := keyA, "kid-a"
			if tt.key != nil {
				key = tt.key
			}
			if tt.kid != "" {
				kid = tt.kid
			}
			var assertion string
			if tt.alg != nil {
				tok := jwt.NewWithClaims(tt.alg, p.assertion)
				tok.Header["kid"] = kid
				assertion, _ = tok.SignedString([]byte("secret-secret-secret-secret-1234"))
			} else {
				assertion = sign(t, key, kid, p.assertion)
			}
			form := e.tokenForm(p.client.id, assertion)
			if tt.edit != nil {
				tt.edit(p, form)
			}
			resp, b := e.postToken(t, form)
			assertTokenError(t, resp, b, tt.reason)
		})
	}
}

func assertTokenError(t *testing.T, resp *http.Response, b []byte, reason string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var pb pdndProblem
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pb); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	if pb.Status != 400 || pb.Type != "about:blank" || pb.Detail != "Bad request" ||
		pb.Title != "The request contains bad syntax or cannot be fulfilled." ||
		len(pb.Errors) != 1 || pb.Errors[0].Code != "015-0008" ||
		pb.Errors[0].Detail != "Unable to generate a token for the given request" {
		t.Errorf("body %s", b)
	}
	if uuid.Validate(pb.CorrelationID) != nil {
		t.Errorf("correlationId %q", pb.CorrelationID)
	}
	if got := resp.Header.Get(ReasonHeader); !strings.Contains(got, reason) {
		t.Errorf("reason %q, want it to contain %q", got, reason)
	}
}

func TestTokenJTIReplay(t *testing.T) {
	e := shared(t)
	p := e.defaultParts(svc(t, "C020"), nil)
	form := e.tokenForm(p.client.id, sign(t, keyA, "kid-a", p.assertion))
	if resp, b := e.postToken(t, form); resp.StatusCode != 200 {
		t.Fatalf("first use: %d %s", resp.StatusCode, b)
	}
	resp, b := e.postToken(t, form)
	assertTokenError(t, resp, b, "jti already used")
}

func TestTokenReRegisterDropsPurposes(t *testing.T) {
	e := newEnv(t)
	defer e.srv.Close()
	p := e.defaultParts(svc(t, "C020"), nil)
	// Same client, new key and no purposes: old kid and purposes stop working.
	if err := e.sim.RegisterClient(Client{ClientID: e.a.id, Kid: "kid-a2", PublicKey: &keyX.PublicKey}); err != nil {
		t.Fatal(err)
	}
	resp, b := e.postToken(t, e.tokenForm(p.client.id, sign(t, keyA, "kid-a", p.assertion)))
	assertTokenError(t, resp, b, "kid not registered")
	p.assertion["jti"] = uuid.NewString()
	resp, b = e.postToken(t, e.tokenForm(p.client.id, sign(t, keyX, "kid-a2", p.assertion)))
	assertTokenError(t, resp, b, "purposeId not found")
}

func TestRegisterClientValidation(t *testing.T) {
	e := shared(t)
	testKeys()
	tests := []struct {
		name string
		c    Client
	}{
		{"not uuid", Client{ClientID: "abc", Kid: "k", PublicKey: &keyX.PublicKey}},
		{"no kid", Client{ClientID: uuid.NewString(), PublicKey: &keyX.PublicKey}},
		{"no key", Client{ClientID: uuid.NewString(), Kid: "k"}},
		{"unknown service", Client{ClientID: uuid.NewString(), Kid: "k", PublicKey: &keyX.PublicKey, Purposes: map[string]string{"p": "C999"}}},
		{"kid of another client", Client{ClientID: uuid.NewString(), Kid: "kid-a", PublicKey: &keyX.PublicKey}},
		{"purpose of another client", Client{ClientID: uuid.NewString(), Kid: "k", PublicKey: &keyX.PublicKey, Purposes: map[string]string{e.a.purposes["C020"]: "C020"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.sim.RegisterClient(tt.c); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestClientKeyEndpoint(t *testing.T) {
	e := shared(t)
	resp, err := e.srv.Client().Get(e.srv.URL + "/keys/kid-a")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	resp, _ = e.srv.Client().Get(e.srv.URL + "/keys/unknown")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("unknown kid: %d", resp.StatusCode)
	}
}

func TestJTICacheBounded(t *testing.T) {
	c := newJTICache(10)
	now := timeNow()
	for i := 0; i < 100; i++ {
		if !c.add(uuid.NewString(), now.Add(timeMinute), now) {
			t.Fatal("fresh jti refused")
		}
	}
	if c.len() > 10 {
		t.Fatalf("cache grew to %d", c.len())
	}
	if !c.add("x", now.Add(timeMinute), now) || c.add("x", now.Add(timeMinute), now) {
		t.Fatal("replay not detected")
	}
	if !c.add("x", now.Add(2*timeMinute), now.Add(2*timeMinute)) {
		t.Fatal("expired jti should be reusable")
	}
}
