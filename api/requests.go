package api

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/workflows"
)

var reRequestID = regexp.MustCompile(`^rq-[a-z][0-9]{3}-[0-9a-f-]{32,36}$`)

// comuneOfRequest reads the Comune out of a request id (validated by reRequestID).
func comuneOfRequest(id string) string { return strings.ToUpper(id[3:7]) }

// RequestOutcome is GET /api/v1/requests/{id}: the audited outcome, and for its author the
// data of a successful request (so a client that got 504 can still collect its answer).
type RequestOutcome struct {
	AuditItem
	Status   string            `json:"status"`
	Soggetti []json.RawMessage `json:"soggetti,omitempty"`
	Anomalie []json.RawMessage `json:"anomalie,omitempty"`
}

func (s *Server) request(c *fiber.Ctx) error {
	id := c.Params("id")
	if !reRequestID.MatchString(id) {
		return fail(errcode.RequestNotFound, "no such request")
	}
	who := callerOf(c)
	rec, err := store.GetAudit(c.UserContext(), s.DB, id)
	if errors.Is(err, store.ErrNotFound) {
		return s.pending(c, id, who)
	}
	if err != nil {
		return err
	}
	visible, err := s.mayRead(c.UserContext(), who.UserID, rec)
	if err != nil {
		return err
	}
	if !visible {
		// 404, not 403: whoever may not see a request may not learn that it exists.
		return fail(errcode.RequestNotFound, "no such request")
	}
	out := RequestOutcome{AuditItem: auditItem(rec), Status: "completed"}
	if rec.UserID == who.UserID && rec.Outcome == workflows.OutcomeOK {
		s.attachResult(c.UserContext(), id, &out)
	}
	return c.JSON(out)
}

func (s *Server) mayRead(ctx context.Context, userID int64, rec *store.AuditRecord) (bool, error) {
	if rec.UserID == userID {
		return true, nil
	}
	scopes, err := s.Authz.AuditScopes(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, sc := range scopes {
		if sc.ComuneCode == rec.ComuneCode && (sc.EnteID == 0 || sc.EnteID == rec.EnteID) &&
			(sc.UserID == 0 || sc.UserID == rec.UserID) {
			return true, nil
		}
	}
	return false, nil
}

// attachResult adds the workflow's answer while Temporal still retains it.
func (s *Server) attachResult(ctx context.Context, id string, out *RequestOutcome) {
	tc, err := s.Clients.Client(comuneOfRequest(id))
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var res workflows.QueryResult
	if err := tc.GetWorkflow(ctx, id, "").Get(ctx, &res); err == nil {
		out.Soggetti, out.Anomalie = res.Soggetti, res.Anomalie
	}
}

// pending answers for a request whose audit is not written yet: 202 to its author while the
// workflow runs, 404 to everyone else.
func (s *Server) pending(c *fiber.Ctx, id string, who caller) error {
	tc, err := s.Clients.Client(comuneOfRequest(id))
	if err != nil {
		return fail(errcode.RequestNotFound, "no such request")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	desc, err := tc.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return fail(errcode.RequestNotFound, "no such request")
	}
	info := desc.GetWorkflowExecutionInfo()
	var user string
	if f := info.GetSearchAttributes().GetIndexedFields()[workflows.SAUser.GetName()]; f != nil {
		_ = json.Unmarshal(f.GetData(), &user)
	}
	if user != workflows.UserKey(who.UserID) || info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return fail(errcode.RequestNotFound, "no such request")
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"requestId": id, "status": "running"})
}
