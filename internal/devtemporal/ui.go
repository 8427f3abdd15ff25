package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiopts "github.com/temporalio/ui-server/v2/server/server_options"
)

// SignIn is the Web UI's OpenID Provider (Varco): the UI sends the access token it gets to
// the frontend (where the claim mapper reads its permissions) and to the codec endpoint.
type SignIn struct {
	ProviderURL  string // the issuer; its /.well-known/openid-configuration must answer
	ClientID     string
	ClientSecret string
}

// StartUI starts the Web UI. The UI fetches its provider's discovery document when it is
// built and exits the process if that fails, so call it once the provider answers: StartUI
// checks first and returns an error instead.
func (s *Server) StartUI(ctx context.Context) error {
	o := s.opts
	if o.UIPort == 0 || s.ui != nil {
		return nil
	}
	if err := checkDiscovery(ctx, o.UISignIn.ProviderURL); err != nil {
		return err
	}
	s.ui = uiserver.NewServer(uiopts.WithConfigProvider(o.uiConfig(s.uiURL)))
	go s.runUI()
	return nil
}

func (s *Server) runUI() {
	if err := s.ui.Start(); err != nil && !errors.Is(err, errUIStopped) {
		s.opts.Logger.Error("temporal web ui stopped", "error", err)
	}
}

var errUIStopped = errors.New("http: Server closed")

// uiConfig is a read-only UI for TOPs: every write control hidden (the server refuses the
// writes anyway: readers hold only the read role), payloads decoded by Varco's codec endpoint
// with the user's own token.
func (o *Options) uiConfig(uiURL string) *uiconfig.Config {
	return &uiconfig.Config{
		Host:                o.IP,
		Port:                o.UIPort,
		TemporalGRPCAddress: net.JoinHostPort(o.IP, strconv.Itoa(o.Port)),
		EnableUI:            true,
		DefaultNamespace:    o.Namespaces[0],
		Auth: uiconfig.Auth{
			Enabled:            true,
			RedirectToProvider: true, // one click fewer: the UI's own sign-in page only links to Varco's
			MaxSessionDuration: 8 * time.Hour,
			Providers: []uiconfig.AuthProvider{{
				Label: "Varco", Type: "oidc",
				ProviderURL: o.UISignIn.ProviderURL, ClientID: o.UISignIn.ClientID, ClientSecret: o.UISignIn.ClientSecret,
				Scopes:      []string{"openid", "profile", "email"},
				CallbackURL: uiURL + "/auth/sso/callback",
			}},
		},
		Codec:                     o.codecConfig(),
		CORS:                      uiconfig.CORS{CookieInsecure: strings.HasPrefix(uiURL, "http://")},
		DisableWriteActions:       true,
		StartWorkflowDisabled:     true,
		WorkflowTerminateDisabled: true,
		WorkflowCancelDisabled:    true,
		WorkflowSignalDisabled:    true,
		WorkflowUpdateDisabled:    true,
		WorkflowResetDisabled:     true,
		WorkflowPauseDisabled:     true,
		BatchActionsDisabled:      true,
		ActivityCommandsDisabled:  true,
		HideLogs:                  true,
		DisableNewsFetch:          true,
	}
}

// codecConfig: ui-server 2.54.1 passes its access token only to an https codec endpoint, and
// with passAccessToken set and an http endpoint it does not call the codec at all (its JS
// checks the URL's prefix). Over dev's plain http it sends Varco's sign-in cookie instead
// (includeCredentials; see api.uiCookieName).
func (o *Options) codecConfig() uiconfig.Codec {
	if o.CodecEndpoint == "" {
		return uiconfig.Codec{}
	}
	https := strings.HasPrefix(o.CodecEndpoint, "https://")
	return uiconfig.Codec{Endpoint: o.CodecEndpoint, PassAccessToken: https, IncludeCredentials: true}
}

// checkDiscovery fetches the provider's discovery document once.
func checkDiscovery(ctx context.Context, providerURL string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u := strings.TrimSuffix(providerURL, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("web ui sign-in: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("web ui sign-in: the OpenID Provider does not answer: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("web ui sign-in: %s answered %d", u, resp.StatusCode)
	}
	return nil
}
