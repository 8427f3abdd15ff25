package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/temporalauth"
)

// maxOperatorTokenTTL bounds an operator token: it cannot be revoked, only outlived.
const maxOperatorTokenTTL = 24 * time.Hour

// temporalTokenFlags is `varco temporal token`: it prints a token for Temporal's frontend,
// signed with temporal-jwt-key, for the installation operator's temporal CLI. There is no
// default credential: whoever holds the key (or runs this on the host of `varco dev`) mints
// one, for as long as they ask, up to a day.
func temporalTokenFlags(fs *flag.FlagSet) commandFunc {
	perms := fs.String("permissions", temporalauth.SystemAdmin, `comma-separated permissions, "<namespace>:<read|write|worker|admin>" or "temporal-system:admin" (cluster admin)`)
	ttl := fs.Duration("ttl", time.Hour, "lifetime of the token (at most 24h)")
	subject := fs.String("subject", "operator", "who the token names (the principal in Temporal's logs)")
	return func(_ context.Context, cfg config.Config, log *slog.Logger) error {
		if *ttl <= 0 || *ttl > maxOperatorTokenTTL {
			return errors.New("-ttl: between 1s and 24h")
		}
		list, err := parsePermissions(*perms)
		if err != nil {
			return err
		}
		if cfg.TemporalJWTKey == "" && cfg.DatabaseURL == "" {
			if err := fillDevSecrets(&cfg); err != nil {
				return err
			}
		}
		_, m, err := loadTemporalKey(cfg)
		if err != nil {
			return err
		}
		tok, exp, err := m.Mint(*subject, list, *ttl)
		if err != nil {
			return err
		}
		// Which permissions, for how long: never the token itself.
		log.Info("temporal token issued", "subject", *subject, "permissions", strings.Join(list, ","), "expires", exp.Format(time.RFC3339))
		_, err = fmt.Fprintln(stdout, tok)
		return err
	}
}

// parsePermissions checks each entry's form: a typo would only show as PermissionDenied.
func parsePermissions(s string) ([]string, error) {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		ns, role, ok := strings.Cut(p, ":")
		if !ok || ns == "" {
			return nil, fmt.Errorf("-permissions: %q is not <namespace>:<role>", p)
		}
		switch role {
		case temporalauth.RoleRead, temporalauth.RoleWrite, temporalauth.RoleWorker, temporalauth.RoleAdmin:
		default:
			return nil, fmt.Errorf("-permissions: %q: role must be read, write, worker or admin", p)
		}
		out = append(out, p)
	}
	return out, nil
}
