package anpr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// flexString accepts a JSON string or number: idOperazioneANPR is declared a string but
// outgrew int32 in 2025, so a numeric rendering must not break decoding (docs/anpr.md §2.2).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) != "null" {
		*f = flexString(b)
	}
	return nil
}

// rispostaE002OK is the 200 answer; subjects and anomalies stay raw for the caller.
type rispostaE002OK struct {
	IDOperazioneANPR flexString `json:"idOperazioneANPR"`
	ListaSoggetti    struct {
		DatiSoggetto []json.RawMessage `json:"datiSoggetto"`
	} `json:"listaSoggetti"`
	ListaAnomalie []json.RawMessage `json:"listaAnomalie"`
}

// anomalia is TipoErroriAnomalia. valoreErroreAnomalia is deliberately not decoded: it may
// echo the searched CF.
type anomalia struct {
	Codice string `json:"codiceErroreAnomalia"`
	Tipo   string `json:"tipoErroreAnomalia"`
	Testo  string `json:"testoErroreAnomalia"`
}

// failureBody decodes both error shapes at once: ANPR RispostaKO (listaErrori) and GovWay
// problem JSON (title/detail/govway_id).
type failureBody struct {
	IDOperazioneANPR flexString `json:"idOperazioneANPR"`
	ListaErrori      []anomalia `json:"listaErrori"`
	Title            string     `json:"title"`
	Detail           string     `json:"detail"`
	GovWayID         string     `json:"govway_id"`
}

// mapAnswer turns an HTTP answer into a Response or a classified *Error.
func mapAnswer(a answer, trace Trace) (*Response, *Error) {
	if a.status == http.StatusOK {
		return mapOK(a, trace)
	}
	var fb failureBody
	decodeErr := json.Unmarshal(a.body, &fb) // HTML or empty bodies are classified by status
	trace.IDOperazioneANPR = string(fb.IDOperazioneANPR)
	if trace.GovWayTransactionID == "" {
		trace.GovWayTransactionID = fb.GovWayID
	}
	e := &Error{HTTPStatus: a.status, Trace: trace, Err: fmt.Errorf("ANPR answered HTTP %d", a.status)}
	switch {
	case len(fb.ListaErrori) > 0:
		blocking := firstBlocking(fb.ListaErrori)
		e.Kind, e.Code, e.Message = classifyKO(a.status, blocking), blocking.Codice, blocking.Testo
	case fb.Title != "":
		e.Kind, e.Code, e.Message = classifyGovWay(a.status, fb.Title), fb.Title, fb.Detail
	default:
		e.Kind, e.Message = classifyStatus(a.status), http.StatusText(a.status)
		if decodeErr != nil {
			e.Err = fmt.Errorf("ANPR answered HTTP %d with a non-JSON body: %w", a.status, decodeErr)
		}
	}
	return nil, e
}

func mapOK(a answer, trace Trace) (*Response, *Error) {
	var ok rispostaE002OK
	if err := json.Unmarshal(a.body, &ok); err != nil {
		return nil, &Error{Kind: KindProtocol, Message: "unreadable RispostaE002OK", HTTPStatus: a.status,
			Trace: trace, Err: fmt.Errorf("decode RispostaE002OK: %w", err)}
	}
	trace.IDOperazioneANPR = string(ok.IDOperazioneANPR)
	return &Response{
		IDOperazioneANPR: trace.IDOperazioneANPR,
		Soggetti:         ok.ListaSoggetti.DatiSoggetto,
		Anomalie:         ok.ListaAnomalie,
		Trace:            trace,
	}, nil
}

// firstBlocking picks the first "E" entry: warnings may precede the error that matters.
func firstBlocking(errs []anomalia) anomalia {
	for _, e := range errs {
		if e.Tipo == "E" {
			return e
		}
	}
	return errs[0]
}

// classifyKO maps an ANPR RispostaKO. Subject and enablement codes win over the status;
// a 5xx RispostaKO (e.g. 999 "Operazione non effettuabile") is a provider fault.
func classifyKO(status int, e anomalia) Kind {
	switch {
	case e.Codice == "EN122":
		return KindNotFound
	case e.Codice == "EN095" || e.Codice == "EN043":
		// Several people match: the caller's criteria are too wide, not our configuration.
		return KindAmbiguous
	case e.Codice == "EN148" && e.Tipo == "E":
		return KindNotEnabled
	case status >= 500:
		return KindUnavailable
	default:
		return KindInvalidRequest
	}
}

// classifyGovWay maps a GovWay problem by title, then status.
func classifyGovWay(status int, title string) Kind {
	switch {
	case title == "LimitExceeded":
		return KindQuotaExhausted
	case title == "TooManyRequests":
		return KindUnavailable // spurious PDND-side throttling: back off and retry
	case title == "InteroperabilityInvalidRequest":
		// The ModI envelope (aud, digest, signature, iat) was refused: our configuration or
		// code is wrong, not the caller's data; the reason is only visible to ANPR support.
		return KindProtocol
	}
	return classifyStatus(status)
}

// classifyStatus is the fallback when the body says nothing usable.
func classifyStatus(status int) Kind {
	switch {
	case status >= 500:
		return KindUnavailable
	case status == http.StatusTooManyRequests:
		return KindQuotaExhausted // unknown 429: ANPR says stop after the first one
	case status == http.StatusForbidden:
		return KindNotEnabled
	case status == http.StatusBadRequest:
		return KindInvalidRequest
	default:
		return KindProtocol // 401 voucher refused, 404 "Unknown API Request", other surprises
	}
}
