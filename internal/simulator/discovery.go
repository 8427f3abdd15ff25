package simulator

import (
	"net/http"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// Discovery is the simulator's GET /.well-known/varco-simulator.json: the values an
// integrator would otherwise read off the PDND catalogue and back office.
type Discovery struct {
	Environment             string             `json:"environment"` // always "TEST"
	TokenEndpoint           string             `json:"tokenEndpoint"`
	ClientAssertionAudience string             `json:"clientAssertionAudience"`
	VoucherIssuer           string             `json:"voucherIssuer"`
	JWKSURL                 string             `json:"jwksUrl"`
	ClientKeysURL           string             `json:"clientKeysUrl"` // PDND's GET /keys/{kid}
	ServiceBaseURL          string             `json:"serviceBaseUrl"`
	AudienceBase            string             `json:"audienceBase"`
	VoucherTTLSeconds       int64              `json:"voucherTtlSeconds"`
	EServices               []DiscoveryService `json:"eservices"`
}

// DiscoveryService is one e-service of the catalogue as the simulator serves it.
type DiscoveryService struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Returns      string `json:"returns"`
	URL          string `json:"url"`       // the e002 operation
	StatusURL    string `json:"statusUrl"` // GET health check
	Audience     string `json:"audience"`  // aud of the voucher and of both Agid JWS
	Verification bool   `json:"verification"`
}

// Discovery describes the simulator's endpoints.
func (s *Simulator) Discovery() Discovery {
	d := Discovery{
		Environment: "TEST", TokenEndpoint: s.TokenURL(), ClientAssertionAudience: s.AssertionAudience(),
		VoucherIssuer: s.VoucherIssuer(), JWKSURL: s.JWKSURL(), ClientKeysURL: s.cfg.PublicURL + "/keys/{kid}",
		ServiceBaseURL: s.ServiceBaseURL(), AudienceBase: s.AudienceBase(),
		VoucherTTLSeconds: int64(s.cfg.VoucherTTL.Seconds()),
	}
	for _, svc := range catalogue.All() {
		base := s.ServiceBaseURL() + "/" + svc.Name + "/v1"
		d.EServices = append(d.EServices, DiscoveryService{
			Code: svc.Code, Name: svc.Name, Returns: svc.Returns, URL: base + "/anpr-service-e002",
			StatusURL: base + "/status", Audience: s.audience(svc), Verification: svc.Verification,
		})
	}
	return d
}

func (s *Simulator) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, "application/json", s.Discovery())
}
