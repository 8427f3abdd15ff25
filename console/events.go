package console

import (
	"bytes"
	"encoding/json"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The admin-event log (GET /api/v1/admin/events): who changed what, when, before and after.

type adminEvent struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	ActorUserID int64     `json:"actorUserId"`
	EnteID      int64     `json:"enteId"`
	Action      string    `json:"action"`
	ObjectType  string    `json:"objectType"`
	ObjectID    string    `json:"objectId"`
	Before      string    `json:"before"`
	After       string    `json:"after"`
	Outcome     string    `json:"outcome"`
	ErrorCode   string    `json:"errorCode"`
}

type eventsData struct {
	Items []adminEvent
	Names names
	Next  string
}

func (x *Console) eventsPage(c *fiber.Ctx) error {
	q := url.Values{"comune": {comuneOf(c)}, "limit": {"50"}}
	if cur := c.Query("cursor"); cur != "" {
		q.Set("cursor", cur)
	}
	var page items[adminEvent]
	if err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/admin/events?"+q.Encode(), nil, &page); err != nil {
		return x.fail(c, err)
	}
	for i := range page.Items {
		page.Items[i].Before, page.Items[i].After = indent(page.Items[i].Before), indent(page.Items[i].After)
	}
	d := eventsData{Items: page.Items, Names: x.names(c)}
	if page.Next != "" {
		d.Next = url.Values{"cursor": {page.Next}}.Encode()
	}
	return x.render(c, fiber.StatusOK, "eventi", view{Title: "Eventi amministrativi", Nav: "eventi", Data: d})
}

// indent lays a snapshot out one field a line.
func indent(s string) string {
	var b bytes.Buffer
	if s == "" || json.Indent(&b, []byte(s), "", " ") != nil {
		return s
	}
	return b.String()
}
