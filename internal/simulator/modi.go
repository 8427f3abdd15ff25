package simulator

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// Provider-side checks of docs/anpr.md §3.6: the PDND voucher, AUDIT_REST_02
// (Agid-JWT-TrackingEvidence) and INTEGRITY_REST_02 (Agid-JWT-Signature + Digest). Every
// error text is a GovWay-style Italian reason, returned to the caller as the problem detail.

const (
	headerTE        = "Agid-JWT-TrackingEvidence"
	headerSignature = "Agid-JWT-Signature"
	// signatureIATTTL is how old an Agid-JWT-Signature iat may be. GovWay applies a
	// configurable iat TTL (docs/anpr.md §3.6); five minutes is an assumption, not ANPR's value.
	signatureIATTTL = 5 * time.Minute
)

// teRequiredClaims are the AUDIT_REST_02 claims ANPR needs to trace the operator.
var teRequiredClaims = []string{"userID", "userLocation", "LoA", "dnonce", "purposeId"}

// voucher is what the e-service needs from a verified voucher.
type voucher struct {
	clientID, purposeID string
	digest              digestClaim
	hasDigest           bool
}

// checkModIHeaders runs the gateway checks that follow the voucher's (checkVoucher): the
// two Agid JWS and the Digest. The error text is the problem detail. They are split from
// the voucher check because rate limiting sits between the two (quota.go).
func (s *Simulator) checkModIHeaders(r *http.Request, svc catalogue.Service, v voucher, body []byte) error {
	if err := s.checkTrackingEvidence(r, svc, v); err != nil {
		return err
	}
	if err := s.checkSignature(r, svc, v); err != nil {
		return err
	}
	return checkDigestHeader(r, body)
}

func (s *Simulator) checkVoucher(r *http.Request, svc catalogue.Service) (voucher, error) {
	var v voucher
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		return v, errors.New("Token non presente nell'header HTTP 'Authorization' (atteso 'Bearer <voucher>')")
	}
	t, err := parseJWS(token)
	if err != nil {
		return v, fmt.Errorf("Token non valido: %w", err)
	}
	if t.header.Kid != s.kid {
		return v, errors.New("Token firmato con una chiave ('kid') non emessa da PDND")
	}
	if t.header.Typ != "at+jwt" {
		return v, errors.New("Token con header 'typ' non valido; atteso 'at+jwt'")
	}
	if err := t.verifyRS256(&s.key.PublicKey); err != nil {
		return v, err
	}
	if err := s.checkVoucherClaims(t.claims, svc); err != nil {
		return v, err
	}
	v.clientID, _ = t.claims.str("client_id")
	v.purposeID, _ = t.claims.str("purposeId")
	if v.digest, v.hasDigest, err = t.claims.digest(); err != nil {
		return v, err
	}
	return v, s.checkVoucherPurpose(v, svc)
}

func (s *Simulator) checkVoucherClaims(c claims, svc catalogue.Service) error {
	if iss, _ := c.str("iss"); iss != s.VoucherIssuer() {
		return errors.New("Token contenente un claim 'iss' non valido")
	}
	now := s.now().Unix()
	nbf, okN := c.num("nbf")
	exp, okE := c.num("exp")
	switch {
	case !okN || nbf > now:
		return errors.New("Token non ancora utilizzabile: claim 'nbf' non valido")
	case !okE:
		return errors.New("Token con claim 'exp' non valido")
	case now >= exp:
		return errors.New("Token scaduto (claim 'exp')")
	}
	if !c.audIs(s.audience(svc)) {
		return errors.New("Token contenente un claim 'aud' non valido")
	}
	return nil
}

// checkVoucherPurpose: the purpose must still be active (registered) and be for this service.
func (s *Simulator) checkVoucherPurpose(v voucher, svc catalogue.Service) error {
	p, ok := s.purpose(v.purposeID)
	if !ok || p.clientID != v.clientID {
		return errors.New("Finalità (purposeId) indicata nel voucher non attiva per il client")
	}
	if p.service.Code != svc.Code {
		return &purposeOfOtherService{svc.Code, p.service.Code}
	}
	return nil
}

// purposeOfOtherService is a voucher whose purpose belongs to another e-service. The gateway
// lets it through; ANPR refuses it with EN148 (E) "Ente non abilitato" (docs/anpr.md §2.3).
type purposeOfOtherService struct{ called, purposeOf string }

func (e *purposeOfOtherService) Error() string {
	return fmt.Sprintf("Finalità (purposeId) del voucher non associata all'e-service %s (è di %s)", e.called, e.purposeOf)
}

// checkModIJWS parses and verifies a ModI header JWS signed by the voucher's client.
func (s *Simulator) checkModIJWS(r *http.Request, name string, svc catalogue.Service, v voucher) (string, *jws, error) {
	prefix := "[Header '" + name + "'] "
	values := r.Header.Values(name)
	if len(values) == 0 || values[0] == "" {
		return "", nil, fmt.Errorf("Header HTTP '%s' non presente", name)
	}
	if len(values) > 1 {
		return "", nil, fmt.Errorf("Header HTTP '%s' presente più volte", name)
	}
	t, err := parseJWS(values[0])
	if err != nil {
		return "", nil, fmt.Errorf("%sToken non valido: %w", prefix, err)
	}
	client, ok := s.clientByKid(t.header.Kid)
	if !ok {
		return "", nil, fmt.Errorf("%sChiave 'kid' non registrata su PDND", prefix)
	}
	if client.ClientID != v.clientID {
		return "", nil, fmt.Errorf("%sChiave 'kid' non appartenente al client del voucher", prefix)
	}
	if err := t.verifyRS256(client.PublicKey); err != nil {
		return "", nil, fmt.Errorf("%s%w", prefix, err)
	}
	if !t.claims.audIs(s.audience(svc)) {
		return "", nil, fmt.Errorf("%sToken contenente un claim 'aud' non valido", prefix)
	}
	if exp, ok := t.claims.num("exp"); t.claims.has("exp") && (!ok || s.now().Unix() >= exp) {
		return "", nil, fmt.Errorf("%sToken scaduto o con claim 'exp' non valido", prefix)
	}
	return values[0], t, nil
}

