package api

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// uiClaims are the claims of an access token Varco's provider gave the Web UI.
type uiClaims struct {
	jwt.RegisteredClaims
	Permissions []string `json:"permissions"`
}

type uiPermissionsKey struct{}

func uiPermissionsOf(c *fiber.Ctx) ([]string, bool) {
	p, ok := c.Locals(uiPermissionsKey{}).([]string)
	return p, ok
}

// codecAuthenticate accepts the Web UI's access token (an ES256 JWT of Varco's provider,
// for the temporal-ui audience) or else an API access token (authenticate).
func (s *Server) codecAuthenticate(c *fiber.Ctx) error {
	tok, _ := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if s.oidc == nil || !s.oidc.issued(tok) {
		return s.authenticate(c)
	}
	claims, err := s.oidc.verify(tok)
	if err != nil {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="varco", error="invalid_token"`)
		return fail(errcode.Unauthorized, "the token is invalid or expired")
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil {
		return fail(errcode.Unauthorized, "the token is invalid or expired")
	}
	u, err := store.GetUserAuth(c.UserContext(), s.DB, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return fail(errcode.Unauthorized, "the user is not active")
	}
	if err != nil {
		return err
	}
	c.Locals(callerKey{}, caller{UserID: u.ID, LoA: passwordLoA})
	c.Locals(uiPermissionsKey{}, claims.Permissions)
	return c.Next()
}

// issued tells whether tok claims to come from this provider (its key id in the header):
// only those are verified as UI tokens.
func (p *oidcProvider) issued(tok string) bool {
	t, _, err := jwt.NewParser().ParseUnverified(tok, &uiClaims{})
	return err == nil && t.Header["kid"] == p.cfg.KeyID && t.Header["alg"] == "ES256"
}

func (p *oidcProvider) verify(tok string) (*uiClaims, error) {
	var claims uiClaims
	_, err := jwt.ParseWithClaims(tok, &claims, func(*jwt.Token) (any, error) { return &p.cfg.Key.PublicKey, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithIssuer(p.cfg.Issuer), jwt.WithAudience(UIClientID),
		jwt.WithExpirationRequired())
	if err != nil {
		return nil, err
	}
	return &claims, nil
}
