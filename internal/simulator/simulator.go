// Package simulator is a faithful-enough stand-in for PDND's authorization server and for
// ANPR's e002 e-services (docs/anpr.md §3 and docs/simulator.md). It issues vouchers from signed client assertions,
// checks the ModI headers (AUDIT_REST_02, INTEGRITY_REST_02) the way GovWay does, and answers
// every catalogue service from a deterministic synthetic population that includes ANPR's
// collaudo subjects. It is Varco's test environment for integrators and the back end of
// Varco's own tests, so it is plain net/http, allocation-light and safe for concurrent use.
//
// By default it answers as the real gateway does, whose 400s only say "not conform to the
// required interoperability profile". In sandbox mode (Config.Sandbox) it puts the precise
// GovWay reason into the problem's detail: what an integrator would otherwise have to ask
// ANPR support for.
package simulator

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/clock"
)

// Config configures a Simulator. Only PublicURL is required.
type Config struct {
	PublicURL  string        // e.g. "http://127.0.0.1:8089"; every URL/audience derives from it
	Seed       int64         // population is deterministic from the seed
	Population int           // generated people besides the fixed collaudo subjects; default 10000 when 0
	VoucherTTL time.Duration // default 600s
	Now        clock.Clock   // default: the system clock
	Logger     *slog.Logger  // default slog.Default(); never given personal data

	// DailyQuota is the calls per purpose per calendar day (Europe/Rome) before 429
	// LimitExceeded; 0 = unlimited. Overridable per purpose at runtime (quota.go).
	DailyQuota int
	// Faults are injected from the start, by service code or "*" (faults.go); the random
	// draws come from a source seeded with Seed.
	Faults map[string]Faults
	// AdminToken, when set, is the bearer token /admin/* requires; empty leaves it open.
	AdminToken string
	// ReplayIdempotent answers a repeated idOperazioneClient of the same client with the
	// earlier answer (ANPR's old semantics; replay.go).
	ReplayIdempotent bool
	// Sandbox makes the simulator kinder than ANPR, for developing a client: unknown request
	// fields are refused and a malformed request's 999 anomaly says precisely what is wrong.
	// Off, it behaves as the real gateway: unknown fields are ignored and the text is the
	// generic "Operazione non effettuabile" (docs/simulator.md).
	Sandbox bool
	// NumericOperations numbers idOperazioneANPR as the older increasing integers instead of
	// the UUID-like identifiers of recent answers.
	NumericOperations bool
}

// Client is a PDND client registered with the simulator, as created in the PDND back office.
type Client struct {
	ClientID  string            // a UUID
	Kid       string            // id of the uploaded public key
	PublicKey *rsa.PublicKey    // verifies client assertions and the ModI JWS
	Purposes  map[string]string // purposeId -> service code ("C020")
}

// Simulator serves the PDND token endpoint and the ANPR e-services. Create it with New.
type Simulator struct {
	cfg      Config
	base     *url.URL
	key      *rsa.PrivateKey
	kid      string
	pop      *Population
	log      *slog.Logger
	services map[string]catalogue.Service // by path segment (Name)
	mux      *http.ServeMux

	mu       sync.RWMutex
	clients  map[string]*Client // by ClientID
	kids     map[string]*Client // by Kid
	purposes map[string]purpose // by purposeId

	jtis    *jtiCache
	opSeq   atomic.Uint64 // last idOperazioneANPR
	opEpoch uint64        // random high half of the UUID-like idOperazioneANPR

	quotas  *quotas
	faultMu sync.Mutex                 // serialises writers of faults
	faults  atomic.Pointer[faultTable] // nil when no faults: one atomic load per call
	rng     *lockedRand
	replay  *replayCache // nil unless Config.ReplayIdempotent

	received receivedLog // the last calls received (received.go)
}

// purpose is a registered finalità: who owns it and which service it is for.
type purpose struct {
	clientID string
	service  catalogue.Service
}

