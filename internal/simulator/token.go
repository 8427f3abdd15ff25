package simulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// PDND token endpoint (docs/anpr.md §3.2).

const (
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxFormBytes  = 64 << 10
	// clockSkew tolerates small clock differences on iat, as PDND and GovWay do.
	clockSkew = 60 * time.Second
	// ReasonHeader carries, on simulator error answers, the precise reason in ASCII. The real
	// PDND only exposes it through its back-office "debug client assertion" tool.
	ReasonHeader = "Varco-Simulator-Reason"
)

// allowedAssertionClaims is PDND's closed list; anything else (nbf above all) is refused.
var allowedAssertionClaims = map[string]bool{
	"iss": true, "sub": true, "aud": true, "jti": true, "iat": true, "exp": true,
	"purposeId": true, "digest": true,
}

// idNamespace makes the PDND ids in vouchers stable UUIDs derived from names.
var idNamespace = uuid.MustParse("6f1c9a52-1d0e-4b8e-9a51-7a3e0c2b9d10")

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.tokenError(w, "form non leggibile")
		return
	}
	a, p, err := s.checkAssertion(r.PostForm)
	if err != nil {
		s.tokenError(w, err.Error())
		return
	}
	voucher, err := s.issueVoucher(a, p)
	if err != nil {
		s.log.Error("signing voucher", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(tokenResponse{voucher, "Bearer", int64(s.cfg.VoucherTTL / time.Second)})
}

// assertion is what a verified client assertion contributes to the voucher.
type assertion struct {
	clientID, purposeID string
	digest              json.RawMessage // copied verbatim into the voucher
}

// checkAssertion applies PDND's checks in order; the error text is the reason.
func (s *Simulator) checkAssertion(form map[string][]string) (assertion, purpose, error) {
	get := func(k string) string {
		if v := form[k]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	var a assertion
	switch {
	case get("grant_type") != "client_credentials":
		return a, purpose{}, errors.New("grant_type must be client_credentials")
	case get("client_assertion_type") != assertionType:
		return a, purpose{}, errors.New("client_assertion_type must be " + assertionType)
	case get("client_id") == "":
		return a, purpose{}, errors.New("client_id missing")
	case get("client_assertion") == "":
		return a, purpose{}, errors.New("client_assertion missing")
	}
	a.clientID = get("client_id")
	t, client, err := s.verifyClientJWS(get("client_assertion"))
	if err != nil {
		return a, purpose{}, err
	}
	if client.ClientID != a.clientID {
		return a, purpose{}, errors.New("kid does not belong to client_id")
	}
	if err := s.checkAssertionClaims(t.claims, a.clientID); err != nil {
		return a, purpose{}, err
	}
	a.purposeID, _ = t.claims.str("purposeId")
	p, ok := s.purpose(a.purposeID)
	if !ok || p.clientID != a.clientID {
		return a, purpose{}, errors.New("purposeId not found or not owned by this client")
	}
	a.digest = t.claims["digest"]
	jti, _ := t.claims.str("jti")
	exp, _ := t.claims.num("exp")
	if !s.jtis.add(jti, time.Unix(exp, 0), s.now()) {
		return a, purpose{}, errors.New("jti already used")
	}
	return a, p, nil
}

// verifyClientJWS parses a JWS signed by a registered client key and verifies it.
func (s *Simulator) verifyClientJWS(token string) (*jws, *Client, error) {
	t, err := parseJWS(token)
	if err != nil {
		return nil, nil, fmt.Errorf("client_assertion malformed: %w", err)
	}
	if t.header.Alg != "RS256" {
		return nil, nil, errors.New("only RS256 is accepted")
	}
	client, ok := s.clientByKid(t.header.Kid)
	if !ok {
		return nil, nil, errors.New("kid not registered")
	}
	if err := t.verifyRS256(client.PublicKey); err != nil {
		return nil, nil, errors.New("signature verification failed")
	}
	return t, client, nil
}

func (s *Simulator) checkAssertionClaims(c claims, clientID string) error {
	if c.has("nbf") {
		return errors.New("claim nbf is not allowed")
	}
	for name := range c {
		if !allowedAssertionClaims[name] {
			return fmt.Errorf("claim %q is not allowed", name)
		}
	}
	if iss, _ := c.str("iss"); iss != clientID {
		return errors.New("iss must equal client_id")
	}
	if sub, _ := c.str("sub"); sub != clientID {
		return errors.New("sub must equal client_id")
	}
	if aud, ok := c.str("aud"); !ok || aud != s.AssertionAudience() {
		return fmt.Errorf("aud must be the string %s", s.AssertionAudience())
	}
	if jti, ok := c.str("jti"); !ok || jti == "" {
		return errors.New("jti missing")
	}
	if _, ok := c.str("purposeId"); !ok {
		return errors.New("purposeId missing")
	}
	if err := s.checkTimes(c); err != nil {
		return err
	}
	return checkDigestClaim(c)
}

func (s *Simulator) checkTimes(c claims) error {
	iat, ok := c.num("iat")
	if !ok {
		return errors.New("iat missing or not numeric")
	}
	exp, ok := c.num("exp")
	if !ok {
		return errors.New("exp missing or not numeric")
	}
	now := s.now()
	if !now.Before(time.Unix(exp, 0)) {
		return errors.New("assertion expired")
	}
	if time.Unix(iat, 0).After(now.Add(clockSkew)) {
		return errors.New("iat in the future")
	}
	if exp <= iat {
		return errors.New("exp must follow iat")
	}
	return nil
}

// checkDigestClaim: PDND only checks the algorithm name and a SHA-256-sized hex value.
func checkDigestClaim(c claims) error {
	d, present, err := c.digest()
	if !present {
		return nil
	}
	if err != nil {
		return errors.New("digest malformed")
	}
	if d.Alg != "SHA256" {
		return errors.New(`digest.alg must be "SHA256"`)
	}
	if len(d.Value) != 64 || !isHex(d.Value) {
		return errors.New("digest.value must be 64 hex characters")
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// issueVoucher signs the PDND voucher for a verified assertion.
func (s *Simulator) issueVoucher(a assertion, p purpose) (string, error) {
	now := s.now().Unix()
	c := jwt.MapClaims{
		"iss": s.VoucherIssuer(), "aud": s.audience(p.service), "sub": a.clientID,
		"client_id": a.clientID, "purposeId": a.purposeID,
		"iat": now, "nbf": now, "exp": now + int64(s.cfg.VoucherTTL/time.Second),
		"jti":          uuid.NewString(),
		"producerId":   uuid.NewSHA1(idNamespace, []byte("producer:Ministero dell'Interno")).String(),
		"consumerId":   uuid.NewSHA1(idNamespace, []byte("consumer:"+a.clientID)).String(),
		"eserviceId":   uuid.NewSHA1(idNamespace, []byte("eservice:"+p.service.Code)).String(),
		"descriptorId": uuid.NewSHA1(idNamespace, []byte("descriptor:"+p.service.Code+":v1")).String(),
	}
	if len(a.digest) > 0 {
		c["digest"] = a.digest
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"], t.Header["typ"], t.Header["use"] = s.kid, "at+jwt", "sig"
	return t.SignedString(s.key)
}

// pdndProblem is PDND's error body (docs/anpr.md §3.2), identical for every token failure.
type pdndProblem struct {
	Title         string      `json:"title"`
	Type          string      `json:"type"`
	Status        int         `json:"status"`
	Detail        string      `json:"detail"`
	Errors        []pdndError `json:"errors"`
	CorrelationID string      `json:"correlationId"`
}

type pdndError struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func (s *Simulator) tokenError(w http.ResponseWriter, reason string) {
	id := uuid.NewString()
	s.log.Info("token refused", "correlationId", id, "reason", reason)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set(ReasonHeader, reason)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(pdndProblem{
		Title: "The request contains bad syntax or cannot be fulfilled.", Type: "about:blank",
		Status: http.StatusBadRequest, Detail: "Bad request",
		Errors:        []pdndError{{Code: "015-0008", Detail: "Unable to generate a token for the given request"}},
		CorrelationID: id,
	})
}

// jwk is an RSA public key in JWK form.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func rsaJWK(kid string, n *big.Int, e int) jwk {
	return jwk{Kty: "RSA", Kid: kid, Alg: "RS256", Use: "sig",
		N: base64.RawURLEncoding.EncodeToString(n.Bytes()),
		E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(e)).Bytes())}
}

func (s *Simulator) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string][]jwk{"keys": {rsaJWK(s.kid, s.key.N, s.key.E)}})
}

// handleClientKey is PDND's GET /keys/{kid}: the public key a client uploaded.
func (s *Simulator) handleClientKey(w http.ResponseWriter, r *http.Request) {
	c, ok := s.clientByKid(r.PathValue("kid"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rsaJWK(c.Kid, c.PublicKey.N, c.PublicKey.E))
}
