package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

const (
	// anomalyDefaultDays is the period examined when from is not given.
	anomalyDefaultDays = 7
	// anomalyMaxDays bounds the period: the check reads the period plus 30 days of history.
	anomalyMaxDays = 92
)

// AnomalyList is the answer of GET /api/v1/audit/anomalies.
type AnomalyList struct {
	From  time.Time       `json:"from"`
	To    time.Time       `json:"to"`
	Items []store.Anomaly `json:"items"`
}

// auditAnomalies flags unusual activity in [from, to) among the records the caller may see.
// Defaults: to = now, from = the Europe/Rome midnight anomalyDefaultDays days before.
func (s *Server) auditAnomalies(c *fiber.Ctx) error {
	q, err := s.scopedAuditQuery(c)
	if err != nil {
		return err
	}
	if q.To.IsZero() {
		q.To = s.Now()
	}
	if q.From.IsZero() {
		y, m, d := q.To.In(rome).Date()
		q.From = time.Date(y, m, d-anomalyDefaultDays, 0, 0, 0, 0, rome)
	}
	if !q.From.Before(q.To) || q.To.Sub(q.From) > anomalyMaxDays*24*time.Hour {
		return fail(errcode.InvalidRequest, "from must be before to, at most 92 days apart")
	}
	items, err := store.AuditAnomalies(c.UserContext(), s.DB, q)
	if err != nil {
		return err
	}
	return c.JSON(AnomalyList{From: q.From, To: q.To, Items: items})
}
