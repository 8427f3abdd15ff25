package simulator

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// partsFor is defaultParts for another registered client.
func (e *env) partsFor(tb testing.TB, c *testClient, code string, b []byte) *parts {
	p := e.defaultParts(svc(tb, code), b)
	pid := c.purposes[code]
	p.client, p.purposeID, p.teKey, p.teKid, p.sigKey, p.sigKid = c, pid, c.key, c.kid, c.key, c.kid
	for _, m := range []jwt.MapClaims{p.te, p.assertion, p.sig} {
		m["iss"], m["sub"] = c.id, c.id
	}
	p.te["purposeId"], p.assertion["purposeId"] = pid, pid
	return p
}

// testClientOf turns a Client and its private key into the signer's testClient.
func testClientOf(c Client, key *rsa.PrivateKey) *testClient {
	tc := &testClient{id: c.ClientID, kid: c.Kid, key: key, purposes: map[string]string{}}
	for pid, code := range c.Purposes {
		tc.purposes[code] = pid
	}
	return tc
}

func pemPublic(tb testing.TB, pub any) string {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

var (
	smallKeyOnce sync.Once
	smallKey     *rsa.PrivateKey
)

func TestParseClientJSON(t *testing.T) {
	testKeys()
	smallKeyOnce.Do(func() { smallKey, _ = rsa.GenerateKey(rand.Reader, 1024) })
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := func() map[string]any {
		return map[string]any{"clientId": "9b2f4c1e-6a7d-4e8f-9a0b-1c2d3e4f5a6b", "kid": "kid-int",
			"publicKeyPem": pemPublic(t, &keyX.PublicKey), "purposes": map[string]string{"0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0": "C020"}}
	}
	enc := func(m map[string]any) []byte { b, _ := json.Marshal(m); return b }
	edit := func(f func(m map[string]any)) []byte { m := good(); f(m); return enc(m) }
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&keyX.PublicKey)}))
	priv, _ := x509.MarshalPKCS8PrivateKey(keyX)
	tests := []struct {
		name string
		data []byte
		err  string // "" = valid
	}{
		{"valid", enc(good()), ""},
		{"PKCS#1 public key", edit(func(m map[string]any) { m["publicKeyPem"] = pkcs1 }), ""},
		{"unknown field", edit(func(m map[string]any) { m["clientSecret"] = "x" }), "unknown field"},
		{"trailing data", append(enc(good()), []byte("{}")...), "data after"},
		{"not json", []byte("clientId=x"), "invalid"},
		{"clientId not a uuid", edit(func(m map[string]any) { m["clientId"] = "client-1" }), "clientId"},
		{"kid empty", edit(func(m map[string]any) { m["kid"] = " " }), "kid"},
		{"no PEM", edit(func(m map[string]any) { m["publicKeyPem"] = "MIIB..." }), "no PEM block"},
		{"private key", edit(func(m map[string]any) {
			m["publicKeyPem"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}))
		}), "must never be uploaded"},
		{"EC key", edit(func(m map[string]any) { m["publicKeyPem"] = pemPublic(t, &ec.PublicKey) }), "not an RSA key"},
		{"short RSA key", edit(func(m map[string]any) { m["publicKeyPem"] = pemPublic(t, &smallKey.PublicKey) }), "1024 bits"},
		{"no purposes", edit(func(m map[string]any) { delete(m, "purposes") }), "purposes is empty"},
		{"purposeId not a uuid", edit(func(m map[string]any) { m["purposes"] = map[string]string{"p1": "C020"} }), "purposeId"},
		{"unknown service", edit(func(m map[string]any) { m["purposes"] = map[string]string{uuid.NewString(): "C999"} }), `unknown service code "C999"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseClientJSON(tt.data)
			if tt.err == "" {
				if err != nil || c.PublicKey.N.Cmp(keyX.N) != 0 || c.Purposes["0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"] != "C020" {
					t.Fatalf("%+v, %v", c, err)
				}
				// JSON round-trips.
				b, err := c.JSON()
				if err != nil {
					t.Fatal(err)
				}
				back, err := ParseClientJSON(b)
				if err != nil || back.ClientID != c.ClientID || back.Kid != c.Kid || back.PublicKey.N.Cmp(c.PublicKey.N) != 0 {
					t.Fatalf("round trip: %+v %v", back, err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalidClient) || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err %v, want %q", err, tt.err)
			}
		})
	}
}

// NewDemoClient writes a usable key; the client, registered through POST /admin/clients,
// completes a full signed call (token, voucher, ModI, e002).
func TestDemoClientThroughAdminEndToEnd(t *testing.T) {
	e := newEnv(t)
	defer e.srv.Close()
	dir := t.TempDir()
	c, keyFile, err := NewDemoClient(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(keyFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v %v", st, err)
	}
	raw, _ := os.ReadFile(keyFile)
	block, _ := pem.Decode(raw)
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	key, ok := parsed.(*rsa.PrivateKey)
	if err != nil || block.Type != "PRIVATE KEY" || !ok || key.N.BitLen() != 2048 || key.N.Cmp(c.PublicKey.N) != 0 {
		t.Fatalf("key file: %s %v", block.Type, err)
	}
	if uuid.Validate(c.ClientID) != nil || c.Kid == "" || len(c.Purposes) != len(e.sim.Discovery().EServices) {
		t.Fatalf("demo client %+v", c)
	}
	for pid := range c.Purposes {
		if uuid.Validate(pid) != nil {
			t.Fatalf("purposeId %q", pid)
		}
	}

	js, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	resp, b := adminDo(t, e, http.MethodPost, "/admin/clients", "", js)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /admin/clients: %d %s", resp.StatusCode, b)
	}
	tc := testClientOf(c, key)
	for _, code := range []string{"C020", "C003"} {
		bd := body(code, byID("AF41450AS"))
		if code == "C003" {
			bd = bodyV(code, byID("AF41450AS"), map[string]any{"generalita": map[string]any{"cognome": "SETTIMO"}})
		}
		resp, b = e.call(t, e.partsFor(t, tc, code, bd))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with the new client: %d %s", code, resp.StatusCode, b)
		}
	}

	// Invalid JSON is a 400 problem with the reason; a kid owned by someone else a 409.
	resp, b = adminDo(t, e, http.MethodPost, "/admin/clients", "", []byte(`{"clientId":"x"}`))
	var pb adminProblem
	if resp.StatusCode != 400 || json.Unmarshal(b, &pb) != nil || pb.Status != 400 || !strings.Contains(pb.Detail, "clientId") ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("bad client: %d %s", resp.StatusCode, b)
	}
	other := bytes.Replace(js, []byte(c.ClientID), []byte(uuid.NewString()), 1)
	if resp, b = adminDo(t, e, http.MethodPost, "/admin/clients", "", other); resp.StatusCode != http.StatusConflict {
		t.Fatalf("kid conflict: %d %s", resp.StatusCode, b)
	}
}

func TestNewDemoClientBadDir(t *testing.T) {
	f := t.TempDir() + "/file"
	_ = os.WriteFile(f, nil, 0o600)
	if _, _, err := NewDemoClient(f); err == nil {
		t.Fatal("a file as directory accepted")
	}
}
