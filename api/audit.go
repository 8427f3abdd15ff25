package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/codicefiscale"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// AuditItem is one audit record as the API shows it. The subject appears only as the keyed
// hash in the database, and not at all here.
type AuditItem struct {
	RequestID           string       `json:"requestId"`
	Time                time.Time    `json:"time"`
	UserID              int64        `json:"userId"`
	EnteID              int64        `json:"enteId,omitempty"`
	Comune              string       `json:"comune"`
	Service             string       `json:"service"`
	Motivo              string       `json:"motivo"`
	Outcome             string       `json:"outcome"`
	HTTPStatus          int          `json:"httpStatus"`
	ErrorCode           errcode.Code `json:"errorCode,omitempty"`
	Reason              string       `json:"reason,omitempty"`
	Workstation         string       `json:"workstation,omitempty"`
	DurationMS          int64        `json:"durationMs"`
	IDOperazioneClient  string       `json:"idOperazioneClient,omitempty"`
	IDOperazioneANPR    string       `json:"idOperazioneANPR,omitempty"`
	GovWayTransactionID string       `json:"govwayTransactionId,omitempty"`
	VoucherJTI          string       `json:"voucherJti,omitempty"`
	CorrelationID       string       `json:"correlationId,omitempty"`
	// Seq and Hash place the record in its Comune's hash chain (GET /api/v1/audit/verify).
	Seq  int64  `json:"seq,omitempty"`
	Hash string `json:"hash,omitempty"`
	// BatchID names the batch query the request was a subject of.
	BatchID string `json:"batchId,omitempty"`
}

func auditItem(r *store.AuditRecord) AuditItem {
	return AuditItem{
		RequestID: r.RequestID, Time: r.CreatedAt, UserID: r.UserID, EnteID: r.EnteID,
		Comune: r.ComuneCode, Service: r.Service, Motivo: r.Motivo, Outcome: r.Outcome,
		HTTPStatus: r.HTTPStatus, ErrorCode: r.ErrorCode, Reason: r.Reason, Workstation: r.Workstation,
		DurationMS: r.DurationMS, IDOperazioneClient: r.IDOperazioneClient, IDOperazioneANPR: r.IDOperazioneANPR,
		GovWayTransactionID: r.GovWayTransactionID, VoucherJTI: r.VoucherJTI, CorrelationID: r.CorrelationID, BatchID: r.BatchID,
		Seq: r.Seq, Hash: r.Hash,
	}
}

// AuditPage is one page of GET /api/v1/audit.
type AuditPage struct {
	Items []AuditItem `json:"items"`
	Next  string      `json:"next,omitempty"`
}

func (s *Server) audit(c *fiber.Ctx) error {
	q, err := s.scopedAuditQuery(c)
	if err != nil {
		return err
	}
	recs, next, err := store.ListAudit(c.UserContext(), s.DB, q)
	if err != nil {
		return err
	}
	page := AuditPage{Items: make([]AuditItem, 0, len(recs)), Next: next}
	for i := range recs {
		page.Items = append(page.Items, auditItem(&recs[i]))
	}
	return c.JSON(page)
}

// auditQuery parses the filters; a malformed one is a 400, never silently ignored.
func auditQuery(c *fiber.Ctx) (store.AuditQuery, error) {
	q := store.AuditQuery{
		Comune: c.Query("comune"), Service: c.Query("service"), Outcome: c.Query("outcome"), Cursor: c.Query("cursor"),
	}
	if err := checkIdentifiers(q.Comune, ""); err != nil {
		return q, err
	}
	if q.BatchID = c.Query("batch"); q.BatchID != "" && !reBatchID.MatchString(q.BatchID) {
		return q, fail(errcode.InvalidRequest, "batch must be a batch id (bt-…)")
	}
	var err error
	if q.EnteID, err = optInt(c, "ente"); err != nil {
		return q, err
	}
	if q.UserID, err = optInt(c, "user"); err != nil {
		return q, err
	}
	limit, err := optInt(c, "limit")
	if err != nil || limit < 0 || limit > 500 {
		return q, fail(errcode.InvalidRequest, "limit must be between 1 and 500")
	}
	q.Limit = int(limit)
	if q.From, err = optTime(c, "from"); err != nil {
		return q, err
	}
	if q.To, err = optTime(c, "to"); err != nil {
		return q, err
	}
	if c.Query("subject") != "" {
		if _, _, err := parseSubject(c.Query("subject")); err != nil {
			return q, err
		}
		// Fail closed: a handler that forgets resolveSubject matches nothing rather than
		// ignoring the filter and answering with everyone's records.
		q.Subject = subjectUnresolved
	}
	return q, nil
}

// subjectUnresolved is no hex hash, so it matches no record.
const subjectUnresolved = "unresolved"

// resolveSubject turns the subject parameter into its keyed hash. Every handler taking the
// /audit filters calls it after auditQuery. A codice fiscale is matched through its own hash,
// which the audit keeps in subject_hash (the call never resolved an idANPR) or subject_hash_cf
// (it did): see docs/audit.md for what a search by codice fiscale cannot find.
func (s *Server) resolveSubject(c *fiber.Ctx, q *store.AuditQuery) error {
	raw := c.Query("subject")
	if raw == "" {
		return nil
	}
	id, isCF, err := parseSubject(raw)
	if err != nil {
		return err
	}
	if len(s.SubjectKey) == 0 {
		return fail(errcode.Unavailable, "the subject search is not configured")
	}
	if isCF {
		q.Subject = auditlog.SubjectHashCF(s.SubjectKey, id)
	} else {
		q.Subject = auditlog.SubjectHashIDANPR(s.SubjectKey, id)
	}
	return nil
}

// parseSubject accepts a codice fiscale (with its check character) or an idANPR, in either
// case, and says which it is. Error messages never repeat the value.
func parseSubject(raw string) (id string, isCF bool, err error) {
	v := strings.ToUpper(strings.TrimSpace(raw))
	switch {
	case reIDANPR.MatchString(v):
		return v, false, nil
	case len(v) == codicefiscale.Length:
		if err := codicefiscale.Validate(v); err != nil {
			return "", false, fail(errcode.InvalidCF, "subject: "+cfProblem(err))
		}
		return v, true, nil
	default:
		return "", false, fail(errcode.InvalidRequest, "subject must be a codice fiscale (16 characters) or an idANPR (9 letters or digits)")
	}
}

func optInt(c *fiber.Ctx, name string) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fail(errcode.InvalidRequest, name+" must be a positive integer")
	}
	return n, nil
}

// optTime accepts RFC 3339 or a date (midnight, Europe/Rome).
func optTime(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, rome); err == nil {
		return t, nil
	}
	return time.Time{}, fail(errcode.InvalidRequest, name+" must be RFC 3339 or YYYY-MM-DD")
}
