package simulator

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// One case per gateway check of docs/anpr.md §3.6: each breaks exactly one thing in an otherwise
// correct call and expects GovWay's 400 with the precise reason as detail.
func TestGatewayChecks(t *testing.T) {
	e := shared(t)
	fixture := body("C020", byID("AF41450AS"))
	forged := func(edit func(c jwt.MapClaims, h map[string]any)) func(testing.TB, *env, *parts, string) string {
		return func(_ testing.TB, e *env, p *parts, te string) string { return mintVoucher(e, p, te, edit) }
	}
	now := time.Now().Unix()
	tests := []struct {
		name   string
		edit   func(p *parts)
		detail string
	}{
		// Voucher.
		{"voucher missing", func(p *parts) { p.after = func(r *http.Request) { r.Header.Del("Authorization") } },
			"Token non presente nell'header HTTP 'Authorization'"},
		{"voucher not bearer", func(p *parts) {
			p.after = func(r *http.Request) { r.Header.Set("Authorization", "DPoP "+r.Header.Get("Authorization")[7:]) }
		}, "Token non presente nell'header HTTP 'Authorization'"},
		{"voucher garbage", func(p *parts) { p.after = func(r *http.Request) { r.Header.Set("Authorization", "Bearer x.y") } },
			"Token non valido"},
		{"voucher signature", func(p *parts) {
			p.voucher = forged(func(_ jwt.MapClaims, h map[string]any) { h["signWith"] = keyX })
		}, "Signature verification failure"},
		{"voucher kid", func(p *parts) { p.voucher = forged(func(_ jwt.MapClaims, h map[string]any) { h["kid"] = "other" }) },
			"Token firmato con una chiave ('kid') non emessa da PDND"},
		{"voucher typ", func(p *parts) { p.voucher = forged(func(_ jwt.MapClaims, h map[string]any) { h["typ"] = "JWT" }) },
			"Token con header 'typ' non valido"},
		{"voucher iss", func(p *parts) {
			p.voucher = forged(func(c jwt.MapClaims, _ map[string]any) { c["iss"] = "uat.interop.pagopa.it" })
		}, "Token contenente un claim 'iss' non valido"},
		{"voucher nbf future", func(p *parts) {
			p.voucher = forged(func(c jwt.MapClaims, _ map[string]any) { c["nbf"] = now + 3600 })
		}, "claim 'nbf' non valido"},
		{"voucher expired", func(p *parts) {
			p.voucher = forged(func(c jwt.MapClaims, _ map[string]any) { c["exp"] = now - 1 })
		}, "Token scaduto (claim 'exp')"},
		{"voucher aud with -PDND", func(p *parts) {
			p.voucher = forged(func(c jwt.MapClaims, _ map[string]any) {
				c["aud"] = e.sim.ServiceBaseURL() + "/C020-servizioAccertamentoResidenza/v1"
			})
		}, "Token contenente un claim 'aud' non valido"},
		{"voucher for another service", func(p *parts) {
			// A genuine C015 voucher used on C020: its aud is C015's.
			p.purposeID = p.client.purposes["C015"]
			p.assertion["purposeId"], p.te["purposeId"] = p.purposeID, p.purposeID
		}, "Token contenente un claim 'aud' non valido"},
		{"voucher purpose unknown", func(p *parts) {
			p.voucher = forged(func(c jwt.MapClaims, _ map[string]any) { c["purposeId"] = "gone" })
		}, "Finalità (purposeId) indicata nel voucher non attiva"},

		// Agid-JWT-TrackingEvidence.
		{"TE missing", func(p *parts) { p.after = func(r *http.Request) { r.Header.Del(headerTE) } },
			"Header HTTP 'Agid-JWT-TrackingEvidence' non presente"},
		{"TE unknown kid", func(p *parts) { p.teKey, p.teKid = keyX, "kid-x" },
			"[Header 'Agid-JWT-TrackingEvidence'] Chiave 'kid' non registrata su PDND"},
		{"TE kid of another client", func(p *parts) { p.teKey, p.teKid = keyB, "kid-b" },
			"[Header 'Agid-JWT-TrackingEvidence'] Chiave 'kid' non appartenente al client del voucher"},
		{"TE signature", func(p *parts) { p.teKey = keyX },
			"[Header 'Agid-JWT-TrackingEvidence'] Signature verification failure"},
		{"TE iss", func(p *parts) { p.te["iss"] = e.b.id },
			"[Header 'Agid-JWT-TrackingEvidence'] Token contenente un claim 'iss' non valido"},
		{"TE aud with -PDND", func(p *parts) { p.te["aud"] = e.sim.ServiceBaseURL() + "/" + p.svc.Name + "/v1" },
			"[Header 'Agid-JWT-TrackingEvidence'] Token contenente un claim 'aud' non valido"},
		{"TE expired", func(p *parts) { p.te["exp"] = now - 1 },
			"[Header 'Agid-JWT-TrackingEvidence'] Token scaduto"},
		{"TE digest mismatch", func(p *parts) {
			p.assertion["digest"] = map[string]string{"alg": "SHA256", "value": sha256Hex("other")}
		},
			"Digest del token non corrispondente al claim 'digest' del voucher"},
		{"voucher without digest", func(p *parts) {
			p.voucher = forged(func(c jwt.MapClaims, _ map[string]any) { delete(c, "digest") })
		}, "Voucher privo del claim 'digest'"},
		{"TE purposeId differs", func(p *parts) { p.te["purposeId"] = p.client.purposes["C015"] },
			"Claim 'purposeId' non corrispondente"},

		// Agid-JWT-Signature.
		{"Signature missing", func(p *parts) { p.after = func(r *http.Request) { r.Header.Del(headerSignature) } },
			"Header HTTP 'Agid-JWT-Signature' non presente"},
		{"Signature bad", func(p *parts) { p.sigKey = keyX },
			"[Header 'Agid-JWT-Signature'] Signature verification failure"},
		{"Signature kid of another client", func(p *parts) { p.sigKey, p.sigKid = keyB, "kid-b" },
			"[Header 'Agid-JWT-Signature'] Chiave 'kid' non appartenente al client del voucher"},
		{"Signature iat missing", func(p *parts) { delete(p.sig, "iat") },
			"[Header 'Agid-JWT-Signature'] Token con claim 'iat' non valido"},
		{"Signature iat string", func(p *parts) { p.sig["iat"] = "1767609015" },
			"[Header 'Agid-JWT-Signature'] Token con claim 'iat' non valido"},
		{"Signature iat too old", func(p *parts) { p.sig["iat"] = now - 3600 },
			"[Header 'Agid-JWT-Signature'] Token con claim 'iat' non valido"},
		{"Signature iat in the future", func(p *parts) { p.sig["iat"] = now + 3600 },
			"[Header 'Agid-JWT-Signature'] Token con claim 'iat' non valido"},
		{"Signature exp missing", func(p *parts) { delete(p.sig, "exp") },
			"[Header 'Agid-JWT-Signature'] Token con claim 'exp' non valido"},
		{"Signature aud", func(p *parts) { p.sig["aud"] = e.sim.AudienceBase() + "/C015-servizioAccertamentoGeneralita/v1" },
			"[Header 'Agid-JWT-Signature'] Token contenente un claim 'aud' non valido"},
		{"signed_headers object", func(p *parts) { p.sig["signed_headers"] = map[string]string{"digest": "x"} },
			"Claim 'signed_headers' con un formato non valido; atteso un array"},
		{"signed_headers string", func(p *parts) { p.sig["signed_headers"] = "digest" },
			"Claim 'signed_headers' con un formato non valido; atteso un array"},
		{"signed_headers empty", func(p *parts) { p.sig["signed_headers"] = []any{} },
			"Claim 'signed_headers' vuoto"},
		{"signed_headers two keys in one object", func(p *parts) {
			p.sig["signed_headers"] = []map[string]string{{"digest": digestOf(p.body), "content-type": "application/json"}}
		}, "atteso un array di oggetti con un solo header"},
		{"signed_headers without digest", func(p *parts) {
			p.sig["signed_headers"] = []map[string]string{{"content-type": "application/json"}}
		}, "Header HTTP 'Digest' non presente nella lista degli header firmati"},
		{"signed content-type differs", func(p *parts) {
			p.after = func(r *http.Request) { r.Header.Set("Content-Type", "application/json; charset=utf-8") }
		}, "Header HTTP 'content-type' possiede un valore differente da quello firmato"},
		{"signed header not sent", func(p *parts) {
			p.sig["signed_headers"] = []map[string]string{{"digest": digestOf(p.body)}, {"x-extra": "1"}}
		}, "Header HTTP 'x-extra' presente nella lista degli header firmati ma non nella richiesta"},

		// Digest.
		{"Digest missing", func(p *parts) {
			p.sig["signed_headers"] = []map[string]string{{"content-type": "application/json"}}
			p.after = func(r *http.Request) { r.Header.Del("Digest") }
		}, "Header HTTP 'Digest' non presente nella lista degli header firmati"},
		{"Digest SHA256 token", func(p *parts) {
			d := "SHA256=" + digestOf(p.body)[len("SHA-256="):]
			p.sig["signed_headers"] = []map[string]string{{"digest": d}}
			p.after = func(r *http.Request) { r.Header.Set("Digest", d) }
		}, "Header HTTP 'Digest' con algoritmo non supportato"},
		{"Digest of another body", func(p *parts) {
			p.after = func(r *http.Request) {
				b := body("C020", byID("UK79569LF"))
				r.Body = nopBody(b)
				r.ContentLength = int64(len(b))
			}
		}, "Header HTTP 'Digest' possiede un valore non corrispondente al messaggio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.defaultParts(svc(t, "C020"), fixture)
			tt.edit(p)
			resp, b := e.call(t, p)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			pb := problem(t, resp, b)
			if pb.Type != invalidRequestType || pb.Title != "InteroperabilityInvalidRequest" || pb.Status != 400 {
				t.Errorf("problem %+v", pb)
			}
			if !strings.Contains(pb.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", pb.Detail, tt.detail)
			}
		})
	}
}

