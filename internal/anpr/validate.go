package anpr

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// maxLoALen: GovWay rejects longer LoA values (a full URL is refused, docs/anpr.md §3.1).
const maxLoALen = 20

// validate rejects, before any network traffic, what ANPR or PDND would refuse anyway with an
// opaque 400 — and what would make the audit trail incomplete. It returns the service and the
// purposeId the request will use.
func validate(p Profile, op Operator, req Request, trace Trace) (catalogue.Service, string, *Error) {
	svc, ok := catalogue.Lookup(req.Service)
	if !ok {
		return svc, "", invalid(trace, "unknown service %q", req.Service)
	}
	if e := validateVerifica(svc, req.Verifica, trace); e != nil {
		return svc, "", e
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
	case p.HTTPClient != nil && p.HTTPClient.Timeout <= 0:
		// Every call needs a deadline even when the caller's context has none.
		return invalid(trace, "profile HTTP client has no timeout")
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
	c := req.Criteria
	set := 0
	for _, ok := range []bool{c.IDANPR != "", c.CodiceFiscale != "", c.Generalita != nil} {
		if ok {
			set++
		}
	}
	switch {
	case set != 1:
		return invalid(trace, "exactly one of idANPR, codiceFiscale and generalità must be set")
	case c.Generalita != nil && (c.Generalita.Cognome == "" || c.Generalita.Nome == "" || c.Generalita.Sesso == "" || c.Generalita.DataNascita == ""):
		return invalid(trace, "a search by generalità needs cognome, nome, sesso and the birth date")
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

// validateVerifica: verification services answer S/N about declared data, so without it the
// call is meaningless; any other service would refuse the unknown field with an opaque 400.
// Messages never quote the content: it is personal data.
func validateVerifica(svc catalogue.Service, v json.RawMessage, trace Trace) *Error {
	trimmed := bytes.TrimSpace(v)
	present := len(trimmed) > 0 && !bytes.Equal(trimmed, []byte("null"))
	switch {
	case !svc.Verification && present:
		return invalid(trace, "service %s takes no verifica (only verification services do)", svc.Code)
	case !svc.Verification:
		return nil
	case !present:
		return invalid(trace, "verification service %s requires verifica, the declared data to verify", svc.Code)
	}
	var fields map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &fields) != nil || len(fields) == 0 {
		return invalid(trace, "verifica of %s must be a non-empty JSON object", svc.Code)
	}
	return nil
}
