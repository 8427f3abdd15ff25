package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/varco-anpr/varco/activities"
	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

// The installation operator's commands: they act on the database directly, as the person
// who installed Varco, and are the only way to create a Comune or its first TOP.

var (
	reIstat = regexp.MustCompile(`^[0-9]{6}$`)
)

// comuneFlags are the flags of `varco comune add` and `varco comune set-anpr`.
type comuneFlags struct {
	code, istat, name, env, mode, operatorID string
	clientID, kid, keyFile                   string
	purposes                                 purposeFlag
}

// purposeFlag collects repeatable --purpose C020=<purposeId>.
type purposeFlag map[string]string

func (p purposeFlag) String() string { return fmt.Sprint(map[string]string(p)) }
func (p purposeFlag) Set(v string) error {
	code, id, ok := strings.Cut(v, "=")
	if _, known := catalogue.Lookup(code); !ok || !known || id == "" {
		return fmt.Errorf("want SERVICE=PURPOSE_ID with a known service, got %q", v)
	}
	p[code] = id
	return nil
}

func (f *comuneFlags) register(fs *flag.FlagSet, add bool) {
	fs.StringVar(&f.code, "code", "", "codice catastale (Belfiore), e.g. H501")
	if add {
		fs.StringVar(&f.istat, "istat", "", "ISTAT code, 6 digits, e.g. 058091")
		fs.StringVar(&f.name, "name", "", "name of the Comune")
	}
	fs.StringVar(&f.env, "environment", "", "simulator, collaudo or esercizio")
	fs.StringVar(&f.mode, "operator-mode", "", "end-user (the AUTORIZZATO) or comune-operator")
	fs.StringVar(&f.operatorID, "operator-id", "", "ANPR operator identifier (comune-operator mode)")
	fs.StringVar(&f.clientID, "client-id", "", "PDND client id (UUID)")
	fs.StringVar(&f.kid, "kid", "", "PDND key id")
	fs.StringVar(&f.keyFile, "private-key", "", "file with the PDND private key (PEM, RSA)")
	f.purposes = purposeFlag{}
	fs.Var(f.purposes, "purpose", "SERVICE=PURPOSE_ID, repeatable (e.g. C020=6f1c…)")
}

// userFlags are the flags of `varco user add`.
type userFlags struct {
	username, display, role, comune, services string
	ente                                      int64
}

func (f *userFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.username, "username", "", "login name")
	fs.StringVar(&f.display, "display-name", "", "full name, for people")
	fs.StringVar(&f.role, "role", "", "TOP, ADMIN or AUTORIZZATO")
	fs.StringVar(&f.comune, "comune", "", "codice catastale of the Comune of the grant")
	fs.Int64Var(&f.ente, "ente", 0, "Ente id (ADMIN and AUTORIZZATO)")
	fs.StringVar(&f.services, "services", "", "AUTORIZZATO profile, e.g. C020,C030 (default: the convenzione's)")
}

func runComuneAdd(f *comuneFlags) commandFunc {
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		if !workflows.IsComuneCode(f.code) || !reIstat.MatchString(f.istat) || f.name == "" {
			return errors.New("--code (e.g. H501), --istat (6 digits) and --name are required")
		}
		box, db, err := adminBackends(ctx, cfg, true)
		if err != nil {
			return err
		}
		defer db.Close()
		c := &store.Comune{Code: f.code, IstatCode: f.istat, Name: f.name,
			Environment: orDefault(f.env, store.EnvSimulator), OperatorMode: orDefault(f.mode, store.OperatorEndUser)}
		if err := applyANPR(c, f, box, true); err != nil {
			return err
		}
		// The namespace first: a failure leaves no Comune without one, and a rerun is harmless.
		registered, err := registerComuneNamespace(ctx, cfg, c.Code, log)
		if err != nil {
			return fmt.Errorf("add comune %s: %w", f.code, err)
		}
		if err := store.CreateComune(ctx, db, c); err != nil {
			return fmt.Errorf("add comune %s: %w", f.code, err)
		}
		if registered {
			fmt.Fprintf(os.Stdout, "Namespace %s registered on %s with its search attributes.\n", workflows.Namespace(c.Code), cfg.TemporalAddr)
		}
		fmt.Fprintf(os.Stdout, "Comune %s (%s) added, environment %s, PDND client %s.\n", c.Code, c.Name, c.Environment, c.PDNDClientID)
		if c.Environment != store.EnvSimulator && len(c.PurposeIDs) == 0 {
			fmt.Fprintln(os.Stdout, "Set its PDND credentials with `varco comune set-anpr` before the first query.")
		}
		return nil
	}
}

func runComuneSetANPR(f *comuneFlags) commandFunc {
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		box, db, err := adminBackends(ctx, cfg, true)
		if err != nil {
			return err
		}
		defer db.Close()
		c, err := store.GetComune(ctx, db, f.code)
		if err != nil {
			return fmt.Errorf("comune %q: %w", f.code, err)
		}
		if f.env != "" {
			c.Environment = f.env
		}
		if f.mode != "" {
			c.OperatorMode = f.mode
		}
		if err := applyANPR(c, f, box, false); err != nil {
			return err
		}
		if err := store.UpdateComuneANPR(ctx, db, c); err != nil {
			return fmt.Errorf("update comune %s: %w", c.Code, err)
		}
		fmt.Fprintf(os.Stdout, "ANPR access of %s updated (environment %s, operator %s, %d purposes). The private key is stored sealed.\n",
			c.Code, c.Environment, c.OperatorMode, len(c.PurposeIDs))
		return nil
	}
}