func TestSignedHeadersAbsent(t *testing.T) {
	e := shared(t)
	p := e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS")))
	r := e.request(t, p)
	// Re-sign the Signature without signed_headers.
	delete(p.sig, "signed_headers")
	r.Header.Set(headerSignature, sign(t, keyA, "kid-a", p.sig))
	resp, b := e.do(t, r)
	if pb := problem(t, resp, b); resp.StatusCode != 400 || !strings.Contains(pb.Detail, "Claim 'signed_headers' non presente") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func TestVoucherExpiresWithClock(t *testing.T) {
	e := newEnv(t)
	defer e.srv.Close()
	p := e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS")))
	p.te["exp"] = time.Now().Add(time.Hour).Unix()
	r := e.request(t, p)
	e.clock.shift(601 * time.Second)
	resp, b := e.do(t, r)
	if pb := problem(t, resp, b); resp.StatusCode != 400 || !strings.Contains(pb.Detail, "Token scaduto (claim 'exp')") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

// A voucher whose purpose belongs to another e-service passes the gateway (its aud is the
// called service's) and is refused by ANPR: EN148 (E), the text ending " : <casoUso>".
func TestVoucherPurposeOfAnotherServiceIsEN148(t *testing.T) {
	e := shared(t)
	p := e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS")))
	p.voucher = func(_ testing.TB, e *env, p *parts, te string) string {
		return mintVoucher(e, p, te, func(c jwt.MapClaims, _ map[string]any) { c["purposeId"] = p.client.purposes["C015"] })
	}
	p.te["purposeId"] = p.client.purposes["C015"]
	resp, b := e.call(t, p)
	a := koAnswer(t, resp, b, http.StatusBadRequest)
	if a.CodiceErroreAnomalia != "EN148" || a.TipoErroreAnomalia != "E" || !strings.HasSuffix(a.TestoErroreAnomalia, " : C020") {
		t.Fatalf("anomaly %+v, want EN148 (E) ending \" : C020\"", a)
	}
}
