package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/varco-anpr/varco/internal/store"
)

// Sign-ins in progress live in the database (store.SignIns), so one may start on one API
// replica and end on another behind a load balancer. An authorize request must be completed
// within authRequestTTL, and at most maxAuthRequests wait at once (a flood of authorize
// requests cannot grow the table without bound).
const (
	authRequestTTL  = 10 * time.Minute
	maxAuthRequests = 10000
)

var errNotFound = errors.New("not found")

// oidcStorage is op.Storage for Varco's one client. Tokens are JWTs signed with
// temporal-jwt-key and are not stored: there are no refresh tokens, and an access token
// lives tokenTTL (the API's access-token lifetime).
type oidcStorage struct {
	client      *uiClient
	secret      []byte
	key         signingKey
	keys        []op.Key
	ttl         time.Duration
	permissions func(ctx context.Context, userID int64) ([]string, error)
	now         func() time.Time
	signIns     store.SignIns
}

// signInRequest is what a sign-in keeps of the UI's authorize request, as stored.
type signInRequest struct {
	Scopes              []string `json:"scopes"`
	ResponseType        string   `json:"responseType"`
	ResponseMode        string   `json:"responseMode,omitempty"`
	ClientID            string   `json:"clientId"`
	RedirectURI         string   `json:"redirectUri"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	CodeChallenge       string   `json:"codeChallenge,omitempty"`
	CodeChallengeMethod string   `json:"codeChallengeMethod,omitempty"`
}

func (s *oidcStorage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	raw, err := json.Marshal(signInRequest{Scopes: req.Scopes, ResponseType: string(req.ResponseType),
		ResponseMode: string(req.ResponseMode), ClientID: req.ClientID, RedirectURI: req.RedirectURI,
		State: req.State, Nonce: req.Nonce, CodeChallenge: req.CodeChallenge,
		CodeChallengeMethod: string(req.CodeChallengeMethod)})
	if err != nil {
		return nil, err
	}
	now := s.now()
	row := &store.SignIn{ID: uuid.NewString(), Request: string(raw), CreatedAt: now}
	ok, err := s.signIns.Start(ctx, row, now.Add(-authRequestTTL), maxAuthRequests)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, oidc.ErrServerError().WithDescription("too many sign-ins in progress")
	}
	return authRequestOf(row)
}

// authRequestOf reads a stored sign-in. Its strings are its own: the provider runs behind
// Fiber's net/http adaptor, whose request strings point into a buffer reused after the request.
func authRequestOf(row *store.SignIn) (*authRequest, error) {
	var r signInRequest
	if err := json.Unmarshal([]byte(row.Request), &r); err != nil {
		return nil, fmt.Errorf("sign-in %s: %w", row.ID, err)
	}
	a := &authRequest{id: row.ID, created: row.CreatedAt, subject: row.Subject, username: row.Username,
		req: oidc.AuthRequest{Scopes: r.Scopes, ResponseType: oidc.ResponseType(r.ResponseType),
			ResponseMode: oidc.ResponseMode(r.ResponseMode), ClientID: r.ClientID, RedirectURI: r.RedirectURI,
			State: r.State, Nonce: r.Nonce, CodeChallenge: r.CodeChallenge,
			CodeChallengeMethod: oidc.CodeChallengeMethod(r.CodeChallengeMethod)}}
	if row.AuthTime != nil {
		a.authTime = *row.AuthTime
	}
	if row.Code != nil {
		a.code = *row.Code
	}
	if r.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: oidc.CodeChallengeMethod(r.CodeChallengeMethod)}
	}
	return a, nil
}

// found turns a stored sign-in, or its absence, into the provider's answer.
func found(row *store.SignIn, err error) (op.AuthRequest, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return authRequestOf(row)
}

func (s *oidcStorage) since() time.Time { return s.now().Add(-authRequestTTL) }

func (s *oidcStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return found(s.signIns.Get(ctx, id, s.since()))
}

func (s *oidcStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return found(s.signIns.ByCode(ctx, code, s.since()))
}

func (s *oidcStorage) SaveAuthCode(ctx context.Context, id, code string) error {
	err := s.signIns.SetCode(ctx, id, code)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	return err
}

// DeleteAuthRequest runs once the code is exchanged: a code works once.
func (s *oidcStorage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.signIns.Delete(ctx, id)
}

// complete records the signed-in user on a pending sign-in; false if it is gone or done.
func (s *oidcStorage) complete(ctx context.Context, id string, userID int64, username string) (bool, error) {
	return s.signIns.Complete(ctx, id, strconv.FormatInt(userID, 10), username, s.now(), s.since())
}

func (s *oidcStorage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return uuid.NewString(), s.now().Add(s.ttl), nil
}

var errNoRefresh = errors.New("refresh tokens are not issued: sign in again")

func (s *oidcStorage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNoRefresh
}
func (s *oidcStorage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}
func (s *oidcStorage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken: nothing to revoke in storage; a token ends at its expiry, and the codec
// endpoint checks the user is still active and TOP on every call.
func (s *oidcStorage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrInvalidRequest().WithDescription("tokens are short-lived and not revocable")
}
func (s *oidcStorage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}
func (s *oidcStorage) SigningKey(context.Context) (op.SigningKey, error) { return s.key, nil }
func (s *oidcStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}
func (s *oidcStorage) KeySet(context.Context) ([]op.Key, error) { return s.keys, nil }

func (s *oidcStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != UIClientID {
		return nil, errNotFound
	}
	return s.client, nil
}

func (s *oidcStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != UIClientID || subtle.ConstantTimeCompare([]byte(secret), s.secret) != 1 {
		return errors.New("invalid client")
	}
	return nil
}

func (s *oidcStorage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token: the username and the permissions.
func (s *oidcStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	info.Subject = req.GetSubject()
	if a, ok := req.(*authRequest); ok {
		info.Name, info.PreferredUsername = a.username, a.username
	}
	perms, err := s.userPermissions(ctx, req.GetSubject())
	if err != nil {
		return err
	}
	info.AppendClaims("permissions", perms)
	return nil
}

func (s *oidcStorage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, _, subject, _ string) error {
	info.Subject = subject
	return nil
}

func (s *oidcStorage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("introspection is not offered: the tokens are JWTs")
}

// GetPrivateClaimsFromScopes puts the permissions in the access token, computed now from
// the user's roles: Temporal's claim mapper reads them there.
func (s *oidcStorage) GetPrivateClaimsFromScopes(ctx context.Context, userID, _ string, _ []string) (map[string]any, error) {
	perms, err := s.userPermissions(ctx, userID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"permissions": perms}, nil
}

// userPermissions refuses a user who is TOP nowhere (any more): no token without a Comune.
func (s *oidcStorage) userPermissions(ctx context.Context, subject string) ([]string, error) {
	id, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return nil, oidc.ErrAccessDenied().WithDescription("unknown subject")
	}
	perms, err := s.permissions(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(perms) == 0 {
		return nil, oidc.ErrAccessDenied().WithDescription("the Web UI is for the TOP of a Comune")
	}
	return perms, nil
}

func (s *oidcStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile grants are not offered")
}
func (s *oidcStorage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grants are not offered")
}
func (s *oidcStorage) Health(context.Context) error { return nil }
