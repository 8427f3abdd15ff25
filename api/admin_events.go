package api

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
)

// AdminEventItem is one admin event as the API shows it.
type AdminEventItem struct {
	ID          int64        `json:"id"`
	At          time.Time    `json:"at"`
	ActorUserID int64        `json:"actorUserId"`
	Comune      string       `json:"comune"`
	EnteID      int64        `json:"enteId,omitempty"`
	Action      string       `json:"action"`
	ObjectType  string       `json:"objectType"`
	ObjectID    string       `json:"objectId,omitempty"`
	Before      string       `json:"before,omitempty"`
	After       string       `json:"after,omitempty"`
	Outcome     string       `json:"outcome"`
	ErrorCode   errcode.Code `json:"errorCode,omitempty"`
}

// adminEvents lists the admin events the caller may read: a TOP its Comune's, an ADMIN its
// Ente's; filters and cursor as GET /api/v1/audit.
func (s *Server) adminEvents(c *fiber.Ctx) error {
	x, err := s.newAdminReq(c, "", "event.list", "admin_event", "")
	if err != nil {
		return err
	}
	scopes, err := x.az.AdminEventScopes(x.ctx(), x.actor)
	if err != nil {
		return err
	}
	if len(scopes) == 0 {
		return x.deny(errcode.Forbidden, "you may read no admin events")
	}
	q, err := adminEventQuery(c)
	if err != nil {
		return err
	}
	q.Scopes = scopes
	evs, next, err := store.ListAdminEvents(x.ctx(), s.DB, q)
	if err != nil { // a forged cursor is a 400 through sentinelProblems
		return err
	}
	items := make([]AdminEventItem, 0, len(evs))
	for _, e := range evs {
		items = append(items, AdminEventItem{ID: e.ID, At: e.At, ActorUserID: e.ActorUserID, Comune: e.Comune,
			EnteID: e.EnteID, Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID,
			Before: e.Before, After: e.After, Outcome: e.Outcome, ErrorCode: e.ErrorCode})
	}
	return c.JSON(fiber.Map{"items": items, "next": next})
}

func adminEventQuery(c *fiber.Ctx) (store.AdminEventQuery, error) {
	q := store.AdminEventQuery{Comune: c.Query("comune"), Action: c.Query("action"),
		Outcome: c.Query("outcome"), Cursor: c.Query("cursor")}
	if err := checkIdentifiers(q.Comune, ""); err != nil {
		return q, err
	}
	var err error
	if q.ActorID, err = optInt(c, "actor"); err != nil {
		return q, err
	}
	if q.EnteID, err = optInt(c, "ente"); err != nil {
		return q, err
	}
	limit, err := optInt(c, "limit")
	if err != nil || limit > 500 {
		return q, fail(errcode.InvalidRequest, "limit must be between 1 and 500")
	}
	q.Limit = int(limit)
	if q.From, err = optTime(c, "from"); err != nil {
		return q, err
	}
	q.To, err = optTime(c, "to")
	return q, err
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
