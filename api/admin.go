package api

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
	"github.com/varco-anpr/varco/workflows"
)

// The administration API (/api/v1/admin, docs/governance.md). Every handler decides with the
// rbac.Authorizer (the one that authorizes queries) and records one admin_events row per
// action: in the transaction of the change when allowed, on its own when refused or failed.
// Scope errors answer 404 when the caller may not know the object exists (another Comune's
// user, convenzione or grant) and 403 otherwise; nothing changes either way.

// adminReq is one administrative request: who acts, in which Comune, and the event it records.
type adminReq struct {
	s      *Server
	c      *fiber.Ctx
	az     *rbac.Authorizer
	actor  int64
	comune string
	ev     store.AdminEvent
	person *person // set by targetPerson: the action is recorded in every Comune of the person
}

// newAdminReq prepares the request and its event. The Authorizer is the one in Deps.Authz:
// admin decisions and query decisions must come from the same rules. Malformed identifiers
// are refused here, before anything is recorded: an event names only well-formed objects.
func (s *Server) newAdminReq(c *fiber.Ctx, comune, action, objectType, objectID string) (*adminReq, error) {
	az := s.Authz
	if az == nil {
		return nil, fail(errcode.Unavailable, "administration is not available on this server")
	}
	if err := checkIdentifiers(comune, objectID); err != nil {
		return nil, err
	}
	actor := callerOf(c).UserID
	return &adminReq{s: s, c: c, az: az, actor: actor, comune: comune, ev: store.AdminEvent{
		ActorUserID: actor, Comune: comune, Action: action, ObjectType: objectType, ObjectID: objectID,
	}}, nil
}

func (x *adminReq) ctx() context.Context { return x.c.UserContext() }

// inComune checks the caller's standing in the Comune for the endpoint's base permission:
// no role there → 404 (the Comune is none of their business), a role without the permission
// (an AUTORIZZATO) → 403.
func (x *adminReq) inComune(obj, act string) error {
	if !x.az.HasRole(x.actor, x.comune) {
		return x.deny(errcode.NotFound, "no such Comune")
	}
	ok, err := x.az.Can(x.actor, x.comune, obj, act)
	if err != nil {
		return err
	}
	if !ok {
		return x.deny(errcode.Forbidden, "your role does not allow this in the Comune")
	}
	return nil
}

// deny records the refusal and returns the problem to answer.
func (x *adminReq) deny(code errcode.Code, detail string) error {
	x.record(x.s.DB, store.AdminDenied, code)
	return fail(code, detail)
}

// failed records a failed action (its transaction rolled back) and maps err to a problem.
func (x *adminReq) failed(err error) error {
	code, detail := failure(err)
	x.record(x.s.DB, store.AdminFailed, code)
	if code == errcode.Internal {
		return err // logged by the error handler, never shown
	}
	return fail(code, detail)
}

func failure(err error) (errcode.Code, string) {
	var ae *apiError
	if code, detail, ok := sentinelProblem(err); ok {
		return code, detail
	}
	switch {
	case errors.As(err, &ae):
		return ae.code, ae.detail
	case errors.Is(err, errLastTop):
		return errcode.LastTop, "a Comune must keep at least one active TOP"
	case errors.Is(err, store.ErrConflict):
		return errcode.Conflict, "it already exists"
	case errors.Is(err, rbac.ErrNoConvenzione):
		return errcode.InvalidRequest, "the Ente has no convenzione in this Comune"
	case errors.Is(err, store.ErrNotFound):
		return errcode.NotFound, "not found"
	case errors.Is(err, store.ErrInvalidReference):
		return errcode.NotFound, "a referenced object does not exist"
	}
	return errcode.Internal, ""
}

// record writes the event of a refusal or failure outside any transaction, within the
// per-user limit (recordLimited). A lost refusal record must not turn a 403 into a 500, so
// its error is logged only.
func (x *adminReq) record(db bun.IDB, outcome string, code errcode.Code) {
	if err := x.recordLimited(db, outcome, code); err != nil {
		x.s.log.ErrorContext(x.ctx(), "admin event not recorded", "action", x.ev.Action, "error", err)
	}
}

