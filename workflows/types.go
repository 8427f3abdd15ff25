package workflows

import (
	"encoding/json"
	"time"

	"github.com/varco-anpr/varco/internal/errcode"
)

// TaskQueue is the task queue every Varco worker polls.
const TaskQueue = "varco-anpr"

// Activity names. Workflows refer to activities by name so that this package never imports
// the activity implementations (and through them bun, Casbin or the ANPR client).
const (
	ActivityAuthorize  = "Authorize"
	ActivityCallANPR   = "CallANPR"
	ActivityWriteAudit = "WriteAudit"
)

// Outcomes recorded in the audit and in the VarcoOutcome search attribute.
const (
	OutcomeOK        = "ok"
	OutcomeDenied    = "denied"
	OutcomeNotFound  = "not_found"
	OutcomeFailed    = "failed"
	OutcomeCancelled = "cancelled"
)

// ReasonQuotaExceeded is the denial reason of a query over the daily quota of its user or Ente
// (rbac's reason code; repeated here so that workflows need not import rbac).
const ReasonQuotaExceeded = "quota_exceeded"

// ReasonIdempotencyConflict is the audited reason of a request refused because its
// Idempotency-Key was first used for another request.
const ReasonIdempotencyConflict = "idempotency_conflict"

// ReasonUnauthenticated denies a workflow whose input the API did not seal, or whose seal is
// expired, replayed, or for another namespace or workflow id. Its audit record names no user
// and no subject: nothing in such an input can be believed.
const ReasonUnauthenticated = "unauthenticated_request"

// UnauthenticatedRequestID is the audit request id of such a workflow: its run id, in a form
// the API never issues, so a forged input cannot take the id of a real request.
func UnauthenticatedRequestID(runID string) string { return "unauthenticated-" + runID }

// CallMode selects how the ANPR call runs. The default, local, is the measured fastest
// (docs/performance.md); regular activities are kept for deployments that prefer the
// call to be dispatched through the task queue.
type CallMode string

const (
	CallLocal   CallMode = "local"
	CallRegular CallMode = "regular"
)

// Criteria identifies the subject. Exactly one is set. It is personal data: it travels only
// inside payloads, which the codec encrypts, never in IDs or search attributes.
type Criteria struct {
	IDANPR        string      `json:"idANPR,omitempty"`
	CodiceFiscale string      `json:"codiceFiscale,omitempty"`
	Generalita    *Generalita `json:"generalita,omitempty"`
}

// Generalita finds a person without an identifier — a foreigner, a document without codice
// fiscale — as ANPR's TipoCriteriRicercaE002 allows: surname, name, sex and birth date, and
// optionally the Comune of birth.
type Generalita struct {
	Cognome     string `json:"cognome"`
	Nome        string `json:"nome"`
	Sesso       string `json:"sesso"`       // M or F
	DataNascita string `json:"dataNascita"` // YYYY-MM-DD
	// ComuneNascita: its ISTAT code or its name, when known.
	CodiceIstatComuneNascita string `json:"codiceIstatComuneNascita,omitempty"`
	NomeComuneNascita        string `json:"nomeComuneNascita,omitempty"`
}

// QueryInput is the input of the AnprQuery workflow.
type QueryInput struct {
	RequestID       string   `json:"requestId"`
	UserID          int64    `json:"userId"`
	Comune          string   `json:"comune"`
	Service         string   `json:"service"`
	Criteria        Criteria `json:"criteria"`
	Motivo          string   `json:"motivo"`
	DataRiferimento string   `json:"dataRiferimento"`
	// Verifica is the declared data of a verification service (C003–C014, C031).
	Verifica    json.RawMessage `json:"verifica,omitempty"`
	Workstation string          `json:"workstation,omitempty"`
	LoA         string          `json:"loa,omitempty"`
	ReceivedAt  time.Time       `json:"receivedAt"`
	// Deadline bounds the ANPR call and its retries; the audit is written after it anyway.
	Deadline time.Time `json:"deadline"`
	Mode     CallMode  `json:"mode,omitempty"`
	// Fingerprint identifies the request as the client sent it (service, Comune, criteria,
	// motivo, verifica, reference day): the result carries it back, so a repeated
	// Idempotency-Key with another request is refused instead of answered with this one's data.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Refused, when set, is the reason the API refused the request after authenticating it
	// (ReasonIdempotencyConflict): the workflow calls nothing and only audits the refusal.
	Refused string `json:"refused,omitempty"`
	// Seal is the API's signature over every field above (internal/seal): a workflow whose
	// input the API did not authenticate makes no ANPR call and is audited as such.
	Seal string `json:"seal,omitempty"`
}

// QueryResult is what the workflow returns once the audit record is committed.
type QueryResult struct {
	RequestID string `json:"requestId"`
	// Fingerprint is the input's, returned so the API can tell which request this answers.
	Fingerprint      string            `json:"fingerprint,omitempty"`
	Outcome          string            `json:"outcome"`
	ErrorCode        errcode.Code      `json:"errorCode,omitempty"`
	Detail           string            `json:"detail,omitempty"`
	HTTPStatus       int               `json:"httpStatus"`
	EnteID           int64             `json:"enteId,omitempty"`
	IDOperazioneANPR string            `json:"idOperazioneANPR,omitempty"`
	Soggetti         []json.RawMessage `json:"soggetti,omitempty"`
	Anomalie         []json.RawMessage `json:"anomalie,omitempty"`
}

