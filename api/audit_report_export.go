package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/store"
)

const (
	// exportTimeout bounds one export, however slow the client reads.
	exportTimeout = time.Hour
	// exportWriteTimeout is given to each flushed page: the server's write timeout is meant for
	// one answer, and a year of records takes longer than that to stream.
	exportWriteTimeout = time.Minute
)

// auditCSVHeader names the columns of the CSV export: the fields of AuditItem, in its order.
var auditCSVHeader = []string{"requestId", "time", "userId", "enteId", "comune", "service", "motivo",
	"outcome", "httpStatus", "errorCode", "reason", "workstation", "durationMs", "idOperazioneClient",
	"idOperazioneANPR", "govwayTransactionId", "voucherJti", "correlationId"}

// auditCSVRow renders what /audit shows of a record (never the subject), guarded against
// formula injection.
func auditCSVRow(r *store.AuditRecord, row []string) []string {
	i := auditItem(r)
	row = append(row[:0], i.RequestID, i.Time.UTC().Format(time.RFC3339Nano), strconv.FormatInt(i.UserID, 10),
		strconv.FormatInt(i.EnteID, 10), i.Comune, i.Service, i.Motivo, i.Outcome, strconv.Itoa(i.HTTPStatus),
		string(i.ErrorCode), i.Reason, i.Workstation, strconv.FormatInt(i.DurationMS, 10), i.IDOperazioneClient,
		i.IDOperazioneANPR, i.GovWayTransactionID, i.VoucherJTI, i.CorrelationID)
	for k := range row {
		row[k] = defuse(row[k])
	}
	return row
}

// defuse prefixes a cell that a spreadsheet would read as a formula (OWASP "CSV injection")
// with a single quote. Motivo, reason and workstation come from client applications.
func defuse(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// auditExportCSV streams GET /api/v1/audit/export.csv: RFC 4180 (CRLF, quotes as needed), a
// header row, newest record first.
func (s *Server) auditExportCSV(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="audit.csv"`)
	return s.streamAudit(c, func(w *bufio.Writer, each func(func(*store.AuditRecord) error) error) error {
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		if err := cw.Write(auditCSVHeader); err != nil {
			return err
		}
		row := make([]string, 0, len(auditCSVHeader))
		err := each(func(r *store.AuditRecord) error { return cw.Write(auditCSVRow(r, row)) })
		cw.Flush()
		if err != nil {
			return err
		}
		return cw.Error()
	})
}

// auditExportJSON streams GET /api/v1/audit/export.json: one JSON array of AuditItem, newest
// first, one item per line. An export cut by an error lacks the closing bracket, so it does
// not parse: a reader can never take a partial export for a whole one.
func (s *Server) auditExportJSON(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="audit.json"`)
	return s.streamAudit(c, func(w *bufio.Writer, each func(func(*store.AuditRecord) error) error) error {
		enc := json.NewEncoder(w)
		sep := "[\n"
		err := each(func(r *store.AuditRecord) error {
			if _, err := w.WriteString(sep); err != nil {
				return err
			}
			sep = ","
			return enc.Encode(auditItem(r))
		})
		if err != nil {
			return err
		}
		if sep == "[\n" {
			_, err = w.WriteString("[]\n")
		} else {
			_, err = w.WriteString("]\n")
		}
		return err
	})
}

// streamAudit resolves scopes and filters while errors can still be answered as problems, then
// streams: body writes the records EachAudit walks page by page, flushing each page, so memory
// does not grow with the export. An error once streaming started can only cut the body short;
// it is logged.
func (s *Server) streamAudit(c *fiber.Ctx, body func(w *bufio.Writer, each func(func(*store.AuditRecord) error) error) error) error {
	q, err := s.scopedAuditQuery(c)
	if err != nil {
		return err
	}
	db, log, conn := s.DB, s.log, c.Context().Conn()
	route, reqID := c.Route().Path, requestIDOf(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		n := 0
		each := func(fn func(*store.AuditRecord) error) error {
			return store.EachAudit(ctx, db, q, func(r *store.AuditRecord) error {
				if err := fn(r); err != nil {
					return err
				}
				if n++; n%store.ExportPageSize == 0 {
					_ = conn.SetWriteDeadline(time.Now().Add(exportWriteTimeout))
					if err := w.Flush(); err != nil {
						return fmt.Errorf("client gone: %w", err)
					}
				}
				return nil
			})
		}
		if err := body(w, each); err != nil {
			log.Warn("audit export cut short", "route", route, "requestId", reqID, "records", n, "err", err)
			return
		}
		if err := w.Flush(); err != nil {
			log.Warn("audit export cut short", "route", route, "requestId", reqID, "records", n, "err", err)
		}
	})
	return nil
}
