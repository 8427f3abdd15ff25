package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

// DefaultBatchRetention is how long a batch's results are kept when Deps leaves it unset.
const DefaultBatchRetention = 7 * 24 * time.Hour

// BatchStatus is GET /api/v1/batches/{id}.
type BatchStatus struct {
	BatchID   string    `json:"batchId"`
	Status    string    `json:"status"`
	Service   string    `json:"service"`
	Comune    string    `json:"comune"`
	CreatedAt time.Time `json:"createdAt"`
	Total     int       `json:"total"`
	Done      int       `json:"done"`
	OK        int       `json:"ok"`
	NotFound  int       `json:"notFound"`
	Failed    int       `json:"failed"`
	Denied    int       `json:"denied"`
	// Waiting is why the batch waits ("quota": the user's or Ente's daily quota; "anpr_pause":
	// ANPR's), WaitingUntil when it checks again.
	Waiting      string     `json:"waiting,omitempty"`
	WaitingUntil *time.Time `json:"waitingUntil,omitempty"`
	EstimatedEnd *time.Time `json:"estimatedEnd,omitempty"`
	FinishedAt   *time.Time `json:"finishedAt,omitempty"`
	ResultsUntil time.Time  `json:"resultsUntil"`
	Purged       bool       `json:"purged,omitempty"`
}

func (s *Server) createBatch(c *fiber.Ctx) error {
	req, lines, err := parseBatch(c)
	if err != nil {
		return err
	}
	service, err := batchService(req.Service)
	if err != nil {
		return err
	}
	if !workflows.IsComuneCode(req.Comune) {
		return fail(errcode.InvalidRequest, "comune must be a codice catastale such as H501")
	}
	motivo := strings.TrimSpace(req.Motivo)
	if motivo == "" || len(motivo) > 200 {
		return fail(errcode.InvalidRequest, "motivo is required (the case reference, at most 200 characters)")
	}
	now := s.Now()
	day, err := referenceDay(req.DataRiferimento, now)
	if err != nil {
		return err
	}
	subjects, err := validateSubjects(req.Soggetti, lines, service)
	if err != nil {
		return err
	}
	ws, err := workstation(c)
	if err != nil {
		return err
	}
	who := callerOf(c)
	id, err := batchID(c.Get("Idempotency-Key"), req.Comune, who.UserID)
	if err != nil {
		return err
	}
	tc, err := s.Clients.Client(req.Comune)
	if err != nil {
		return fail(errcode.UnknownComune, "no Comune "+req.Comune+" is registered in Varco")
	}
	if s.Sealer == nil {
		return fail(errcode.Unavailable, "this API instance has no seal key: it cannot start batches")
	}
	fp := batchFingerprint(service, req.Comune, motivo, day, subjects)
	b, err := store.Batches{DB: s.DB}.Create(c.UserContext(), &store.Batch{ID: id, ComuneCode: req.Comune, UserID: who.UserID,
		Service: service, Motivo: motivo, Total: len(subjects), Fingerprint: fp, CreatedAt: now, ExpiresAt: now.Add(s.batchRetention())})
	if err != nil {
		return err
	}
	if b.Fingerprint != fp {
		return fail(errcode.IdempotencyConflict, "this Idempotency-Key was used for a different batch; use a new key")
	}
	in := s.Sealer.SealBatch(workflows.BatchInput{BatchID: id, UserID: who.UserID, Comune: req.Comune, Service: service,
		Motivo: motivo, DataRiferimento: day, Workstation: ws, LoA: who.LoA, ReceivedAt: now,
		Deadline: now.Add(s.RequestTimeout), Subjects: subjects})
	if err := s.startBatch(c.UserContext(), tc, in); err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/v1/batches/"+id)
	return c.Status(fiber.StatusAccepted).JSON(BatchAccepted{BatchID: id, Status: b.Status, Total: b.Total})
}

func (s *Server) batchRetention() time.Duration {
	if s.BatchRetention > 0 {
		return s.BatchRetention
	}
	return DefaultBatchRetention
}

// startBatch starts the batch's workflow, or finds it started by an earlier submission.
func (s *Server) startBatch(ctx context.Context, tc client.Client, in workflows.BatchInput) error {
	_, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       in.BatchID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SAComune.ValueSet(in.Comune),
			workflows.SAUser.ValueSet(workflows.UserKey(in.UserID)), workflows.SAService.ValueSet(in.Service)),
	}, workflows.AnprBatch, in)
	if err != nil && !isAlreadyStarted(err) {
		s.log.Error("start batch workflow", "batchId", in.BatchID, "error", err)
		return &apiError{code: errcode.Unavailable, detail: "the workflow engine is unavailable; submit again with the same Idempotency-Key"}
	}
	return nil
}

// visibleBatch reads a batch that the caller may see: its submitter, or a TOP/ADMIN whose
// audit scope covers it. Anyone else gets 404, as for a batch that does not exist.
func (s *Server) visibleBatch(c *fiber.Ctx) (*store.Batch, bool, error) {
	id := c.Params("id")
	if !reBatchID.MatchString(id) {
		return nil, false, fail(errcode.BatchNotFound, "no such batch")
	}
	b, err := store.Batches{DB: s.DB}.Get(c.UserContext(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, fail(errcode.BatchNotFound, "no such batch")
	}
	if err != nil {
		return nil, false, err
	}
	who := callerOf(c)
	if b.UserID == who.UserID {
		return b, true, nil
	}
	ok, err := s.mayRead(c.UserContext(), who.UserID, &store.AuditRecord{ComuneCode: b.ComuneCode, EnteID: b.EnteID, UserID: b.UserID})
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, fail(errcode.BatchNotFound, "no such batch")
	}
	return b, false, nil
}