func (s *Simulator) checkTrackingEvidence(r *http.Request, svc catalogue.Service, v voucher) error {
	raw, t, err := s.checkModIJWS(r, headerTE, svc, v)
	if err != nil {
		return err
	}
	prefix := "[Header '" + headerTE + "'] "
	if iss, _ := t.claims.str("iss"); iss != v.clientID {
		return errors.New(prefix + "Token contenente un claim 'iss' non valido")
	}
	for _, name := range teRequiredClaims {
		if !t.claims.has(name) {
			return fmt.Errorf("%sClaim '%s' non presente", prefix, name)
		}
	}
	if pid, _ := t.claims.str("purposeId"); pid != v.purposeID {
		return errors.New(prefix + "Claim 'purposeId' non corrispondente a quello del voucher")
	}
	if !v.hasDigest {
		return errors.New("Voucher privo del claim 'digest' richiesto per il pattern AUDIT_REST_02")
	}
	sum := sha256.Sum256([]byte(raw))
	if !strings.EqualFold(hex.EncodeToString(sum[:]), v.digest.Value) {
		return errors.New(prefix + "Digest del token non corrispondente al claim 'digest' del voucher")
	}
	return nil
}

func (s *Simulator) checkSignature(r *http.Request, svc catalogue.Service, v voucher) error {
	_, t, err := s.checkModIJWS(r, headerSignature, svc, v)
	if err != nil {
		return err
	}
	prefix := "[Header '" + headerSignature + "'] "
	iat, ok := t.claims.num("iat")
	now := s.now()
	if !ok || time.Unix(iat, 0).After(now.Add(clockSkew)) || now.Sub(time.Unix(iat, 0)) > signatureIATTTL {
		return errors.New(prefix + "Token con claim 'iat' non valido")
	}
	if _, ok := t.claims.num("exp"); !ok {
		return errors.New(prefix + "Token con claim 'exp' non valido")
	}
	return checkSignedHeaders(r, t.claims, prefix)
}

// checkSignedHeaders: a non-empty JSON array of one-key objects, each naming a header that
// was received with exactly that value, Digest among them.
func checkSignedHeaders(r *http.Request, c claims, prefix string) error {
	raw, ok := c["signed_headers"]
	if !ok {
		return errors.New(prefix + "Claim 'signed_headers' non presente")
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return errors.New(prefix + "Claim 'signed_headers' con un formato non valido; atteso un array")
	}
	if len(list) == 0 {
		return errors.New(prefix + "Claim 'signed_headers' vuoto")
	}
	digestSigned := false
	for _, obj := range list {
		if len(obj) != 1 {
			return errors.New(prefix + "Claim 'signed_headers' con un formato non valido; atteso un array di oggetti con un solo header ciascuno")
		}
		for name, rawValue := range obj {
			var value string
			if json.Unmarshal(rawValue, &value) != nil {
				return fmt.Errorf("%sClaim 'signed_headers': valore dell'header '%s' non è una stringa", prefix, name)
			}
			if err := matchSignedHeader(r, name, value); err != nil {
				return err
			}
			digestSigned = digestSigned || strings.EqualFold(name, "Digest")
		}
	}
	if !digestSigned {
		return errors.New("Header HTTP 'Digest' non presente nella lista degli header firmati")
	}
	return nil
}

func matchSignedHeader(r *http.Request, name, value string) error {
	got := r.Header.Values(name)
	if len(got) == 0 {
		return fmt.Errorf("Header HTTP '%s' presente nella lista degli header firmati ma non nella richiesta", name)
	}
	if len(got) > 1 || got[0] != value {
		return fmt.Errorf("Header HTTP '%s' possiede un valore differente da quello firmato", name)
	}
	return nil
}

// checkDigestHeader: RFC 3230 Digest, once, SHA-256/384/512, matching the received body.
func checkDigestHeader(r *http.Request, body []byte) error {
	values := r.Header.Values("Digest")
	if len(values) == 0 {
		return errors.New("Header HTTP 'Digest' non presente")
	}
	if len(values) > 1 {
		return errors.New("Header HTTP 'Digest' presente più volte")
	}
	alg, got, ok := strings.Cut(values[0], "=")
	var h hash.Hash
	switch {
	case ok && alg == "SHA-256":
		h = sha256.New()
	case ok && alg == "SHA-384":
		h = sha512.New384()
	case ok && alg == "SHA-512":
		h = sha512.New()
	default:
		return errors.New("Header HTTP 'Digest' con algoritmo non supportato; atteso 'SHA-256=<base64>'")
	}
	h.Write(body)
	if got != base64.StdEncoding.EncodeToString(h.Sum(nil)) {
		return errors.New("Header HTTP 'Digest' possiede un valore non corrispondente al messaggio")
	}
	return nil
}
