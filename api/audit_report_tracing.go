package api

import (
	"encoding/csv"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// tracingHeader is the header of PDND's tracing file (docs/anpr.md §6).
var tracingHeader = []string{"date", "purpose_id", "token_id", "status", "requests_count"}

// auditTracing answers GET /api/v1/audit/tracing.csv?comune=&date=: the PDND tracing CSV of one
// Comune and one Europe/Rome day, built from the audit. Only a TOP of that Comune may download
// it: it covers every Ente's requests.
func (s *Server) auditTracing(c *fiber.Ctx) error {
	comune := c.Query("comune")
	day, err := time.Parse(time.DateOnly, c.Query("date"))
	if comune == "" || err != nil {
		return fail(errcode.InvalidRequest, "comune and date (YYYY-MM-DD) are required")
	}
	scopes, err := s.Authz.AuditScopes(c.UserContext(), callerOf(c).UserID)
	if err != nil {
		return err
	}
	if !slices.Contains(scopes, store.Scope{ComuneCode: comune}) {
		return fail(errcode.Forbidden, "only a TOP of the Comune downloads its tracing file")
	}
	com, err := store.GetComune(c.UserContext(), s.DB, comune)
	if errors.Is(err, store.ErrNotFound) {
		return fail(errcode.UnknownComune, "no such Comune")
	}
	if err != nil {
		return err
	}
	rows, err := store.TracingRows(c.UserContext(), s.DB, comune, day)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tracing-`+comune+"-"+day.Format(time.DateOnly)+`.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	if err := w.Write(tracingHeader); err != nil {
		return err
	}
	date := day.Format(time.DateOnly)
	for _, r := range rows {
		// A service without a configured purpose cannot have been called through PDND; the
		// cell stays empty rather than inventing one.
		rec := []string{date, com.PurposeIDs[r.Service], r.VoucherJTI, strconv.Itoa(r.HTTPStatus), strconv.FormatInt(r.Count, 10)}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