// Defaults.
const (
	defaultPopulation = 10000
	defaultVoucherTTL = 600 * time.Second
	voucherKeyBits    = 2048
	minClientKeyBits  = 2048
	// firstOperazioneANPR is above 2^31-1 on purpose: the real counter crossed it in 2025 and
	// clients that parse it as int32 broke (docs/anpr.md §2.2).
	firstOperazioneANPR = 3_000_000_000
)

// New builds a simulator: it generates the voucher signing key and the population.
func New(cfg Config) (*Simulator, error) {
	base, err := url.Parse(strings.TrimRight(cfg.PublicURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("simulator: PublicURL %q must be an absolute URL", cfg.PublicURL)
	}
	cfg.PublicURL = base.String()
	if cfg.Population < 0 {
		return nil, fmt.Errorf("simulator: negative Population %d", cfg.Population)
	}
	if cfg.DailyQuota < 0 {
		return nil, fmt.Errorf("simulator: negative DailyQuota %d", cfg.DailyQuota)
	}
	if cfg.Population == 0 {
		cfg.Population = defaultPopulation
	}
	if cfg.VoucherTTL <= 0 {
		cfg.VoucherTTL = defaultVoucherTTL
	}
	if cfg.Now == nil {
		cfg.Now = clock.System
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	key, err := rsa.GenerateKey(rand.Reader, voucherKeyBits)
	if err != nil {
		return nil, fmt.Errorf("simulator: generating voucher key: %w", err)
	}
	pop, err := newPopulation(cfg.Seed, cfg.Population)
	if err != nil {
		return nil, err
	}
	s := &Simulator{
		cfg: cfg, base: base, key: key, kid: keyID(&key.PublicKey), pop: pop,
		log:      cfg.Logger.With("component", "anpr-simulator"),
		services: map[string]catalogue.Service{},
		clients:  map[string]*Client{}, kids: map[string]*Client{}, purposes: map[string]purpose{},
		jtis:   newJTICache(100_000),
		quotas: newQuotas(cfg.DailyQuota),
		rng:    newLockedRand(cfg.Seed),
	}
	if cfg.ReplayIdempotent {
		s.replay = newReplayCache(replayCapacity)
	}
	if err := s.ReplaceFaults(cfg.Faults); err != nil {
		return nil, err
	}
	for _, svc := range catalogue.All() {
		s.services[svc.Name] = svc
	}
	s.opSeq.Store(firstOperazioneANPR)
	// A fresh high half per process: two simulators (or one restarted) never hand out the
	// same idOperazioneANPR, as ANPR never does.
	var epoch [8]byte
	if _, err := rand.Read(epoch[:]); err != nil {
		return nil, fmt.Errorf("simulator: operation ids: %w", err)
	}
	s.opEpoch = binary.BigEndian.Uint64(epoch[:])
	s.routes()
	return s, nil
}

// keyID derives a stable kid from the public key (hex of the SHA-256 of the modulus).
func keyID(pub *rsa.PublicKey) string {
	sum := sha256.Sum256(pub.N.Bytes())
	return hex.EncodeToString(sum[:16])
}

// RegisterClient adds or replaces (same ClientID) a PDND client with its key and purposes.
func (s *Simulator) RegisterClient(c Client) error {
	if err := validateClient(c); err != nil {
		return err
	}
	purposes := make(map[string]purpose, len(c.Purposes))
	for pid, code := range c.Purposes {
		svc, ok := catalogue.Lookup(code)
		if !ok {
			return fmt.Errorf("simulator: purpose %s names unknown service %q", pid, code)
		}
		purposes[pid] = purpose{clientID: c.ClientID, service: svc}
	}
	cp := c
	cp.Purposes = make(map[string]string, len(c.Purposes))
	for k, v := range c.Purposes {
		cp.Purposes[k] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, ok := s.kids[c.Kid]; ok && other.ClientID != c.ClientID {
		return fmt.Errorf("simulator: kid %q already belongs to another client", c.Kid)
	}
	for pid := range purposes {
		if p, ok := s.purposes[pid]; ok && p.clientID != c.ClientID {
			return fmt.Errorf("simulator: purpose %s already belongs to another client", pid)
		}
	}
	s.unregisterLocked(c.ClientID)
	s.clients[c.ClientID], s.kids[c.Kid] = &cp, &cp
	for pid, p := range purposes {
		s.purposes[pid] = p
	}
	return nil
}

func validateClient(c Client) error {
	if _, err := uuid.Parse(c.ClientID); err != nil {
		return fmt.Errorf("simulator: ClientID must be a UUID: %w", err)
	}
	if c.Kid == "" {
		return errors.New("simulator: empty Kid")
	}
	if c.PublicKey == nil || c.PublicKey.N == nil || c.PublicKey.N.BitLen() < minClientKeyBits {
		return fmt.Errorf("simulator: client key must be RSA ≥ %d bits", minClientKeyBits)
	}
	return nil
}

// unregisterLocked drops a client and its purposes; s.mu must be held.
func (s *Simulator) unregisterLocked(clientID string) {
	old, ok := s.clients[clientID]
	if !ok {
		return
	}
	delete(s.kids, old.Kid)
	delete(s.clients, clientID)
	for pid := range old.Purposes {
		delete(s.purposes, pid)
	}
}

func (s *Simulator) clientByKid(kid string) (*Client, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.kids[kid]
	return c, ok
}

func (s *Simulator) purpose(id string) (purpose, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.purposes[id]
	return p, ok
}

// Handler serves every simulator endpoint.
func (s *Simulator) Handler() http.Handler { return s.mux }

// TokenURL is the PDND token endpoint.
func (s *Simulator) TokenURL() string { return EndpointsOf(s.cfg.PublicURL).TokenURL }

// AssertionAudience is the aud a client assertion must carry.
func (s *Simulator) AssertionAudience() string { return EndpointsOf(s.cfg.PublicURL).AssertionAudience }

// VoucherIssuer is the iss of vouchers, the host of PublicURL (as "uat.interop.pagopa.it").
func (s *Simulator) VoucherIssuer() string { return s.base.Host }

// ServiceBaseURL is the base of the e-service URLs (with "-PDND", as clients call them).
func (s *Simulator) ServiceBaseURL() string { return EndpointsOf(s.cfg.PublicURL).ServiceBaseURL }

// AudienceBase is the base of the ModI audiences (without "-PDND", docs/anpr.md §3.5).
func (s *Simulator) AudienceBase() string { return EndpointsOf(s.cfg.PublicURL).AudienceBase }

// Endpoints are the URLs and audiences a client of a simulator at some public URL uses.
type Endpoints = catalogue.Endpoints

// EndpointsOf derives a simulator's endpoints from its public URL, without building one.
func EndpointsOf(publicURL string) Endpoints { return catalogue.EndpointsAt(publicURL) }

// JWKSURL is where the voucher verification key is published.
func (s *Simulator) JWKSURL() string { return s.cfg.PublicURL + "/.well-known/jwks.json" }

// Population returns the simulated registry.
func (s *Simulator) Population() *Population { return s.pop }

// audience is the ModI audience of svc.
func (s *Simulator) audience(svc catalogue.Service) string {
	return s.AudienceBase() + "/" + svc.Name + "/v1"
}

func (s *Simulator) now() time.Time { return s.cfg.Now() }

// routes wires the endpoints (Go 1.22 patterns).
func (s *Simulator) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /token.oauth2", s.handleToken)
	m.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
	m.HandleFunc("GET /.well-known/varco-simulator.json", s.handleDiscovery)
	m.HandleFunc("GET /keys/{kid}", s.handleClientKey)
	svc := "/govway/rest/in/MinInternoPortaANPR-PDND/{name}/v1/"
	m.HandleFunc("POST "+svc+"anpr-service-e002", s.handleE002)
	m.HandleFunc("GET "+svc+"status", s.handleStatus)
	s.adminRoutes(m)
	m.HandleFunc("/", s.handleUnknown)
	s.mux = m
}
