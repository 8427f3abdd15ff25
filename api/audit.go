package api

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// AuditItem is one audit record as the API shows it. The subject appears only as the keyed
// hash in the database, and not at all here.
type AuditItem struct {
	RequestID           string    `json:"requestId"`
	Time                time.Time `json:"time"`
	UserID              int64     `json:"userId"`
	EnteID              int64     `json:"enteId,omitempty"`
	Comune              string    `json:"comune"`
	Service             string    `json:"service"`
	Motivo              string    `json:"motivo"`
	Outcome             string    `json:"outcome"`
	HTTPStatus          int       `json:"httpStatus"`
	ErrorCode           string    `json:"errorCode,omitempty"`
	Reason              string    `json:"reason,omitempty"`
	Workstation         string    `json:"workstation,omitempty"`
	DurationMS          int64     `json:"durationMs"`
	IDOperazioneClient  string    `json:"idOperazioneClient,omitempty"`
	IDOperazioneANPR    string    `json:"idOperazioneANPR,omitempty"`
	GovWayTransactionID string    `json:"govwayTransactionId,omitempty"`
	VoucherJTI          string    `json:"voucherJti,omitempty"`
	CorrelationID       string    `json:"correlationId,omitempty"`
}

func auditItem(r *store.AuditRecord) AuditItem {
	return AuditItem{
		RequestID: r.RequestID, Time: r.CreatedAt, UserID: r.UserID, EnteID: r.EnteID,
		Comune: r.ComuneCode, Service: r.Service, Motivo: r.Motivo, Outcome: r.Outcome,
		HTTPStatus: r.HTTPStatus, ErrorCode: r.ErrorCode, Reason: r.Reason, Workstation: r.Workstation,
		DurationMS: r.DurationMS, IDOperazioneClient: r.IDOperazioneClient, IDOperazioneANPR: r.IDOperazioneANPR,
		GovWayTransactionID: r.GovWayTransactionID, VoucherJTI: r.VoucherJTI, CorrelationID: r.CorrelationID,
	}
}

// AuditPage is one page of GET /api/v1/audit.
type AuditPage struct {
	Items []AuditItem `json:"items"`
	Next  string      `json:"next,omitempty"`
}

func (s *Server) audit(c *fiber.Ctx) error {
	scopes, err := s.Authz.AuditScopes(c.UserContext(), callerOf(c).UserID)
	if err != nil {
		return err
	}
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	q.Scopes = scopes
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
	return q, nil
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
