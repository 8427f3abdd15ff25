package api

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// passwordLoA is the level of assurance of a password sign-in (one factor).
const passwordLoA = "LoA2"

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// dummyHash is verified when the user does not exist, so that a wrong username and a wrong
// password take the same time.
var dummyHash, _ = auth.HashPassword("varco-timing-equaliser")

func (s *Server) token(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if req.Username == "" || req.Password == "" || len(req.Username) > 128 || len(req.Password) > 1024 {
		return fail(errcode.InvalidRequest, "username and password are required")
	}
	u, err := store.GetUserByUsername(c.UserContext(), s.DB, req.Username)
	hash := dummyHash
	if err == nil {
		hash = u.PasswordHash
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	ok, verr := auth.VerifyPassword(hash, req.Password)
	if err != nil || verr != nil || !ok || !u.Active {
		return fail(errcode.Unauthorized, "invalid credentials")
	}
	tok, err := s.Tokens.Issue(u.ID, passwordLoA)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"access_token": tok, "token_type": "Bearer", "expires_in": int(s.Tokens.TTL().Seconds())})
}

// caller is the authenticated user of a request.
type caller struct {
	UserID int64
	LoA    string
}

// authenticate verifies the bearer token and that the user is still active: a suspended
// user is refused at their next request, whatever their token says.
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
	u, err := store.GetUser(c.UserContext(), s.DB, claims.UserID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return fail(errcode.Unauthorized, "the user is not active")
	}
	if err != nil {
		return err
	}
	c.Locals(callerKey{}, caller{UserID: u.ID, LoA: claims.LoA})
	return c.Next()
}

type callerKey struct{}

func callerOf(c *fiber.Ctx) caller {
	v, _ := c.Locals(callerKey{}).(caller)
	return v
}
