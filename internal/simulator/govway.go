package simulator

import (
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
)

// GovWay gateway answers (docs/anpr.md §2.3): application/problem+json with a govway_id that is
// also sent as the GovWay-Transaction-ID header.

const (
	headerTransactionID = "GovWay-Transaction-ID"
	invalidRequestType  = "https://govway.org/handling-errors/400/InteroperabilityInvalidRequest.html"
	notFoundType        = "https://govway.org/handling-errors/404/NotFound.html"
)

type govwayProblem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	GovwayID string `json:"govway_id"`
}

// transactionID assigns the GovWay transaction id of this exchange and returns it.
func transactionID(w http.ResponseWriter) string {
	id := uuid.NewString()
	w.Header().Set(headerTransactionID, id)
	return id
}

func writeProblem(w http.ResponseWriter, p govwayProblem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// invalidRequest answers a failed interoperability check. detail is the precise GovWay
// reason; it never contains personal data (only header and claim names).
// notConformDetail is the real gateway's only text for a refused request (italia/anpr#5066).
const notConformDetail = "Received request is not conform to the required interoperability profile"

func (s *Simulator) invalidRequest(w http.ResponseWriter, govwayID, service, detail string) {
	s.log.Info("e002 refused by gateway", "govway_id", govwayID, "service", service, "reason", detail)
	if !s.cfg.Sandbox {
		// The real gateway keeps the reason to itself on purpose (italia/anpr#5289): only
		// ANPR's support, given the govway_id, can read it. The log above is ours.
		detail = notConformDetail
	}
	writeProblem(w, govwayProblem{
		Type: invalidRequestType, Title: "InteroperabilityInvalidRequest",
		Status: http.StatusBadRequest, Detail: detail, GovwayID: govwayID,
	})
}

// handleUnknown answers any path that is not an e-service of the catalogue.
func (s *Simulator) handleUnknown(w http.ResponseWriter, _ *http.Request) {
	s.unknownAPI(w, transactionID(w))
}

func (s *Simulator) unknownAPI(w http.ResponseWriter, govwayID string) {
	writeProblem(w, govwayProblem{
		Type: notFoundType, Title: "NotFound", Status: http.StatusNotFound,
		Detail: "Unknown API Request", GovwayID: govwayID,
	})
}
