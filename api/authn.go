package api

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// passwordLoA is the level of assurance of a password sign-in (one factor).
const passwordLoA = "LoA2"

// maxLoginAttemptClaims bounds the compare-and-set retries of one sign-in under a burst of
// parallel attempts for the same username; within that many claims the lock engages.
const maxLoginAttemptClaims = auth.LockoutThreshold + 2

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// tokenResponse is the answer of sign-in and refresh (RFC 6749 §5.1 names).
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int    `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int    `json:"refresh_expires_in"`
}

// dummyHash is verified when the user does not exist, so that a wrong username and a wrong
// password take the same time. Computed at the first sign-in, not at package init: an argon2id
// hash costs its memory (64 MiB) and about a second, which every varco command (-h, migrate,
// the worker) paid at start.
var dummyHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword("varco-timing-equaliser")
	return h
})

// authHandlers serve the /auth endpoints; they hold the in-memory failure counts of unknown
// usernames (auth_lockout.go), which belong to one Server.
type authHandlers struct {
	s       *Server
	unknown *failureMemory
}

func (s *Server) newAuthHandlers() *authHandlers {
	return &authHandlers{s: s, unknown: newFailureMemory(maxUnknownUsernames)}
}

// token signs a user in with username and password. Every refusal (unknown user, wrong
// password, suspended user, locked out) is the same 401 body; a lockout adds Retry-After,
// for unknown usernames too, so the answer never tells whether an account exists.
func (h *authHandlers) token(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if req.Username == "" || req.Password == "" || len(req.Username) > 128 || len(req.Password) > 1024 {
		return fail(errcode.InvalidRequest, "username and password are required")
	}
	u, err := h.checkPassword(c, req)
	if err != nil {
		return err
	}
	return h.startSession(c, u)
}

// checkPassword is every password sign-in's check (the API's and the Web UI's): the user's
// failure count is claimed before the password is verified, so parallel guesses cannot
// exceed the lockout; any refusal is refuseLogin's one answer. The caller clears the count.
func (h *authHandlers) checkPassword(c *fiber.Ctx, req tokenRequest) (*store.UserAuth, error) {
	s := h.s
	ctx := c.UserContext()
	now := s.Now()
	var u *store.UserAuth
	var failures int // the failure count this attempt has claimed, itself included
	for tries, claimed := 0, false; !claimed; tries++ {
		if tries == maxLoginAttemptClaims {
			return nil, refuseLogin(c, auth.LockoutBase)
		}
		var err error
		u, err = store.GetUserAuthByUsername(ctx, s.DB, req.Username)
		if errors.Is(err, store.ErrNotFound) {
			return nil, h.unknownUser(c, req, now)
		} else if err != nil {
			return nil, err
		}
		if wait := auth.LockedFor(u.FailedLogins, u.LastFailedLoginAt, now); wait > 0 {
			return nil, refuseLogin(c, wait)
		}
		failures = auth.EffectiveFailures(u.FailedLogins, u.LastFailedLoginAt, now) + 1
		if claimed, err = store.ClaimLoginAttempt(ctx, s.DB, u.ID, u.FailedLogins, failures, now); err != nil {
			return nil, err
		}
	}
	ok, verr := auth.VerifyPassword(u.PasswordHash, req.Password)
	if verr != nil || !ok || !u.Active {
		return nil, refuseLogin(c, auth.LockDelay(failures))
	}
	return u, nil
}

// unknownUser answers a sign-in for a username that does not exist exactly as for one that
// does: the same lockout (counted in memory), the same work, the same body.
func (h *authHandlers) unknownUser(c *fiber.Ctx, req tokenRequest, now time.Time) error {
	wait, failures := h.unknown.begin(req.Username, now)
	if wait > 0 {
		return refuseLogin(c, wait)
	}
	// The same write as ClaimLoginAttempt on a real user, matching no row: it takes the same
	// lock and index lookup, so the database round trip does not tell the two apart.
	if _, err := store.ClaimLoginAttempt(c.UserContext(), h.s.DB, 0, -1, 0, now); err != nil {
		return err
	}
	_, _ = auth.VerifyPassword(dummyHash(), req.Password)
	return refuseLogin(c, auth.LockDelay(failures))
}

// startSession completes a successful sign-in: it clears the failure count, starts a refresh
// token family and issues the first access token at the user's current token version.
func (h *authHandlers) startSession(c *fiber.Ctx, u *store.UserAuth) error {
	s := h.s
	ctx := c.UserContext()
	now := s.Now()
	refresh, hash, err := auth.NewRefreshToken()
	if err != nil {
		return err
	}
	rt := &store.RefreshToken{UserID: u.ID, TokenHash: hash, LoA: passwordLoA,
		CreatedAt: now, ExpiresAt: now.Add(auth.RefreshTTL)}
	err = store.Tx(ctx, s.DB, func(tx bun.Tx) error {
		if err := store.ResetLoginFailures(ctx, tx, u.ID); err != nil {
			return err
		}
		return store.CreateRefreshToken(ctx, tx, rt)
	})
	if err != nil {
		return err
	}
	return h.sendTokens(c, u, rt, refresh)
}

// sendTokens issues an access token for u and answers it with the refresh token.
func (h *authHandlers) sendTokens(c *fiber.Ctx, u *store.UserAuth, rt *store.RefreshToken, refresh string) error {
	access, err := h.s.Tokens.IssueVersioned(u.ID, u.TokenVersion, rt.LoA)
	if err != nil {
		return err
	}
	// RFC 6749 §5.1: responses carrying tokens must not be cached.
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return c.JSON(tokenResponse{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: int(h.s.Tokens.TTL().Seconds()),
		RefreshToken: refresh, RefreshExpiresIn: int(rt.ExpiresAt.Sub(h.s.Now()).Seconds()),
	})
}

// caller is the authenticated user of a request.
type caller struct {
	UserID int64
	LoA    string
}

// authenticate verifies the bearer token, that the user is still active and that the token
// has not been revoked: a suspended or signed-out user is refused at their next request,
// whatever their token says. Revocation costs nothing extra: the token version is a column of
// the user row this primary-key lookup reads anyway.
func (s *Server) authenticate(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	tok, found := strings.CutPrefix(h, "Bearer ")
	if !found || tok == "" {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="varco"`)
		return fail(errcode.Unauthorized, "a bearer token is required")
	}
	claims, err := s.Tokens.Verify(tok)
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="varco", error="invalid_token"`)
		return fail(errcode.Unauthorized, "the token is invalid or expired")
	}
	u, err := store.GetUserAuth(c.UserContext(), s.DB, claims.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return fail(errcode.Unauthorized, "the user is not active")
	}
	if err != nil {
		return err
	}
	if claims.Version != u.TokenVersion {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="varco", error="invalid_token"`)
		return fail(errcode.Unauthorized, "the token has been revoked")
	}
	c.Locals(callerKey{}, caller{UserID: u.ID, LoA: claims.LoA})
	return c.Next()
}

type callerKey struct{}

func callerOf(c *fiber.Ctx) caller {
	v, _ := c.Locals(callerKey{}).(caller)
	return v
}