// AuthorizeInput asks whether the sealed request may run: Authorize checks its seal,
// namespace and workflow id before anything else, then the user's grant for its service in
// its Comune on the day it was received.
type AuthorizeInput struct {
	Query QueryInput `json:"query"`
	// Started is the workflow's start time, as Temporal recorded it: the seal must have been
	// used before its deadline, however late a retried task runs.
	Started time.Time `json:"started"`
}

// AuthorizeOutput is the decision; Reason is a stable code when denied.
type AuthorizeOutput struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	EnteID  int64  `json:"enteId,omitempty"`
	// PriorCall is the idOperazioneClient of a call this run already sent before its worker
	// stopped (its answer is lost): "" on a first attempt.
	PriorCall string `json:"priorCall,omitempty"`
}

// CallInput is the certified ANPR call.
type CallInput struct {
	RequestID string `json:"requestId"`
	// Operation is the base of the call's idOperazioneClient (OperationID), derived from the
	// request, so that every call ANPR received can be named by the audit record.
	Operation       string          `json:"operation,omitempty"`
	UserID          int64           `json:"userId"`
	Comune          string          `json:"comune"`
	EnteID          int64           `json:"enteId"`
	Service         string          `json:"service"`
	Criteria        Criteria        `json:"criteria"`
	Motivo          string          `json:"motivo"`
	DataRiferimento string          `json:"dataRiferimento"`
	Verifica        json.RawMessage `json:"verifica,omitempty"`
	Workstation     string          `json:"workstation,omitempty"`
	LoA             string          `json:"loa,omitempty"`
}

// Trace holds the correlation ids ANPR and PDND support work from.
type Trace struct {
	IDOperazioneClient  string `json:"idOperazioneClient,omitempty"`
	IDOperazioneANPR    string `json:"idOperazioneANPR,omitempty"`
	GovWayTransactionID string `json:"govwayTransactionId,omitempty"`
	VoucherJTI          string `json:"voucherJti,omitempty"`
	CorrelationID       string `json:"correlationId,omitempty"`
	HTTPStatus          int    `json:"httpStatus,omitempty"`
}

// CallOutput is ANPR's answer, kept as returned.
type CallOutput struct {
	Soggetti []json.RawMessage `json:"soggetti"`
	Anomalie []json.RawMessage `json:"anomalie,omitempty"`
	Trace    Trace             `json:"trace"`
	// Resolve is the trace of the C030 call that resolved a codice fiscale or generalità to
	// the idANPR before the service call, when there was one: it gets a linked audit record.
	Resolve *Trace `json:"resolve,omitempty"`
	// IDANPR is the subject's idANPR when the call was made by it (given, or resolved with
	// C030 from a codice fiscale): the audit's subject hash is then the idANPR's.
	IDANPR string `json:"idANPR,omitempty"`
	// CodiceFiscale is the subject's codice fiscale, as asked or as ANPR's answer carries it:
	// the audit keeps its hash too, so a lookup made by idANPR is found by codice fiscale.
	CodiceFiscale string `json:"codiceFiscale,omitempty"`
}

// AuditWritten is WriteAudit's result: Existing is set when the request's record was already
// committed (by an earlier attempt of this run), with the story it tells.
type AuditWritten struct {
	Existing *AuditStory `json:"existing,omitempty"`
}

// AuditStory is what a committed record says happened.
type AuditStory struct {
	Outcome          string       `json:"outcome"`
	HTTPStatus       int          `json:"httpStatus"`
	ErrorCode        errcode.Code `json:"errorCode,omitempty"`
	Reason           string       `json:"reason,omitempty"`
	IDOperazioneANPR string       `json:"idOperazioneANPR,omitempty"`
}

// AuditInput is one audit record, written exactly once per request (idempotent by RequestID).
type AuditInput struct {
	RequestID   string       `json:"requestId"`
	At          time.Time    `json:"at"`
	UserID      int64        `json:"userId"`
	EnteID      int64        `json:"enteId,omitempty"`
	Comune      string       `json:"comune"`
	Service     string       `json:"service"`
	Motivo      string       `json:"motivo"`
	Outcome     string       `json:"outcome"`
	HTTPStatus  int          `json:"httpStatus"`
	ErrorCode   errcode.Code `json:"errorCode,omitempty"`
	Reason      string       `json:"reason,omitempty"`
	Workstation string       `json:"workstation,omitempty"`
	Criteria    Criteria     `json:"criteria"`
	// SubjectIDANPR is the idANPR the call used, when known.
	SubjectIDANPR string `json:"subjectIdANPR,omitempty"`
	// SubjectCF is the subject's codice fiscale when known (asked, or in ANPR's answer).
	SubjectCF  string `json:"subjectCF,omitempty"`
	Trace      Trace  `json:"trace"`
	DurationMS int64  `json:"durationMs"`
	// Resolve is the C030 call made before the service call (CallOutput.Resolve): WriteAudit
	// records it as a linked record, LinkedRequestID, with service C030.
	Resolve *Trace `json:"resolve,omitempty"`
	// BatchID names the batch query the request is a subject of; "" for a single query.
	BatchID string `json:"batchId,omitempty"`
}

// LinkedRequestID is the request id of the linked record of a request's C030 resolution.
func LinkedRequestID(requestID string) string { return requestID + "~C030" }