// applyANPR sets the PDND client, the sealed key and the purposes. In the simulator
// environment whatever is missing is generated, so a new Comune can query at once.
func applyANPR(c *store.Comune, f *comuneFlags, box *secretbox.Box, creating bool) error {
	if f.operatorID != "" {
		c.OperatorID = f.operatorID
	}
	if c.OperatorMode == store.OperatorComuneOperator && c.OperatorID == "" {
		return errors.New("comune-operator mode needs --operator-id")
	}
	if f.clientID != "" {
		if _, err := uuid.Parse(f.clientID); err != nil {
			return errors.New("--client-id must be a UUID (the PDND client id)")
		}
		c.PDNDClientID = f.clientID
	}
	setIfEmpty(&c.PDNDKid, f.kid)
	if f.kid != "" {
		c.PDNDKid = f.kid
	}
	if c.PurposeIDs == nil {
		c.PurposeIDs = map[string]string{}
	}
	for code, id := range f.purposes {
		c.PurposeIDs[code] = id
	}
	pemText, err := privateKey(f.keyFile, c.Environment == store.EnvSimulator && (creating || c.PrivateKeyPEM == ""))
	if err != nil {
		return err
	}
	if pemText != nil {
		if c.PrivateKeyPEM, err = box.Seal(activities.KeyPurpose(c.Code), pemText); err != nil {
			return err
		}
	}
	if c.Environment == store.EnvSimulator {
		simulatorDefaults(c)
	}
	return nil
}

// privateKey reads and checks the key file, or generates one when allowed.
func privateKey(file string, generate bool) ([]byte, error) {
	if file == "" {
		if !generate {
			return nil, nil
		}
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		der, _ := x509.MarshalPKCS8PrivateKey(key)
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--private-key: %w", err)
	}
	key, err := activities.ParsePrivateKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("--private-key: %w", err)
	}
	if key.N.BitLen() < 2048 {
		return nil, errors.New("--private-key: PDND requires RSA keys of at least 2048 bits")
	}
	return b, nil
}

// simulatorDefaults gives a simulator Comune a client, a kid and a purpose per service.
func simulatorDefaults(c *store.Comune) {
	setIfEmpty(&c.PDNDClientID, uuid.NewString())
	setIfEmpty(&c.PDNDKid, strings.ReplaceAll(uuid.NewString(), "-", ""))
	for _, s := range catalogue.All() {
		if c.PurposeIDs[s.Code] == "" {
			c.PurposeIDs[s.Code] = uuid.NewString()
		}
	}
}

func runUserAdd(f *userFlags) commandFunc {
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		if f.username == "" || f.comune == "" || (f.role != store.RoleTop && f.role != store.RoleAdmin && f.role != store.RoleAutorizzato) {
			return errors.New("--username, --comune and --role (TOP, ADMIN or AUTORIZZATO) are required")
		}
		if f.role != store.RoleTop && f.ente == 0 {
			return errors.New("--ente is required for ADMIN and AUTORIZZATO")
		}
		_, db, err := adminBackends(ctx, cfg, false)
		if err != nil {
			return err
		}
		defer db.Close()
		az, err := rbac.New(ctx, db)
		if err != nil {
			return err
		}
		password := randomPassword()
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		u := &store.User{Username: f.username, DisplayName: orDefault(f.display, f.username), PasswordHash: hash, Active: true}
		if err := store.CreateUser(ctx, db, u); err != nil {
			return fmt.Errorf("add user %s: %w", f.username, err)
		}
		g := &store.Grant{UserID: u.ID, ComuneCode: f.comune, EnteID: f.ente, Role: f.role, Services: splitServices(f.services)}
		if err := az.AddGrant(ctx, g); err != nil {
			return fmt.Errorf("grant %s in %s: %w (the user %s was created without a grant)", f.role, f.comune, err, f.username)
		}
		fmt.Fprintf(os.Stdout, "User %s (id %d) is %s of %s", u.Username, u.ID, g.Role, g.ComuneCode)
		if g.EnteID != 0 {
			fmt.Fprintf(os.Stdout, " for Ente %d", g.EnteID)
		}
		if len(g.Services) > 0 {
			fmt.Fprintf(os.Stdout, ", services %s", strings.Join(g.Services, ","))
		}
		fmt.Fprintf(os.Stdout, ".\nInitial password (shown once, hand it over privately): %s\n", password)
		return nil
	}
}

func runComuneList(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	comuni, err := store.ListComuni(ctx, db)
	if err != nil {
		return err
	}
	for _, c := range comuni {
		services := make([]string, 0, len(c.PurposeIDs))
		for s := range c.PurposeIDs {
			services = append(services, s)
		}
		sort.Strings(services)
		fmt.Fprintf(os.Stdout, "%s  %-6s  %-24s  %-10s  %-16s  %s\n", c.Code, c.IstatCode, c.Name, c.Environment, c.OperatorMode, strings.Join(services, ","))
	}
	return nil
}

// adminBackends opens the database (migrated) and, for the commands that seal PDND keys, the
// secrets key. Without a database URL it works on the local installation of varco dev, with
// the secrets it generated (or generates) in the data directory.
func adminBackends(ctx context.Context, cfg config.Config, needBox bool) (*secretbox.Box, *store.DB, error) {
	if cfg.DatabaseURL == "" {
		if err := fillDevSecrets(&cfg); err != nil {
			return nil, nil, err
		}
	}
	var box *secretbox.Box
	if needBox {
		var err error
		if box, err = requireBox(cfg); err != nil {
			return nil, nil, err
		}
	}
	db, err := openStore(ctx, cfg, true)
	return box, db, err
}

func splitServices(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.ReplaceAll(s, " ", ""), ",")
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func randomPassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
