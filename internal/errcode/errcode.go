// Package errcode is the one table of Varco's stable error codes: the code an integrator
// reads in a problem+json body, its HTTP status and its title. Workflows, activities and the
// API all use it, so a request's audit record and its HTTP answer can never disagree.
package errcode

import "net/http"

// Code is a stable error code. A distinct type, so a free-form string (a message, an ANPR
// code) cannot pass for one: where a code arrives as text (a Temporal error type), Parse
// checks it against the table.
type Code string

// Stable codes. Integrators match on them: never rename one.
const (
	InvalidRequest      Code = "invalid_request"
	InvalidCF           Code = "invalid_codice_fiscale"
	InvalidIDANPR       Code = "invalid_id_anpr"
	UnknownService      Code = "unknown_service"
	UnknownComune       Code = "unknown_comune"
	Unauthorized        Code = "unauthorized"
	Forbidden           Code = "forbidden"
	QuotaExceeded       Code = "quota_exceeded"
	RateLimited         Code = "rate_limited"
	NotFound            Code = "not_found"
	RequestNotFound     Code = "request_not_found"
	BatchNotFound       Code = "batch_not_found"
	InvalidBatch        Code = "invalid_batch"
	MethodNotAllowed    Code = "method_not_allowed"
	PayloadTooLarge     Code = "payload_too_large"
	UnsupportedMedia    Code = "unsupported_media_type"
	IdempotencyConflict Code = "idempotency_conflict"
	Conflict            Code = "conflict"
	TestEnvironmentOnly Code = "test_environment_only"
	LastTop             Code = "last_top"
	WeakPassword        Code = "weak_password"
	SubjectNotFound     Code = "subject_not_found"
	SubjectAmbiguous    Code = "subject_ambiguous"
	ANPRUnavailable     Code = "anpr_unavailable"
	ANPRQuotaExhausted  Code = "anpr_quota_exhausted"
	ANPRNotEnabled      Code = "anpr_not_enabled"
	ANPRInvalidRequest  Code = "anpr_invalid_request"
	ANPRProtocol        Code = "anpr_protocol_error"
	PDNDVoucherRefused  Code = "pdnd_voucher_refused"
	Timeout             Code = "request_timeout"
	Cancelled           Code = "request_cancelled"
	Unavailable         Code = "service_unavailable"
	Internal            Code = "internal_error"
)

type entry struct {
	status int
	title  string
}

var table = map[Code]entry{
	InvalidRequest:      {http.StatusBadRequest, "Invalid request"},
	InvalidCF:           {http.StatusBadRequest, "Invalid codice fiscale"},
	InvalidIDANPR:       {http.StatusBadRequest, "Invalid idANPR"},
	UnknownService:      {http.StatusNotFound, "Unknown ANPR service"},
	UnknownComune:       {http.StatusNotFound, "Unknown Comune"},
	Unauthorized:        {http.StatusUnauthorized, "Authentication required"},
	Forbidden:           {http.StatusForbidden, "Not allowed"},
	QuotaExceeded:       {http.StatusTooManyRequests, "Daily quota of the user or Ente exceeded"},
	RateLimited:         {http.StatusTooManyRequests, "Too many requests: slow down"},
	NotFound:            {http.StatusNotFound, "Not found"},
	RequestNotFound:     {http.StatusNotFound, "Request not found"},
	BatchNotFound:       {http.StatusNotFound, "Batch not found"},
	InvalidBatch:        {http.StatusBadRequest, "Invalid rows in the batch"},
	MethodNotAllowed:    {http.StatusMethodNotAllowed, "Method not allowed"},
	PayloadTooLarge:     {http.StatusRequestEntityTooLarge, "Request body too large"},
	UnsupportedMedia:    {http.StatusUnsupportedMediaType, "Unsupported media type"},
	IdempotencyConflict: {http.StatusUnprocessableEntity, "Idempotency-Key reused with a different request"},
	Conflict:            {http.StatusConflict, "Already exists"},
	TestEnvironmentOnly: {http.StatusConflict, "Only in the TEST environment"},
	LastTop:             {http.StatusConflict, "A Comune must keep at least one active TOP"},
	WeakPassword:        {http.StatusBadRequest, "The new password is too easy to guess"},
	SubjectNotFound:     {http.StatusNotFound, "Subject not found in ANPR"},
	SubjectAmbiguous:    {http.StatusUnprocessableEntity, "Several people match the criteria"},
	ANPRUnavailable:     {http.StatusBadGateway, "ANPR unavailable"},
	ANPRQuotaExhausted:  {http.StatusTooManyRequests, "ANPR daily quota exhausted"},
	ANPRNotEnabled:      {http.StatusBadGateway, "ANPR refused: Ente not enabled for this service"},
	ANPRInvalidRequest:  {http.StatusBadGateway, "ANPR refused the request"},
	ANPRProtocol:        {http.StatusBadGateway, "Unexpected answer from ANPR"},
	PDNDVoucherRefused:  {http.StatusBadGateway, "PDND refused the voucher request"},
	Timeout:             {http.StatusGatewayTimeout, "Request still running"},
	Cancelled:           {http.StatusServiceUnavailable, "Request cancelled"},
	Unavailable:         {http.StatusServiceUnavailable, "Service unavailable"},
	Internal:            {http.StatusInternalServerError, "Internal error"},
}

// Status is the HTTP status of a code; unknown codes are internal errors.
func Status(code Code) int {
	if e, ok := table[code]; ok {
		return e.status
	}
	return http.StatusInternalServerError
}

// Title is the human title of a code.
func Title(code Code) string {
	if e, ok := table[code]; ok {
		return e.title
	}
	return table[Internal].title
}

// Known reports whether code is in the table.
func Known(code string) bool {
	_, ok := table[Code(code)]
	return ok
}

// Parse returns the code a text names (a Temporal error's type, a stored record's code), or
// Internal when it names none: an unknown code never reaches an integrator.
func Parse(text string) Code {
	if Known(text) {
		return Code(text)
	}
	return Internal
}

// String is the code as integrators read it.
func (c Code) String() string { return string(c) }

// Types lists codes as the error types of a Temporal retry policy (NonRetryableErrorTypes).
func Types(codes ...Code) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = string(c)
	}
	return out
}
