package api

import (
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// AnprSetupView is a Comune's ANPR set-up as its TOP may read it: where Varco calls and as
// whom, never the private key (only its key id).
type AnprSetupView struct {
	Comune       string            `json:"comune"`
	Name         string            `json:"name"`
	Environment  string            `json:"environment"`
	ClientID     string            `json:"pdndClientId"`
	KeyID        string            `json:"pdndKid"`
	KeyPresent   bool              `json:"keyPresent"`
	Purposes     map[string]string `json:"purposeIds"`
	Services     []string          `json:"services"`
	TokenURL     string            `json:"tokenUrl"`
	ServiceURL   string            `json:"serviceBaseUrl"`
	OperatorMode string            `json:"operatorMode"`
	OperatorID   string            `json:"operatorId,omitempty"`
}

// anprSetup answers GET /api/v1/admin/comuni/{comune}/anpr for whoever reads the whole
// Comune's audit, i.e. its TOP (the rule of the audit's verification: 403 for an ADMIN or
// AUTORIZZATO there, 404 for anyone else). It is read-only: `varco comune set-anpr` changes it.
func (s *Server) anprSetup(c *fiber.Ctx) error {
	comune := c.Params("comune")
	if !workflows.IsComuneCode(comune) {
		return fail(errcode.InvalidRequest, "comune must be a codice catastale such as H501")
	}
	scopes, err := s.Authz.AuditScopes(c.UserContext(), callerOf(c).UserID)
	if err != nil {
		return err
	}
	if err := mayVerify(scopes, comune); err != nil {
		return err
	}
	cm, err := store.GetComune(c.UserContext(), s.DB, comune)
	if err != nil {
		return err
	}
	v := AnprSetupView{Comune: cm.Code, Name: cm.Name, Environment: cm.Environment, ClientID: cm.PDNDClientID,
		KeyID: cm.PDNDKid, KeyPresent: cm.PrivateKeyPEM != "", Purposes: cm.PurposeIDs, Services: []string{},
		TokenURL: cm.TokenURL, ServiceURL: cm.ServiceBaseURL, OperatorMode: cm.OperatorMode, OperatorID: cm.OperatorID}
	for svc := range cm.PurposeIDs {
		v.Services = append(v.Services, svc)
	}
	sort.Strings(v.Services)
	return c.JSON(v)
}
