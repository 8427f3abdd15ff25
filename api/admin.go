package api

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/rbac"
)

// The administration API (/api/v1/admin, docs/governance.md). Every handler decides with the
// rbac.Authorizer (the one that authorizes queries) and records one admin_events row per
// action: in the transaction of the change when allowed, on its own when refused or failed.
// Scope errors answer 404 when the caller may not know the object exists (another Comune's
// user, convenzione or grant) and 403 otherwise; nothing changes either way.

func (s *Server) adminRoutes(v1 fiber.Router) {
	a := s.authenticate
	v1.Post("/admin/enti", a, s.createEnte)
	v1.Get("/admin/enti", a, s.listEnti)
	v1.Get("/admin/enti/:id", a, s.getEnte)
	v1.Get("/admin/events", a, s.adminEvents)
	const cm = "/admin/comuni/:comune"
	v1.Post(cm+"/convenzioni", a, s.createConvenzione)
	v1.Get(cm+"/convenzioni", a, s.listConvenzioni)
	v1.Patch(cm+"/convenzioni/:id", a, s.patchConvenzione)
	v1.Post(cm+"/users", a, s.createUser)
	v1.Get(cm+"/users", a, s.listUsers)
	v1.Get(cm+"/users/:id", a, s.getUser)
	v1.Patch(cm+"/users/:id", a, s.patchUser)
	v1.Delete(cm+"/users/:id", a, s.deleteUser)
	v1.Post(cm+"/users/:id/suspend", a, s.suspendUser)
	v1.Post(cm+"/users/:id/reactivate", a, s.reactivateUser)
	v1.Post(cm+"/users/:id/reset-credentials", a, s.resetCredentials)
	v1.Post(cm+"/grants", a, s.createGrant)
	v1.Delete(cm+"/grants/:id", a, s.deleteGrant)
}

// adminReq is one administrative request: who acts, in which Comune, and the event it records.
type adminReq struct {
	s      *Server
	c      *fiber.Ctx
	az     *rbac.Authorizer
	actor  int64
	comune string
	ev     store.AdminEvent
}

// newAdminReq prepares the request and its event. The Authorizer is the one in Deps.Authz:
// admin decisions and query decisions must come from the same rules.
func (s *Server) newAdminReq(c *fiber.Ctx, comune, action, objectType, objectID string) (*adminReq, error) {
	az, ok := s.Authz.(*rbac.Authorizer)
	if !ok {
		return nil, fail(errcode.Unavailable, "administration is not available on this server")
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
func (x *adminReq) deny(code, detail string) error {
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

func failure(err error) (string, string) {
	var ae *apiError
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

// record writes the event outside any transaction (refusals, failures). A lost refusal
// record must not turn a 403 into a 500, so its error is logged only.
func (x *adminReq) record(db bun.IDB, outcome, code string) {
	if err := x.recordIn(db, outcome, code); err != nil {
		x.s.log.ErrorContext(x.ctx(), "admin event not recorded", "action", x.ev.Action, "error", err)
	}
}

// recordIn writes the event with db (the change's transaction when allowed).
func (x *adminReq) recordIn(db bun.IDB, outcome, code string) error {
	ev := x.ev
	ev.Outcome, ev.ErrorCode = outcome, code
	return store.InsertAdminEvent(x.ctx(), db, &ev)
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

// pathID reads a positive integer path parameter; anything else is a 404 (no such object).
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
