package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Sign-ins in progress live in memory: an authorize request must be completed within
// authRequestTTL, and at most maxAuthRequests wait at once (a flood of authorize requests
// cannot grow the process). With several API replicas the UI's provider URL must reach the
// same replica for one sign-in (sticky sessions), or the sign-in starts again.
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

	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string // code → request id
}

func (s *oidcStorage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	if len(s.requests) >= maxAuthRequests {
		return nil, oidc.ErrServerError().WithDescription("too many sign-ins in progress")
	}
	a := &authRequest{id: uuid.NewString(), req: cloneAuthRequest(req), created: s.now()}
	if a.req.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
	}
	s.requests[a.id] = a
	return a, nil
}

// cloneAuthRequest copies what a sign-in keeps of the request into memory of its own: the
// provider runs behind Fiber's net/http adaptor, whose strings point into fasthttp's request
// buffer, reused once the request ends.
func cloneAuthRequest(r *oidc.AuthRequest) oidc.AuthRequest {
	scopes := make(oidc.SpaceDelimitedArray, len(r.Scopes))
	for i, sc := range r.Scopes {
		scopes[i] = strings.Clone(sc)
	}
	return oidc.AuthRequest{
		Scopes:              scopes,
		ResponseType:        oidc.ResponseType(strings.Clone(string(r.ResponseType))),
		ClientID:            strings.Clone(r.ClientID),
		RedirectURI:         strings.Clone(r.RedirectURI),
		State:               strings.Clone(r.State),
		Nonce:               strings.Clone(r.Nonce),
		ResponseMode:        oidc.ResponseMode(strings.Clone(string(r.ResponseMode))),
		CodeChallenge:       strings.Clone(r.CodeChallenge),
		CodeChallengeMethod: oidc.CodeChallengeMethod(strings.Clone(string(r.CodeChallengeMethod))),
	}
}

// prune drops the expired sign-ins; s.mu is held.
func (s *oidcStorage) prune() {
	cutoff := s.now().Add(-authRequestTTL)
	for id, a := range s.requests {
		if a.created.Before(cutoff) {
			delete(s.requests, id)
			delete(s.codes, a.code)
		}
	}
}

func (s *oidcStorage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || a.created.Before(s.now().Add(-authRequestTTL)) {
		return nil, errNotFound
	}
	return a, nil
}

func (s *oidcStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *oidcStorage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	a.code = code
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest runs once the code is exchanged: a code works once.
func (s *oidcStorage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		delete(s.codes, a.code)
		delete(s.requests, id)
	}
	return nil
}

// complete records the signed-in user on a pending sign-in; false if it is gone or done.
func (s *oidcStorage) complete(id string, userID int64, username string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || a.Done() || a.created.Before(s.now().Add(-authRequestTTL)) {
		return false
	}
	a.subject, a.username, a.authTime = strconv.FormatInt(userID, 10), strings.Clone(username), s.now()
	return true
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
