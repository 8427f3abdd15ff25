package devtemporal

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"google.golang.org/grpc"
)

// Auth turns on Temporal's own authorization: the default authorizer and the default JWT
// claim mapper (a `permissions` claim of "<namespace>:<role>" entries). The keys that verify
// the tokens are either an in-process set (Keys: `varco dev` and the tests, where Varco holds
// the key) or Temporal's JWKS provider pointed at Varco (JWKSURL: the production shape).
type Auth struct {
	Keys    map[string]*ecdsa.PublicKey // key id → ES256 public key
	JWKSURL string
}

func (a *Auth) validate() error {
	if a == nil {
		return errors.New("devtemporal: Auth required: the frontend never runs unauthenticated")
	}
	if len(a.Keys) == 0 && a.JWKSURL == "" {
		return errors.New("devtemporal: Auth needs Keys or a JWKSURL")
	}
	return nil
}

// claimMapper builds Temporal's default JWT claim mapper over the configured key source.
func (a *Auth) claimMapper(cfg *config.Config, logger log.Logger) authorization.ClaimMapper {
	var provider authorization.TokenKeyProvider
	if len(a.Keys) > 0 {
		provider = staticKeys(a.Keys)
	} else {
		cfg.Global.Authorization.JWTKeyProvider = config.JWTKeyProvider{
			KeySourceURIs: []string{a.JWKSURL}, RefreshInterval: time.Minute,
		}
		provider = authorization.NewDefaultTokenKeyProvider(&cfg.Global.Authorization, logger)
	}
	return authorization.NewDefaultJWTClaimMapper(provider, &cfg.Global.Authorization, logger)
}

// staticKeys is an in-process ES256 key set: the dev server trusts exactly the keys Varco
// signs with, with nothing to fetch.
type staticKeys map[string]*ecdsa.PublicKey

var errOnlyES256 = errors.New("only ES256 tokens are accepted")

func (s staticKeys) EcdsaKey(alg, kid string) (*ecdsa.PublicKey, error) {
	if alg != "ES256" {
		return nil, errOnlyES256
	}
	k, ok := s[kid]
	if !ok {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	return k, nil
}
func (staticKeys) HmacKey(string, string) ([]byte, error)        { return nil, errOnlyES256 }
func (staticKeys) RsaKey(string, string) (*rsa.PublicKey, error) { return nil, errOnlyES256 }
func (staticKeys) SupportedMethods() []string                    { return []string{"ES256"} }
func (staticKeys) Close()                                        {}

// listNamespaces is the one cluster-wide read a namespace reader needs: the Web UI lists
// namespaces to build its switcher. GetClusterInfo tells versions and the cluster's name.
const (
	listNamespaces = "/temporal.api.workflowservice.v1.WorkflowService/ListNamespaces"
	getClusterInfo = "/temporal.api.workflowservice.v1.WorkflowService/GetClusterInfo"
)

// readerAuthorizer is Temporal's default authorizer, plus: a caller holding a role on some
// namespace may call ListNamespaces (answered with only those namespaces, by
// filterNamespaces) and GetClusterInfo. Without it a TOP's UI session cannot list even its
// own namespace; with the default authorizer alone, only a system reader can, and sees all.
type readerAuthorizer struct{ next authorization.Authorizer }

func (a readerAuthorizer) Authorize(ctx context.Context, c *authorization.Claims, t *authorization.CallTarget) (authorization.Result, error) {
	if (t.APIName == listNamespaces || t.APIName == getClusterInfo) && holdsNamespaceRole(c) {
		return authorization.Result{Decision: authorization.DecisionAllow}, nil
	}
	return a.next.Authorize(ctx, c, t)
}

func holdsNamespaceRole(c *authorization.Claims) bool {
	if c == nil {
		return false
	}
	for _, r := range c.Namespaces {
		if r >= authorization.RoleReader {
			return true
		}
	}
	return false
}

// filterNamespaces removes from a ListNamespaces answer the namespaces the caller has no
// role on, unless the caller is a system reader: a Comune's TOP sees their Comune only.
func filterNamespaces(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	if err != nil || info.FullMethod != listNamespaces {
		return resp, err
	}
	out, ok := resp.(*workflowservice.ListNamespacesResponse)
	if !ok {
		return resp, nil
	}
	c, _ := ctx.Value(authorization.MappedClaims).(*authorization.Claims)
	if c != nil && c.System >= authorization.RoleReader {
		return out, nil
	}
	kept := out.Namespaces[:0]
	for _, ns := range out.Namespaces {
		if c != nil && c.Namespaces[ns.GetNamespaceInfo().GetName()] >= authorization.RoleReader {
			kept = append(kept, ns)
		}
	}
	out.Namespaces = kept
	return out, nil
}
