package anpr

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// resolveService is C030, servizioAccertamentoIdUnicoNazionale: codice fiscale → idANPR.
const resolveService = "C030"

// errNoIDANPR is the cause of a C030 answer without an idANPR.
var errNoIDANPR = errors.New("C030 answer has no datiSoggetto[0].identificativi.idANPR")

// Resolve returns the idANPR of the person with codice fiscale cf by calling C030, as ANPR
// requires before any other consultation since 18 Apr 2024 (docs/anpr.md §1): the caller then
// calls the service with Criteria{IDANPR: id}. Anomalie are C030's warnings (an EN148 W about
// searching by CF is expected here and is not an error). Trace is filled on success and on
// failure, for the audit.
//
// Errors are *Error: KindNotFound for EN122 (not registered or cancelled), KindNotEnabled if
// the profile has no purposeId for C030, KindProtocol if the answer carries no idANPR,
// otherwise as Call. The result is not cached: whether CF↔idANPR may be cached is an open
// question to ANPR (docs/anpr.md §5.2).
func (c *Client) Resolve(ctx context.Context, p Profile, op Operator, cf, motivo, dataRiferimento string) (idANPR string, trace Trace, anomalie []json.RawMessage, err error) {
	return c.ResolveRequest(ctx, p, op, Request{Criteria: Criteria{CodiceFiscale: cf}, Motivo: motivo, DataRiferimento: dataRiferimento})
}

// ResolveRequest is Resolve for the codice fiscale or the generalità of req.Criteria, with req's motivo,
// reference day and idOperazioneClient (empty: the client draws one).
func (c *Client) ResolveRequest(ctx context.Context, p Profile, op Operator, req Request) (idANPR string, trace Trace, anomalie []json.RawMessage, err error) {
	if p.PurposeIDs[resolveService] == "" {
		return "", Trace{}, nil, &Error{Kind: KindNotEnabled,
			Message: "profile has no purposeId for C030 (servizioAccertamentoIdUnicoNazionale): " +
				"the Comune must obtain C030 on PDND before codici fiscali can be resolved to idANPR"}
	}
	resp, err := c.Call(ctx, p, op, Request{Service: resolveService, Criteria: Criteria{CodiceFiscale: req.Criteria.CodiceFiscale, Generalita: req.Criteria.Generalita},
		Motivo: req.Motivo, DataRiferimento: req.DataRiferimento, IDOperazioneClient: req.IDOperazioneClient})
	if err != nil {
		if e, ok := AsError(err); ok {
			trace = e.Trace
		}
		return "", trace, nil, err
	}
	id := firstIDANPR(resp.Soggetti)
	if id == "" {
		return "", resp.Trace, resp.Anomalie, &Error{Kind: KindProtocol, Message: "C030 answer carries no idANPR",
			HTTPStatus: http.StatusOK, Trace: resp.Trace, Err: errNoIDANPR}
	}
	return id, resp.Trace, resp.Anomalie, nil
}

// firstIDANPR reads identificativi.idANPR of the first subject; "" if absent or unreadable.
func firstIDANPR(soggetti []json.RawMessage) string {
	if len(soggetti) == 0 {
		return ""
	}
	var s struct {
		Identificativi struct {
			IDANPR string `json:"idANPR"`
		} `json:"identificativi"`
	}
	if json.Unmarshal(soggetti[0], &s) != nil {
		return ""
	}
	return s.Identificativi.IDANPR
}

// Identifiers reads the idANPR and the codice fiscale of the one subject an answer carries
// (identificativi.idANPR, generalita.codiceFiscale.codFiscale): the audit keeps a hash of each,
// so a lookup is found by either. Empty strings when the answer holds no subject, more than
// one (whom the record is about is then not one person), or the field is absent.
func Identifiers(soggetti []json.RawMessage) (idANPR, codiceFiscale string) {
	if len(soggetti) != 1 {
		return "", ""
	}
	var s struct {
		Identificativi struct {
			IDANPR string `json:"idANPR"`
		} `json:"identificativi"`
		Generalita struct {
			CodiceFiscale struct {
				CodFiscale string `json:"codFiscale"`
			} `json:"codiceFiscale"`
		} `json:"generalita"`
	}
	if json.Unmarshal(soggetti[0], &s) != nil {
		return "", ""
	}
	return s.Identificativi.IDANPR, s.Generalita.CodiceFiscale.CodFiscale
}
