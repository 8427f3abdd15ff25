// Package seed creates the demo tenant that `varco dev` starts with: one Comune (H501, Roma)
// on the simulator, one Ente with a convenzione, and one user per role.
package seed

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// Names of what Demo creates.
const (
	DemoComune      = "H501"
	DemoEnteName    = "Polizia Locale Demo"
	DemoTop         = "demo-top"
	DemoAdmin       = "demo-admin"
	DemoOperatore   = "demo-operatore"
	DemoDailyQuota  = 1000
	demoKeyBits     = 2048
	demoIstatCode   = "058091"
	demoComuneTitle = "Roma"
)

// DemoServices are the e-services of the demo convenzione.
// C007 (verifica dell'esistenza in vita) is there so that an integrator can try a
// verification service in TEST without widening the convenzione first.
var DemoServices = []string{"C007", "C015", "C016", "C017", "C018", "C019", "C020", "C021", "C030"}

// DemoOptions configures Demo.
type DemoOptions struct {
	// Password of the three demo users (required).
	Password string
	// Endpoints of the ANPR side (the simulator's, in dev); stored as given, may be empty.
	TokenURL, AssertionAudience, ServiceBaseURL, AudienceBase string
	// Now is the clock (the system clock when nil); the convenzione starts on its Europe/Rome day.
	Now clock.Clock
	// SealKey, when set, seals the generated PDND private key before it is stored (the
	// wiring seals it with the installation's secrets key; tests may leave it nil).
	SealKey func(comune string, pemText []byte) (string, error)
}

// Demo creates the demo data when no Comune exists yet, and nothing otherwise: created reports
// which. Everything is written in one transaction, so a failure leaves no partial tenant; then
// az is reloaded to see the new grants.
func Demo(ctx context.Context, db *store.DB, az *rbac.Authorizer, opts DemoOptions) (created bool, err error) {
	if opts.Password == "" {
		return false, errors.New("seed: demo: empty password")
	}
	if opts.Now == nil {
		opts.Now = clock.System
	}
	// Slow parts (key generation, password hashing) happen before the write transaction, which
	// on SQLite holds the only connection.
	d, err := newDemoData(opts)
	if err != nil {
		return false, err
	}
	err = store.Tx(ctx, db.DB, func(tx bun.Tx) error {
		n, err := store.CountComuni(ctx, tx)
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		created = true
		return d.write(ctx, tx, az)
	})
	if errors.Is(err, store.ErrConflict) {
		return false, nil // another process seeded at the same moment
	}
	if err != nil {
		return false, fmt.Errorf("seed: demo: %w", err)
	}
	if created {
		if err := az.Reload(ctx); err != nil {
			return true, fmt.Errorf("seed: demo: %w", err)
		}
	}
	return created, nil
}

// demoData is everything Demo writes, prepared outside the transaction.
type demoData struct {
	comune store.Comune
	today  time.Time
	hash   string
}

func newDemoData(opts DemoOptions) (*demoData, error) {
	keyPEM, err := newKeyPEM()
	if err != nil {
		return nil, err
	}
	if opts.SealKey != nil {
		if keyPEM, err = opts.SealKey(DemoComune, []byte(keyPEM)); err != nil {
			return nil, fmt.Errorf("seed: demo: seal key: %w", err)
		}
	}
	kid, err := randomID()
	if err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(opts.Password)
	if err != nil {
		return nil, fmt.Errorf("seed: demo: %w", err)
	}
	// A PDND purpose for every e-service Varco knows, so that an integrator can try each one
	// in the TEST environment by widening the demo convenzione.
	purposes := make(map[string]string, len(catalogue.All()))
	for _, s := range catalogue.All() {
		purposes[s.Code] = uuid.NewString()
	}
	return &demoData{
		comune: store.Comune{
			Code: DemoComune, IstatCode: demoIstatCode, Name: demoComuneTitle,
			Environment: store.EnvSimulator, OperatorMode: store.OperatorEndUser,
			PDNDClientID: uuid.NewString(), PDNDKid: kid, PrivateKeyPEM: keyPEM, PurposeIDs: purposes,
			TokenURL: opts.TokenURL, AssertionAudience: opts.AssertionAudience,
			ServiceBaseURL: opts.ServiceBaseURL, AudienceBase: opts.AudienceBase,
		},
		today: store.Day(opts.Now()),
		hash:  hash,
	}, nil
}

func (d *demoData) write(ctx context.Context, tx bun.Tx, az *rbac.Authorizer) error {
	if err := store.CreateComune(ctx, tx, &d.comune); err != nil {
		return err
	}
	ente := &store.Ente{Name: DemoEnteName}
	if err := store.CreateEnte(ctx, tx, ente); err != nil {
		return err
	}
	conv := &store.Convenzione{ComuneCode: DemoComune, EnteID: ente.ID, Services: DemoServices,
		ValidFrom: d.today, DailyQuota: DemoDailyQuota}
	if err := store.CreateConvenzione(ctx, tx, conv); err != nil {
		return err
	}
	users := []struct {
		name, display, role string
		ente                int64
	}{
		{DemoTop, "Demo TOP (Anagrafe di Roma)", store.RoleTop, 0},
		{DemoAdmin, "Demo ADMIN (Polizia Locale)", store.RoleAdmin, ente.ID},
		{DemoOperatore, "Demo operatore (Polizia Locale)", store.RoleAutorizzato, ente.ID},
	}
	for _, u := range users {
		user := &store.User{Username: u.name, DisplayName: u.display, PasswordHash: d.hash, Active: true}
		if err := store.CreateUser(ctx, tx, user); err != nil {
			return err
		}
		g := &store.Grant{UserID: user.ID, ComuneCode: DemoComune, EnteID: u.ente, Role: u.role,
			Services: DemoServices}
		if err := az.AddGrantInTx(ctx, tx, g); err != nil {
			return err
		}
	}
	return nil
}

// newKeyPEM returns a fresh RSA key as PKCS#8 PEM ("PRIVATE KEY").
func newKeyPEM() (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, demoKeyBits)
	if err != nil {
		return "", fmt.Errorf("seed: demo: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("seed: demo: encode key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// randomID returns 16 random bytes in hex, used as the PDND key id.
func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("seed: demo: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}
