package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/temporalauth"
	"github.com/varco-anpr/varco/workflows"
)

// OIDC makes Varco the OpenID Provider of the Temporal Web UI (github.com/zitadel/oidc):
// discovery, JWKS, authorization code (+ PKCE when the client sends it), and a sign-in page
// on Varco's accounts with the API's lockout. The tokens carry "comune-xxxx:read" for each
// Comune where the user is TOP, and nothing else; a user who is TOP nowhere gets no token.
type OIDC struct {
	Issuer       string            // as browsers reach it, e.g. http://127.0.0.1:8080/oidc
	Key          *ecdsa.PrivateKey // temporal-jwt-key: Temporal's frontend trusts it
	KeyID        string
	ClientSecret string
	UIURL        string        // the Web UI; its callback is <UIURL>/auth/sso/callback
	TokenTTL     time.Duration // access and ID tokens
}

// oidcProvider is the running provider: the zitadel handler and the storage the sign-in
// page completes.
type oidcProvider struct {
	cfg      OIDC
	storage  *oidcStorage
	handler  http.Handler
	path     string // the issuer's path, where the provider is mounted
	uiOrigin string // where a completed sign-in redirects
}

func (s *Server) newOIDCProvider(cfg OIDC) (*oidcProvider, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || u.Path == "" || u.Path == "/" {
		return nil, fmt.Errorf("oidc issuer %q: an absolute URL with a path, e.g. http://host/oidc", cfg.Issuer)
	}
	st := &oidcStorage{
		client: &uiClient{
			redirect: strings.TrimSuffix(cfg.UIURL, "/") + "/auth/sso/callback",
			logout:   strings.TrimSuffix(cfg.UIURL, "/"),
			loginURL: cfg.Issuer + "/login",
			ttl:      cfg.TokenTTL,
		},
		secret:      []byte(cfg.ClientSecret),
		key:         signingKey{id: cfg.KeyID, key: cfg.Key},
		keys:        []op.Key{publicKey{id: cfg.KeyID, key: &cfg.Key.PublicKey}},
		ttl:         cfg.TokenTTL,
		permissions: s.uiPermissions,
		now:         s.Now,
		signIns:     store.SignIns{DB: s.DB},
	}
	opCfg := &op.Config{
		CodeMethodS256:     true,
		AuthMethodPost:     true,
		SupportedUILocales: []language.Tag{language.Italian, language.English},
		SupportedScopes:    []string{"openid", "profile", "email"},
	}
	// CryptoKey encrypts opaque tokens, which this provider never issues; random anyway.
	if _, err := rand.Read(opCfg.CryptoKey[:]); err != nil {
		return nil, err
	}
	var opts []op.Option
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure()) // `varco dev` on loopback
	}
	p, err := op.NewProvider(opCfg, st, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc provider: %w", err)
	}
	path := strings.TrimSuffix(u.Path, "/")
	ui, err := url.Parse(cfg.UIURL)
	if err != nil || ui.Host == "" {
		return nil, fmt.Errorf("oidc: the Web UI's URL %q is not absolute", cfg.UIURL)
	}
	return &oidcProvider{cfg: cfg, storage: st, handler: http.StripPrefix(path, p), path: path,
		uiOrigin: ui.Scheme + "://" + ui.Host}, nil
}

// oidcRoutes mounts the provider at the issuer's path, its sign-in page first.
func (s *Server) oidcRoutes() {
	if s.OIDC == nil {
		return
	}
	p, err := s.newOIDCProvider(*s.OIDC)
	if err != nil {
		// config.Validate checks the issuer and UI URLs; whatever is left is logged, and the
		// Web UI, finding no provider, does not start (devtemporal.StartUI says why).
		s.log.Error("no OpenID Provider for the Web UI", "error", err)
		return
	}
	s.oidc = p
	s.app.Get(p.path+"/login", s.oidcLoginPage)
	s.app.Post(p.path+"/login", s.newAuthHandlers().oidcLogin)
	s.app.All(p.path+"/*", adaptor.HTTPHandler(p.handler))
}

// uiPermissions are the user's Web UI permissions: read on each namespace of a Comune where
// they are TOP. An ADMIN or AUTORIZZATO has none: the UI shows every Ente's requests of a
// namespace, which only the TOP may read.
func (s *Server) uiPermissions(_ context.Context, userID int64) ([]string, error) {
	if s.Authz == nil || s.Clients == nil {
		return nil, nil
	}
	var perms []string
	for _, c := range s.Clients.Comuni() {
		if slices.Contains(s.Authz.Roles(userID, c), "TOP") {
			perms = append(perms, temporalauth.Permission(workflows.Namespace(c), temporalauth.RoleRead))
		}
	}
	slices.Sort(perms)
	return perms, nil
}
