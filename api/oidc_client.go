package api

import (
	"crypto/ecdsa"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// UIClientID is the Temporal Web UI's OIDC client id.
const UIClientID = "temporal-ui"

// uiClient is the one client of Varco's OpenID Provider: the Temporal Web UI, a confidential
// web client (ui-server 2.54.1 exchanges the code with its client secret; it sends no PKCE,
// which the provider accepts and checks when a client does send it).
type uiClient struct {
	redirect string // <ui>/auth/sso/callback
	logout   string
	loginURL string // <issuer>/login
	ttl      time.Duration
}

func (c *uiClient) GetID() string                       { return UIClientID }
func (c *uiClient) RedirectURIs() []string              { return []string{c.redirect} }
func (c *uiClient) PostLogoutRedirectURIs() []string    { return []string{c.logout} }
func (c *uiClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *uiClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *uiClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *uiClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode}
}
func (c *uiClient) LoginURL(id string) string { return c.loginURL + "?authRequestID=" + id }

// AccessTokenType is JWT: Temporal's frontend verifies the token itself, with Varco's JWKS.
func (c *uiClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c *uiClient) IDTokenLifetime() time.Duration      { return c.ttl }

// DevMode admits an http:// redirect URI: `varco dev` serves the UI on plain loopback HTTP.
// A production UI is served over https and runs with it off.
func (c *uiClient) DevMode() bool { return strings.HasPrefix(c.redirect, "http://") }
func (c *uiClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *uiClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *uiClient) IsScopeAllowed(string) bool { return false }

// IDTokenUserinfoClaimsAssertion puts the user's name and permissions in the ID token too,
// which the UI shows and, with useIdTokenAsBearer, would forward.
func (c *uiClient) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *uiClient) ClockSkew() time.Duration             { return 0 }

// signingKey is temporal-jwt-key, the key Temporal's frontend trusts.
type signingKey struct {
	id  string
	key *ecdsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

// publicKey is an entry of the JWKS.
type publicKey struct {
	id  string
	key *ecdsa.PublicKey
}

func (k publicKey) ID() string                         { return k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.key }

// authRequest is one sign-in in progress: the UI's authorize request until the user signs
// in (Done), then until the code is exchanged.
type authRequest struct {
	id        string
	req       oidc.AuthRequest
	created   time.Time
	subject   string // the user id, once signed in
	username  string
	authTime  time.Time
	code      string
	challenge *oidc.CodeChallenge
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.req.ClientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.req.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string                { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                   { return a.req.Scopes }
func (a *authRequest) GetState() string                      { return a.req.State }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.subject != "" }