// refusalsPerMinute is how many refused or failed actions of one user are recorded
// individually per clock minute. Refusals cost the caller nothing, so without a bound any
// signed-in user could fill admin_events (and drown the events a TOP must see).
const refusalsPerMinute = 30

// actionRefusalsSuppressed is the summary event written instead of the first refusal over
// the limit; the rest of that minute's refusals are answered but not recorded (the access
// log still lists every request).
const actionRefusalsSuppressed = "admin.refusals_suppressed"

// recordLimited records a refusal or failure unless the user already has refusalsPerMinute
// of them in the current minute: then it writes one summary event, then nothing until the
// next minute. The count is read from admin_events (index admin_events_actor_at_idx), so
// replicas share the limit; concurrent refusals may overshoot it by the few in flight.
func (x *adminReq) recordLimited(db bun.IDB, outcome string, code errcode.Code) error {
	minute := x.s.Now().Truncate(time.Minute)
	n, err := store.CountAdminEventsSince(x.ctx(), db, x.actor, minute, store.AdminDenied, store.AdminFailed)
	if err != nil {
		return err
	}
	switch {
	case n < refusalsPerMinute:
		return x.recordIn(db, outcome, code)
	case n == refusalsPerMinute:
		return x.recordSuppressed(db, minute, code)
	}
	return nil
}

// recordSuppressed writes the summary event: from now until the end of minute, this user's
// refusals are not recorded one by one.
func (x *adminReq) recordSuppressed(db bun.IDB, minute time.Time, code errcode.Code) error {
	ev := store.AdminEvent{At: x.s.Now(), ActorUserID: x.actor, Comune: x.comune, EnteID: x.ev.EnteID,
		Action: actionRefusalsSuppressed, ObjectType: "user", ObjectID: strconv.FormatInt(x.actor, 10),
		After: snapshot(map[string]any{"limit": refusalsPerMinute, "from": minute, "until": minute.Add(time.Minute),
			"firstSuppressed": x.ev.Action}),
		Outcome: store.AdminDenied, ErrorCode: code}
	return store.InsertAdminEvent(x.ctx(), db, &ev)
}

// recordIn writes the action's events with db (the change's transaction when allowed), all
// stamped with the API's clock.
func (x *adminReq) recordIn(db bun.IDB, outcome string, code errcode.Code) error {
	at := x.s.Now()
	for _, ev := range x.events(outcome, code) {
		ev.At = at
		if err := store.InsertAdminEvent(x.ctx(), db, &ev); err != nil {
			return err
		}
	}
	return nil
}

// snapshot is the JSON text of a view for the event's before/after. Views never hold
// passwords or hashes.
func snapshot(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// checkIdentifiers refuses (400) a Comune that is not a codice catastale and an object id
// that is not a positive integer. "" means the route has none.
func checkIdentifiers(comune, objectID string) error {
	if comune != "" && !workflows.IsComuneCode(comune) {
		return fail(errcode.InvalidRequest, "comune must be a codice catastale (e.g. H501)")
	}
	if objectID != "" {
		if n, err := strconv.ParseInt(objectID, 10, 64); err != nil || n <= 0 {
			return fail(errcode.InvalidRequest, "the id in the path must be a positive integer")
		}
	}
	return nil
}

// checkBodyID refuses (400) a negative id in a body, and a missing one when required; 0
// means "omitted".
func checkBodyID(name string, v int64, required bool) error {
	if v < 0 || (required && v == 0) {
		return fail(errcode.InvalidRequest, name+" must be a positive integer")
	}
	return nil
}

// pathID reads a positive integer path parameter (checkIdentifiers has refused anything else).
func pathID(c *fiber.Ctx, name string) (int64, bool) {
	n, err := strconv.ParseInt(c.Params(name), 10, 64)
	return n, err == nil && n > 0
}

var errLastTop = errors.New("api: the last active TOP of a Comune")

// keepTops fails with errLastTop when, inside tx after the change, one of the Comuni has no
// active TOP left.
func keepTops(ctx context.Context, tx bun.IDB, comuni []string) error {
	for _, comune := range comuni {
		tops, err := store.ActiveTops(ctx, tx, comune)
		if err != nil {
			return err
		}
		if len(tops) == 0 {
			return errLastTop
		}
	}
	return nil
}
