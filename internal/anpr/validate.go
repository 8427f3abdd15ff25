package anpr

import (
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// maxLoALen: GovWay rejects longer LoA values (a full URL is refused, ANPR.md §3.1).
const maxLoALen = 20

// validate rejects, before any network traffic, what ANPR or PDND would refuse anyway with an
// opaque 400 — and what would make the audit trail incomplete. It returns the service and the
// purposeId the request will use.
func validate(p Profile, op Operator, req Request, trace Trace) (catalogue.Service, string, *Error) {
	svc, ok := catalogue.Lookup(req.Service)
	if !ok {
		return svc, "", invalid(trace, "unknown service %q", req.Service)
	}
	if svc.Verification {
		// C003–C014 need a "verifica" block of declared data that Request cannot carry.
		return svc, "", invalid(trace, "verification service %s is not supported by this client", svc.Code)
	}
	purposeID := p.PurposeIDs[svc.Code]
	if purposeID == "" {
		return svc, "", invalid(trace, "profile has no purposeId for %s", svc.Code)
	}
	if e := validateProfile(p, trace); e != nil {
		return svc, "", e
	}
	if e := validateOperator(op, trace); e != nil {
		return svc, "", e
	}
	return svc, purposeID, validateRequest(req, trace)
}

func validateProfile(p Profile, trace Trace) *Error {
	switch {
	case p.ClientID == "" || p.Kid == "" || p.PrivateKey == nil:
		return invalid(trace, "profile lacks client id, kid or private key")
	case p.TokenURL == "" || p.AssertionAudience == "" || p.ServiceBaseURL == "" || p.AudienceBase == "":
		return invalid(trace, "profile lacks token URL, assertion audience, service base URL or audience base")
	}
	return nil
}

func validateOperator(op Operator, trace Trace) *Error {
	switch {
	case op.UserID == "" || op.UserLocation == "" || op.LoA == "":
		return invalid(trace, "operator userID, userLocation and LoA are all required")
	case len(op.LoA) > maxLoALen:
		return invalid(trace, "operator LoA longer than %d chars", maxLoALen)
	}
	return nil
}

func validateRequest(req Request, trace Trace) *Error {
	hasID, hasCF := req.Criteria.IDANPR != "", req.Criteria.CodiceFiscale != ""
	switch {
	case hasID == hasCF:
		return invalid(trace, "exactly one of idANPR and codiceFiscale must be set")
	case req.Motivo == "":
		return invalid(trace, "motivoRichiesta is required")
	case len(req.IDOperazioneClient) > maxOpIDLen:
		return invalid(trace, "idOperazioneClient longer than %d chars", maxOpIDLen)
	}
	if _, err := time.Parse(time.DateOnly, req.DataRiferimento); err != nil {
		return invalid(trace, "dataRiferimentoRichiesta must be YYYY-MM-DD")
	}
	return nil
}
