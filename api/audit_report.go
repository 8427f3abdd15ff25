package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// scopedAuditQuery parses the /audit filters and attaches the caller's scopes, so that every
// report and export sees exactly what GET /api/v1/audit would show the caller.
func (s *Server) scopedAuditQuery(c *fiber.Ctx) (store.AuditQuery, error) {
	scopes, err := s.Authz.AuditScopes(c.UserContext(), callerOf(c).UserID)
	if err != nil {
		return store.AuditQuery{}, err
	}
	q, err := auditQuery(c)
	if err != nil {
		return q, err
	}
	if err := s.resolveSubject(c, &q); err != nil {
		return q, err
	}
	q.Scopes = scopes
	return q, nil
}

// auditReport answers GET /api/v1/audit/report: counts per day, Ente, user, service or outcome.
func (s *Server) auditReport(c *fiber.Ctx) error {
	q, err := s.scopedAuditQuery(c)
	if err != nil {
		return err
	}
	rep, err := store.AuditReport(c.UserContext(), s.DB, q, c.Query("groupBy"))
	if errors.Is(err, store.ErrBadGroup) {
		return fail(errcode.InvalidRequest, "groupBy must be one of day, ente, user, service, outcome")
	}
	if err != nil {
		return err
	}
	if rep.Rows == nil {
		rep.Rows = []store.ReportRow{} // no records: an empty list, as the contract says, not null
	}
	return c.JSON(rep)
}
