package workflows

import (
	"encoding/json"
	"time"

	"github.com/varco-anpr/varco/internal/errcode"
)

// Batch queries (issue 16): one AnprBatch workflow per batch, one BatchSubject activity per
// subject (authorize, certified call, audit, encrypted result), in the Comune's namespace.

// Activities of the batch workflow.
const (
	ActivityBatchVerify  = "BatchVerify"
	ActivityBatchSubject = "BatchSubject"
	ActivityBatchState   = "BatchState"
)

// MaxBatchSubjects bounds a batch.
const MaxBatchSubjects = 10000

// Why a batch waits.
const (
	WaitQuota     = "quota"      // the user's or Ente's daily quota is used up
	WaitANPRPause = "anpr_pause" // ANPR answered 429 LimitExceeded: the pair is paused
)

// BatchSubject is one row of a batch: the subject, the application's reference (returned with
// the result) and the row's line in the submitted document. Personal data: payloads only.
type BatchSubject struct {
	Criteria  Criteria `json:"criteria"`
	Reference string   `json:"reference,omitempty"`
	Line      int      `json:"line"`
}

// BatchInput is the input of AnprBatch. Everything but Cursor is sealed by the API.
type BatchInput struct {
	BatchID         string         `json:"batchId"`
	UserID          int64          `json:"userId"`
	Comune          string         `json:"comune"`
	Service         string         `json:"service"`
	Motivo          string         `json:"motivo"`
	DataRiferimento string         `json:"dataRiferimento"`
	Workstation     string         `json:"workstation,omitempty"`
	LoA             string         `json:"loa,omitempty"`
	ReceivedAt      time.Time      `json:"receivedAt"`
	Deadline        time.Time      `json:"deadline"` // the seal's: the workflow must start before it
	Subjects        []BatchSubject `json:"subjects"`
	Seal            string         `json:"seal,omitempty"`
	// Cursor is where a continued run resumes; nil on the first run.
	Cursor *BatchCursor `json:"cursor,omitempty"`
}

// BatchCursor carries a batch's progress across continue-as-new.
type BatchCursor struct {
	Next  int   `json:"next"`            // the first subject not yet started
	Retry []int `json:"retry,omitempty"` // subjects that waited, to run again first
	Tries int   `json:"tries,omitempty"` // waits so far: offsets the retried calls' operation ids
	// WaitShown: the database still says the batch waits (cleared by the next answer).
	WaitShown bool `json:"waitShown,omitempty"`
	// Settings are the worker's batch settings, read once by the first run.
	Settings BatchSettings `json:"settings"`
}

// BatchSettings are the worker's configuration as BatchVerify returned it (recorded in the
// history, so replays agree).
type BatchSettings struct {
	Concurrency int           `json:"concurrency"`
	RunSize     int           `json:"runSize"`
	Recheck     time.Duration `json:"recheck"`
}

// BatchVerified is BatchVerify's answer: whether the input is the API's, and the settings.
type BatchVerified struct {
	OK       bool          `json:"ok"`
	Settings BatchSettings `json:"settings"`
}

// BatchSubjectInput is one subject's run.
type BatchSubjectInput struct {
	BatchID         string    `json:"batchId"`
	Index           int       `json:"index"`
	RequestID       string    `json:"requestId"`
	UserID          int64     `json:"userId"`
	Comune          string    `json:"comune"`
	Service         string    `json:"service"`
	Motivo          string    `json:"motivo"`
	DataRiferimento string    `json:"dataRiferimento"`
	Workstation     string    `json:"workstation,omitempty"`
	LoA             string    `json:"loa,omitempty"`
	ReceivedAt      time.Time `json:"receivedAt"`
	// At is when the workflow started this subject: the day whose quota it counts against.
	At      time.Time    `json:"at"`
	Subject BatchSubject `json:"subject"`
	// Try counts the waits before this run: the call's operation ids move past earlier tries'.
	Try int `json:"try,omitempty"`
}

// BatchSubjectOutput is a subject's outcome, or why it must wait (nothing was audited then).
type BatchSubjectOutput struct {
	Outcome   string       `json:"outcome,omitempty"`
	ErrorCode errcode.Code `json:"errorCode,omitempty"`
	Wait      string       `json:"wait,omitempty"`
	RetryAt   time.Time    `json:"retryAt,omitempty"`
}

// BatchStateInput records a batch's state in the database for GET /api/v1/batches/{id}.
type BatchStateInput struct {
	BatchID string    `json:"batchId"`
	Waiting string    `json:"waiting,omitempty"`
	Until   time.Time `json:"until,omitempty"`
	// Final, when set, is the batch's final status (completed, cancelled).
	Final string    `json:"final,omitempty"`
	At    time.Time `json:"at"`
}

// BatchOutcome is the workflow's result.
type BatchOutcome struct {
	Status string `json:"status"`
}

// BatchSubjectRequestID is the request id of a batch's subject: derived from the batch id and
// the row, so a retried run names the same request (and the request claims and the audit's
// idempotency keep it to one call and one record). It has the form of a request id.
func BatchSubjectRequestID(batchID string, index int) string {
	h := sha256Hex(batchID + "\x00" + itoa(index))
	return "rq-" + batchComune(batchID) + "-" + h[:32]
}

// batchComune is the lower-case Comune of a batch id "bt-<comune>-…".
func batchComune(batchID string) string {
	if len(batchID) < 7 {
		return "x000"
	}
	return batchID[3:7]
}

// BatchVerifyInput asks BatchVerify whether the batch input is the API's: sealed, for this
// namespace and workflow id, and started before the seal's deadline.
type BatchVerifyInput struct {
	Batch   BatchInput `json:"batch"`
	Started time.Time  `json:"started"`
}

// BatchResultBody is one subject's result as kept, encrypted, in the database and returned by
// GET /api/v1/batches/{id}/results.
type BatchResultBody struct {
	Line             int               `json:"line"`
	Reference        string            `json:"reference,omitempty"`
	Criteria         Criteria          `json:"criteria"`
	RequestID        string            `json:"requestId"`
	Outcome          string            `json:"outcome"`
	ErrorCode        errcode.Code      `json:"errorCode,omitempty"`
	Detail           string            `json:"detail,omitempty"`
	IDOperazioneANPR string            `json:"idOperazioneANPR,omitempty"`
	Soggetti         []json.RawMessage `json:"soggetti,omitempty"`
	Anomalie         []json.RawMessage `json:"anomalie,omitempty"`
}

// BatchResultPurpose binds a batch result's encryption to its Comune.
func BatchResultPurpose(comune string) string { return "batch-result:" + comune }
