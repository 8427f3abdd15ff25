// Package errcode is the one table of Varco's stable error codes: the code an integrator
// reads in a problem+json body, its HTTP status and its title. Workflows, activities and the
// API all use it, so a request's audit record and its HTTP answer can never disagree.
package errcode

import "net/http"

// Stable codes. Integrators match on them: never rename one.
const (
	InvalidRequest      = "invalid_request"
	InvalidCF           = "invalid_codice_fiscale"
	InvalidIDANPR       = "invalid_id_anpr"
	UnknownService      = "unknown_service"
	UnknownComune       = "unknown_comune"
	Unauthorized        = "unauthorized"
	Forbidden           = "forbidden"
	QuotaExceeded       = "quota_exceeded"
	RateLimited         = "rate_limited"
	NotFound            = "not_found"
	RequestNotFound     = "request_not_found"
	BatchNotFound       = "batch_not_found"
	InvalidBatch        = "invalid_batch"
	MethodNotAllowed    = "method_not_allowed"
	PayloadTooLarge     = "payload_too_large"
	UnsupportedMedia    = "unsupported_media_type"
	IdempotencyConflict = "idempotency_conflict"
	Conflict            = "conflict"
	TestEnvironmentOnly = "test_environment_only"
	LastTop             = "last_top"
	WeakPassword        = "weak_password"
	SubjectNotFound     = "subject_not_found"
	SubjectAmbiguous    = "subject_ambiguous"
	ANPRUnavailable     = "anpr_unavailable"
	ANPRQuotaExhausted  = "anpr_quota_exhausted"
	ANPRNotEnabled      = "anpr_not_enabled"
	ANPRInvalidRequest  = "anpr_invalid_request"
	ANPRProtocol        = "anpr_protocol_error"
	PDNDVoucherRefused  = "pdnd_voucher_refused"
	Timeout             = "request_timeout"
	Cancelled           = "request_cancelled"
	Unavailable         = "service_unavailable"
	Internal            = "internal_error"
)

type entry struct {
	status int
	title  string
}

var table = map[string]entry{
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
func Status(code string) int {
	if e, ok := table[code]; ok {
		return e.status
	}
	return http.StatusInternalServerError
}

// Title is the human title of a code.
func Title(code string) string {
	if e, ok := table[code]; ok {
		return e.title
	}
	return table[Internal].title
}

// Known reports whether code is in the table.
func Known(code string) bool {
	_, ok := table[code]
	return ok
}
