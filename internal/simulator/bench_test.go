package simulator

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// BenchmarkE002 measures one correctly signed C020 call through httptest: the client signs a
// fresh Agid-JWT-Signature per call and reuses voucher and TrackingEvidence, as the brief
// allows (the digest binds them together for the voucher's lifetime).
func BenchmarkE002(b *testing.B) {
	e := newEnv(b)
	defer e.srv.Close()
	s := svc(b, "C020")
	p := e.defaultParts(s, body("C020", byID("AF41450AS")))
	p.te["exp"] = e.clock.now().Unix() + 3600
	first := e.request(b, p)
	voucher, te := first.Header.Get("Authorization"), first.Header.Get(headerTE)
	sum := sha256.Sum256(p.body)
	digest := "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
	url := first.URL.String()
	b.ResetTimer()
	for b.Loop() {
		now := e.clock.now().Unix()
		sig := sign(b, keyA, "kid-a", jwt.MapClaims{"iss": p.client.id, "sub": p.client.id, "aud": e.sim.audience(s),
			"jti": uuid.NewString(), "iat": now, "nbf": now, "exp": now + 300,
			"signed_headers": []map[string]string{{"digest": digest}, {"content-type": "application/json"}}})
		r, _ := http.NewRequest(http.MethodPost, url, nopBody(p.body))
		r.Header.Set("Authorization", voucher)
		r.Header.Set(headerTE, te)
		r.Header.Set(headerSignature, sig)
		r.Header.Set("Digest", digest)
		r.Header.Set("Content-Type", "application/json")
		resp, _ := e.do(b, r)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkE002Server isolates the simulator's own cost (checks + answer) from the client's
// RSA signing, by replaying one signed request.
func BenchmarkE002Server(b *testing.B) {
	e := newEnv(b)
	defer e.srv.Close()
	p := e.defaultParts(svc(b, "C020"), body("C020", byID("AF41450AS")))
	r := e.request(b, p)
	for b.Loop() {
		req := r.Clone(r.Context())
		req.Body = nopBody(p.body)
		resp, _ := e.do(b, req)
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
