package api

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	if tok == "" && s.oidc != nil {
		tok = c.Cookies(uiCookieName) // the UI's credentialed call over plain http (dev)
	}
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

// uiCookieName holds, for the codec endpoint only, a token like the UI's access token, set
// by the sign-in page. ui-server 2.54.1 passes its access token to a codec endpoint only if
// that is https (its JS checks the URL's prefix), so on `varco dev`'s plain loopback http the
// UI's credentialed call (codec includeCredentials) brings this cookie instead: same host,
// other port, same site. HttpOnly, SameSite=Strict, path /codec, the token's lifetime.
const uiCookieName = "varco_ui"

// setUICookie gives the browser the codec cookie of a completed sign-in.
func (p *oidcProvider) setUICookie(c *fiber.Ctx, userID int64, perms []string, now time.Time) error {
	exp := now.Add(p.cfg.TokenTTL)
	claims := uiClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: p.cfg.Issuer, Subject: strconv.FormatInt(userID, 10), Audience: jwt.ClaimStrings{UIClientID},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		},
		Permissions: perms,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	t.Header["kid"] = p.cfg.KeyID
	tok, err := t.SignedString(p.cfg.Key)
	if err != nil {
		return fmt.Errorf("sign ui cookie: %w", err)
	}
	c.Cookie(&fiber.Cookie{Name: uiCookieName, Value: tok, Path: "/codec", HTTPOnly: true, Expires: exp,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: strings.HasPrefix(p.cfg.Issuer, "https://")})
	return nil
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
