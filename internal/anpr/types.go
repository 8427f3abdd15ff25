package anpr

import (
	"crypto/rsa"
	"encoding/json"
	"net/http"
)

// Profile is one Comune's ANPR access profile.
type Profile struct {
	ClientID          string            // PDND client id (UUID)
	Kid               string            // key id registered on PDND
	PrivateKey        *rsa.PrivateKey   // key whose public half is registered under Kid
	PurposeIDs        map[string]string // service code ("C020") -> purposeId
	TokenURL          string            // PDND token endpoint
	AssertionAudience string            // client-assertion aud (e.g. auth.uat.interop.pagopa.it/client-assertion)
	ServiceBaseURL    string            // ".../govway/rest/in/MinInternoPortaANPR-PDND"
	AudienceBase      string            // ".../govway/rest/in/MinInternoPortaANPR" (ModI aud = AudienceBase+"/"+svc.Name+"/v1")
	// HTTPClient, when set, carries this Comune's calls (PDND and ANPR) instead of the
	// Client's: each Comune may trust its own CA bundle (see NewTLSClient). It must have a
	// Timeout, so that no call can hang without a deadline.
	HTTPClient *http.Client
}

// Operator identifies who, from where and how strongly authenticated, performs the access.
// They are the AUDIT_REST_02 claims of the TrackingEvidence; all are required and non-empty.
type Operator struct {
	UserID       string // operator id inside the consumer domain
	UserLocation string // workstation id or IP
	LoA          string // authentication level, e.g. "SpidL2" (≤ 20 chars, not a URL)
}

// Criteria selects the subject; exactly one field must be set. ANPR asks for IDANPR: a
// CodiceFiscale search still works but answers with an EN148 W anomaly.
type Criteria struct {
	IDANPR        string
	CodiceFiscale string
	Generalita    *Generalita // search by generalità: surname, name, sex, birth
}

// Generalita are the generalità criteria of TipoCriteriRicercaE002.
type Generalita struct {
	Cognome, Nome, Sesso, DataNascita           string
	CodiceIstatComuneNascita, NomeComuneNascita string
}

// Request is one e002 consultation.
type Request struct {
	Service            string   // catalogue code, e.g. "C020"
	Criteria           Criteria // whom to look up
	Motivo             string   // motivoRichiesta: case-file reference (protocol no., fascicolo…)
	DataRiferimento    string   // YYYY-MM-DD
	IDOperazioneClient string   // ≤ 30 chars; if empty the client generates one (unique, increasing, ≤30)
	// Verifica is the declared data to verify (TipoVerificaE002, docs/anpr.md §2.1), sent verbatim
	// as "verifica". It is required — a non-empty JSON object — for the verification services
	// (catalogue Verification: C003–C014, C031) and refused for every other service. It holds
	// personal data: the client never logs it nor puts it in errors.
	Verifica json.RawMessage
}

// Response is a successful (HTTP 200) RispostaE002OK.
type Response struct {
	IDOperazioneANPR string
	Soggetti         []json.RawMessage // datiSoggetto exactly as ANPR returned them
	Anomalie         []json.RawMessage // listaAnomalie as returned (W warnings)
	Trace            Trace
}

// Trace holds the correlation ids to keep in the audit: ANPR and PDND support work only
// from these (docs/anpr.md §6).
type Trace struct {
	IDOperazioneClient  string
	IDOperazioneANPR    string
	GovWayTransactionID string // GovWay-Transaction-ID header or govway_id of a problem body
	VoucherJTI          string // jti of the PDND voucher used
	CorrelationID       string // PDND correlationId of a token error
	HTTPStatus          int
}
