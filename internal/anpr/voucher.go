package anpr

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// assertionType is the fixed OAuth client_assertion_type PDND requires.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// binding is what one grant is made for.
type binding struct {
	p         Profile
	op        Operator
	service   string
	purposeID string
	audience  string
}

func (b binding) key() grantKey {
	return grantKey{
		clientID: b.p.ClientID, kid: b.p.Kid, purposeID: b.purposeID, service: b.service,
		audience: b.audience, tokenURL: b.p.TokenURL, assertionAudience: b.p.AssertionAudience,
		userID: b.op.UserID, userLocation: b.op.UserLocation, loa: b.op.LoA,
	}
}

// tokenOK is PDND's successful token answer.
type tokenOK struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// tokenProblem is PDND's error answer (docs/anpr.md §3.2): the correlationId is what PDND support needs.
type tokenProblem struct {
	Title         string `json:"title"`
	Detail        string `json:"detail"`
	CorrelationID string `json:"correlationId"`
	Errors        []struct {
		Code   string `json:"code"`
		Detail string `json:"detail"`
	} `json:"errors"`
}

// fetchGrant builds TE then assertion (in that order: the assertion carries the TE digest)
// and exchanges the assertion for a voucher.
func (c *Client) fetchGrant(ctx context.Context, b binding) (grant, error) {
	now := c.now()
	te, err := trackingEvidence(b.p, b.op, b.purposeID, b.audience, now)
	if err != nil {
		return grant{}, &Error{Kind: KindProtocol, Message: "cannot sign TrackingEvidence", Err: err}
	}
	assertion, err := clientAssertion(b.p, b.purposeID, te, now)
	if err != nil {
		return grant{}, &Error{Kind: KindProtocol, Message: "cannot sign client assertion", Err: err}
	}
	tok, err := c.requestToken(ctx, b.p, assertion)
	if err != nil {
		return grant{}, err
	}
	g := grant{trackingEvidence: te, voucher: tok.AccessToken}
	g.voucherJTI, g.validUntil = c.voucherValidity(b, tok, now)
	return g, nil
}

// requestToken POSTs the client assertion to PDND's token endpoint.
func (c *Client) requestToken(ctx context.Context, p Profile, assertion string) (tokenOK, error) {
	form := url.Values{
		"client_id":             {p.ClientID},
		"client_assertion":      {assertion},
		"client_assertion_type": {assertionType},
		"grant_type":            {"client_credentials"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tokenOK{}, &Error{Kind: KindProtocol, Message: "bad token URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", contentTypeJSON)
	a, err := c.do(c.httpFor(p), req)
	if err != nil {
		return tokenOK{}, &Error{Kind: KindUnavailable, Message: "PDND token endpoint unreachable",
			HTTPStatus: a.status, Trace: Trace{HTTPStatus: a.status}, Err: err}
	}
	if a.status != http.StatusOK {
		return tokenOK{}, tokenFailure(a.status, a.body)
	}
	var tok tokenOK
	if err := json.Unmarshal(a.body, &tok); err != nil || tok.AccessToken == "" {
		return tokenOK{}, &Error{Kind: KindProtocol, Message: "unreadable PDND token answer",
			HTTPStatus: a.status, Trace: Trace{HTTPStatus: a.status},
			Err: fmt.Errorf("decode token answer: %w", errOr(err, "empty access_token"))}
	}
	return tok, nil
}

// tokenFailure maps a non-200 token answer. A 4xx is PDND refusing the assertion (bad
// signature, aud, digest, purpose…): retrying the same profile cannot help.
func tokenFailure(status int, body []byte) *Error {
	var pb tokenProblem
	_ = json.Unmarshal(body, &pb) // best effort: a proxy may answer HTML
	e := &Error{Kind: KindVoucher, Code: pb.Title, Message: pb.Detail, HTTPStatus: status,
		Trace: Trace{CorrelationID: pb.CorrelationID, HTTPStatus: status}}
	if len(pb.Errors) > 0 {
		e.Code, e.Message = pb.Errors[0].Code, pb.Errors[0].Detail
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		e.Kind = KindUnavailable
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	e.Err = fmt.Errorf("PDND token endpoint answered %d", status)
	return e
}

// voucherValidity reads jti/exp/aud from the voucher without verifying it (the provider
// verifies it; we only need its lifetime and id) and computes how long the grant may be reused.
func (c *Client) voucherValidity(b binding, tok tokenOK, now time.Time) (string, time.Time) {
	until := now.Add(jwsLifetime) // the TrackingEvidence expiry
	if tok.ExpiresIn > 0 {
		until = minTime(until, now.Add(time.Duration(tok.ExpiresIn)*time.Second))
	}
	var jti string
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, claims); err == nil {
		jti, _ = claims["jti"].(string)
		if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
			until = minTime(until, exp.Time)
		}
		c.checkVoucherAudience(b, claims)
	}
	return jti, until.Add(-c.margin)
}

// checkVoucherAudience warns when PDND's aud differs from the ModI audience we signed: that
// is the most common cause of GovWay 400s (docs/anpr.md §3.5), and AudienceBase is then wrong.
func (c *Client) checkVoucherAudience(b binding, claims jwt.MapClaims) {
	aud, err := claims.GetAudience()
	if err != nil || len(aud) == 0 {
		return
	}
	for _, a := range aud {
		if a == b.audience {
			return
		}
	}
	c.log.Warn("anpr: voucher aud differs from the ModI audience signed; check Profile.AudienceBase",
		slog.String("service", b.service), slog.String("voucher_aud", aud[0]), slog.String("modi_aud", b.audience))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s", msg)
}
