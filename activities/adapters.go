package activities

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/anpr"
	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/clock"
	"github.com/varco-anpr/varco/internal/secretbox"
	"github.com/varco-anpr/varco/internal/store"
)

// StoreDirectory reads users and Enti with bun.
type StoreDirectory struct{ DB bun.IDB }

// Username implements Directory.
func (s StoreDirectory) Username(ctx context.Context, userID int64) (string, error) {
	u, err := store.GetUser(ctx, s.DB, userID)
	if err != nil {
		return "", err
	}
	return u.Username, nil
}

// DefaultWorkstation implements Directory.
func (s StoreDirectory) DefaultWorkstation(ctx context.Context, enteID int64) (string, error) {
	e, err := store.GetEnte(ctx, s.DB, enteID)
	if err != nil {
		return "", err
	}
	return e.DefaultWorkstation, nil
}

// Endpoints are where a Comune's PDND and ANPR calls go (catalogue.Endpoints).
type Endpoints = catalogue.Endpoints

// StoreProfiles reads Comuni's ANPR profiles from the database. Comuni in the "simulator"
// environment use the simulator's endpoints, wherever it listens today. Parsed profiles are
// cached briefly: parsing an RSA key on every call would cost more than the call.
type StoreProfiles struct {
	DB        bun.IDB
	Simulator Endpoints
	Keys      *secretbox.Box // opens the sealed private keys
	// HTTPClient carries the TLS trust for ANPR's collaudo and esercizio (system roots plus
	// the configured CA bundle); nil uses the ANPR client's default.
	HTTPClient *http.Client
	TTL        time.Duration
	Now        clock.Clock // nil: the system clock

	mu    sync.Mutex
	cache map[string]cachedProfile
}

type cachedProfile struct {
	p       Profile
	expires time.Time
}

// Profile implements Profiles.
func (s *StoreProfiles) Profile(ctx context.Context, code string) (Profile, error) {
	now := s.Now.Now()
	s.mu.Lock()
	if c, ok := s.cache[code]; ok && now.Before(c.expires) {
		s.mu.Unlock()
		return c.p, nil
	}
	s.mu.Unlock()
	c, err := store.GetComune(ctx, s.DB, code)
	if err != nil {
		return Profile{}, err
	}
	p, err := s.build(c)
	if err != nil {
		return Profile{}, err
	}
	ttl := s.TTL
	if ttl == 0 {
		ttl = time.Minute
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]cachedProfile{}
	}
	s.cache[code] = cachedProfile{p: p, expires: now.Add(ttl)}
	s.mu.Unlock()
	return p, nil
}

func (s *StoreProfiles) build(c *store.Comune) (Profile, error) {
	key, err := ComuneKey(s.Keys, c)
	if err != nil {
		return Profile{}, err
	}
	ep, err := s.endpoints(c)
	if err != nil {
		return Profile{}, err
	}
	var hc *http.Client
	if c.Environment != store.EnvSimulator {
		hc = s.HTTPClient
	}
	return Profile{
		ANPR: anpr.Profile{
			ClientID: c.PDNDClientID, Kid: c.PDNDKid, PrivateKey: key, PurposeIDs: c.PurposeIDs,
			TokenURL: ep.TokenURL, AssertionAudience: ep.AssertionAudience,
			ServiceBaseURL: ep.ServiceBaseURL, AudienceBase: ep.AudienceBase, HTTPClient: hc,
		},
		OperatorMode: c.OperatorMode,
		OperatorID:   c.OperatorID,
	}, nil
}

// endpoints are the simulator's for a simulator Comune; otherwise the Comune's own when set,
// else ANPR's published ones for its environment (collaudo, esercizio).
func (s *StoreProfiles) endpoints(c *store.Comune) (Endpoints, error) {
	if c.Environment == store.EnvSimulator {
		return s.Simulator, nil
	}
	own := Endpoints{TokenURL: c.TokenURL, AssertionAudience: c.AssertionAudience, ServiceBaseURL: c.ServiceBaseURL, AudienceBase: c.AudienceBase}
	if own.TokenURL != "" && own.ServiceBaseURL != "" {
		return own, nil
	}
	e, err := anpr.Environment(c.Environment)
	if err != nil {
		return Endpoints{}, fmt.Errorf("comune %s: %w", c.Code, err)
	}
	return e, nil
}

// KeyPurpose binds a sealed private key to its Comune.
func KeyPurpose(comune string) string { return "pdnd-private-key:" + comune }

// ComuneKey opens and parses a Comune's sealed PDND private key.
func ComuneKey(box *secretbox.Box, c *store.Comune) (*rsa.PrivateKey, error) {
	if box == nil {
		return nil, errors.New("no secrets key configured to open private keys")
	}
	pemText, err := box.Open(KeyPurpose(c.Code), c.PrivateKeyPEM)
	if errors.Is(err, secretbox.ErrNotSealed) {
		return nil, fmt.Errorf("comune %s: private key stored in clear: set it again with `varco comune set-anpr`", c.Code)
	}
	if err != nil {
		return nil, fmt.Errorf("comune %s: %w", c.Code, err)
	}
	key, err := ParsePrivateKey(string(pemText))
	if err != nil {
		return nil, fmt.Errorf("comune %s: %w", c.Code, err)
	}
	return key, nil
}

// ParsePrivateKey reads an RSA private key in PKCS#1 or PKCS#8 PEM.
func ParsePrivateKey(pemText string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("private key: no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("private key: not RSA")
	}
	return rk, nil
}
