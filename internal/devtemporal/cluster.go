package devtemporal

import (
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/temporal"
)

// ClusterAuthOptions are the server options with which a stand-alone Temporal server
// (cmd/varco-temporal, the production shape) applies Varco's authorization, the same as the
// embedded server's: Temporal's default JWT claim mapper over the JWKS named in the server's
// YAML (global.authorization.jwtKeyProvider: Varco's <oidc-issuer>/keys), the default
// authorizer plus the namespace readers' ListNamespaces/GetClusterInfo (readerAuthorizer),
// and ListNamespaces answered with the caller's namespaces only (filterNamespaces). The stock
// temporal-server binary can load neither of the last two from its YAML.
func ClusterAuthOptions(logger log.Logger) []temporal.ServerOption {
	return []temporal.ServerOption{
		temporal.WithAuthorizer(readerAuthorizer{next: authorization.NewDefaultAuthorizer()}),
		temporal.WithClaimMapper(func(c *config.Config) authorization.ClaimMapper {
			provider := authorization.NewDefaultTokenKeyProvider(&c.Global.Authorization, logger)
			return authorization.NewDefaultJWTClaimMapper(provider, &c.Global.Authorization, logger)
		}),
		temporal.WithChainedFrontendGrpcInterceptors(filterNamespaces),
	}
}