func (s *Server) getBatch(c *fiber.Ctx) error {
	b, _, err := s.visibleBatch(c)
	if err != nil {
		return err
	}
	counts, err := store.Batches{DB: s.DB}.Counts(c.UserContext(), b.ID)
	if err != nil {
		return err
	}
	return c.JSON(batchStatus(b, counts, s.Now()))
}

func batchStatus(b *store.Batch, n store.BatchCounts, now time.Time) BatchStatus {
	out := BatchStatus{BatchID: b.ID, Status: b.Status, Service: b.Service, Comune: b.ComuneCode, CreatedAt: b.CreatedAt,
		Total: b.Total, Done: n.Done, OK: n.ByOutcome[workflows.OutcomeOK], NotFound: n.ByOutcome[workflows.OutcomeNotFound],
		Failed: n.ByOutcome[workflows.OutcomeFailed], Denied: n.ByOutcome[workflows.OutcomeDenied],
		Waiting: b.Waiting, WaitingUntil: b.WaitingUntil, FinishedAt: b.FinishedAt, ResultsUntil: b.ExpiresAt,
		Purged: b.PurgedAt != nil}
	if b.Status == store.BatchRunning && n.Done > 0 && n.Done < b.Total {
		// The pace so far, from the submission (or the end of the wait) on.
		from := now
		if b.WaitingUntil != nil && b.WaitingUntil.After(now) {
			from = *b.WaitingUntil
		}
		per := now.Sub(b.CreatedAt) / time.Duration(n.Done)
		end := from.Add(per * time.Duration(b.Total-n.Done)).UTC().Truncate(time.Second)
		out.EstimatedEnd = &end
	}
	return out
}

// batchResults streams the results in input order, as JSON lines or CSV (Accept). Only the
// submitter reads them: they hold ANPR's data. A scoped TOP reads the audit records instead.
func (s *Server) batchResults(c *fiber.Ctx) error {
	b, own, err := s.visibleBatch(c)
	if err != nil {
		return err
	}
	if !own {
		return fail(errcode.Forbidden, "only the user who submitted the batch reads its results; the audit lists its requests (GET /api/v1/audit?batch="+b.ID+")")
	}
	if b.PurgedAt != nil {
		return fail(errcode.BatchNotFound, "the batch's results were purged at the end of their retention period")
	}
	asCSV := strings.Contains(c.Get(fiber.HeaderAccept), "text/csv")
	ctx := context.WithoutCancel(c.UserContext())
	comune := b.ComuneCode
	if asCSV {
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	} else {
		c.Set(fiber.HeaderContentType, "application/x-ndjson")
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		write := s.resultWriter(w, asCSV)
		err := store.Batches{DB: s.DB}.EachResult(ctx, b.ID, func(r store.BatchResult) error {
			plain, err := s.Codec.OpenBlob(workflows.BatchResultPurpose(comune), r.Sealed)
			if err != nil {
				return err
			}
			var body workflows.BatchResultBody
			if err := json.Unmarshal(plain, &body); err != nil {
				return err
			}
			return write(body)
		})
		if err != nil {
			s.log.Error("stream batch results", "batchId", b.ID, "error", err)
		}
		_ = w.Flush()
	})
	return nil
}

// resultCSVHeader is the header of the CSV results.
var resultCSVHeader = []string{"riga", "riferimento", "codiceFiscale", "idANPR", "requestId", "esito", "codiceErrore", "dettaglio", "idOperazioneANPR", "soggetti"}

func (s *Server) resultWriter(w *bufio.Writer, asCSV bool) func(workflows.BatchResultBody) error {
	if !asCSV {
		enc := json.NewEncoder(w)
		return func(b workflows.BatchResultBody) error { return enc.Encode(b) }
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(resultCSVHeader)
	return func(b workflows.BatchResultBody) error {
		soggetti := ""
		if len(b.Soggetti) > 0 {
			raw, _ := json.Marshal(b.Soggetti)
			soggetti = string(raw)
		}
		err := cw.Write([]string{strconv.Itoa(b.Line), b.Reference, b.Criteria.CodiceFiscale, b.Criteria.IDANPR, b.RequestID,
			b.Outcome, string(b.ErrorCode), b.Detail, b.IDOperazioneANPR, soggetti})
		cw.Flush()
		return err
	}
}

// cancelBatch cancels a running batch: subjects already answered keep their results.
func (s *Server) cancelBatch(c *fiber.Ctx) error {
	b, own, err := s.visibleBatch(c)
	if err != nil {
		return err
	}
	if !own {
		return fail(errcode.Forbidden, "only the user who submitted the batch cancels it")
	}
	if b.Status == store.BatchRunning {
		tc, err := s.Clients.Client(b.ComuneCode)
		if err != nil {
			return fail(errcode.Unavailable, "the Comune's workflow engine is unavailable")
		}
		if err := tc.CancelWorkflow(c.UserContext(), b.ID, ""); err != nil {
			s.log.Error("cancel batch", "batchId", b.ID, "error", err)
			return fail(errcode.Unavailable, "the batch could not be cancelled now; try again")
		}
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"batchId": b.ID, "status": "cancelling"})
}

func isAlreadyStarted(err error) bool {
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	return errors.As(err, &started)
}
