package console

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// The MONITORAGGIO pages. Every figure comes from the audit API (/api/v1/audit…), which
// scopes it to the caller: the whole Comune for a TOP, their Ente for an ADMIN, their own
// records for an AUTORIZZATO.

type auditItem struct {
	RequestID        string    `json:"requestId"`
	Time             time.Time `json:"time"`
	UserID           int64     `json:"userId"`
	EnteID           int64     `json:"enteId"`
	Comune           string    `json:"comune"`
	Service          string    `json:"service"`
	Motivo           string    `json:"motivo"`
	Outcome          string    `json:"outcome"`
	HTTPStatus       int       `json:"httpStatus"`
	ErrorCode        string    `json:"errorCode"`
	Reason           string    `json:"reason"`
	Workstation      string    `json:"workstation"`
	DurationMS       int64     `json:"durationMs"`
	IDOperazioneANPR string    `json:"idOperazioneANPR"`
	IDOperazioneCli  string    `json:"idOperazioneClient"`
	GovWayID         string    `json:"govwayTransactionId"`
	Seq              int64     `json:"seq"`
	BatchID          string    `json:"batchId"`
}

func (x *Console) mountMonitor(g fiber.Router) {
	g.Get("/registro", x.signedIn(x.auditPage))
	g.Get("/registro.csv", x.signedIn(x.auditCSV))
	g.Get("/richieste/:id", x.signedIn(x.requestPage))
	g.Get("/lotti/:id", x.signedIn(x.batchPage))
	g.Get("/cruscotto", x.staff(x.dashboard))
	g.Get("/diretta", x.staff(x.livePage))
	g.Get("/diretta/flusso", x.staff(x.liveStream))
	g.Get("/integrita", x.staff(x.integrityPage))
	g.Post("/integrita", x.staff(x.verify))
	g.Post("/integrita/ancora", x.staff(x.takeAnchor))
	g.Get("/integrita/ancora.json", x.staff(x.downloadAnchor))
	g.Post("/integrita/verifica-ancore", x.staff(x.checkAnchors))
}

// names resolves user and Ente ids to names, as far as the caller may read them (an
// AUTORIZZATO reads no user list: their own records name only them).
type names struct {
	Users map[int64]string
	Enti  map[int64]string
}

func (n names) User(id int64) string {
	if s, ok := n.Users[id]; ok {
		return s
	}
	return "utente n. " + strconv.FormatInt(id, 10)
}

func (n names) Ente(id int64) string {
	if id == 0 {
		return "—"
	}
	if s, ok := n.Enti[id]; ok {
		return s
	}
	return "Ente n. " + strconv.FormatInt(id, 10)
}

func (x *Console) names(c *fiber.Ctx) names {
	n := names{Users: map[int64]string{}, Enti: map[int64]string{}}
	s := sessionOf(c)
	n.Users[s.me.ID] = s.me.DisplayName + " (" + s.me.Username + ")"
	if _, r, _ := role(s.me); r == "AUTORIZZATO" {
		return n
	}
	if users, err := x.users(c); err == nil {
		for _, u := range users {
			n.Users[u.ID] = u.DisplayName + " (" + u.Username + ")"
		}
	}
	if enti, err := x.enti(c); err == nil {
		for _, e := range enti {
			n.Enti[e.ID] = e.Name
		}
	}
	return n
}

// filters are the /api/v1/audit filters the search form passes through, by the API's names.
var filters = []string{"from", "to", "service", "outcome", "ente", "user", "subject", "batch", "cursor"}

// auditQuery builds the API query of the search form. An AUTORIZZATO's is bounded to the
// last 30 days: what the issue lets them see (the API scopes them to their own records).
func (x *Console) auditQuery(c *fiber.Ctx, limit int) url.Values {
	q := url.Values{}
	for _, f := range filters {
		if v := strings.TrimSpace(c.Query(f)); v != "" {
			q.Set(f, v)
		}
	}
	for _, f := range []string{"from", "to"} { // the form's dates are Rome days
		if d, err := time.ParseInLocation(time.DateOnly, q.Get(f), rome); err == nil {
			if f == "to" {
				d = d.AddDate(0, 0, 1)
			}
			q.Set(f, d.UTC().Format(time.RFC3339))
		}
	}
	if _, r, _ := role(sessionOf(c).me); r == "AUTORIZZATO" {
		since := x.Now().AddDate(0, 0, -30)
		if from, err := time.Parse(time.RFC3339, q.Get("from")); err != nil || from.Before(since) {
			q.Set("from", since.UTC().Format(time.RFC3339))
		}
	}
	q.Set("comune", comuneOf(c))
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

type auditData struct {
	Items []auditItem
	Names names
	Next  string // the query string of the next page
	Form  map[string]string
	CSV   string
	Svc   []service
}

func (x *Console) auditPage(c *fiber.Ctx) error {
	q := x.auditQuery(c, 50)
	var page items[auditItem]
	d := auditData{Form: map[string]string{}, Svc: services()}
	for _, f := range filters {
		d.Form[f] = c.Query(f)
	}
	if err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/audit?"+q.Encode(), nil, &page); err != nil {
		if err == errSignedOut {
			return x.fail(c, err)
		}
		return x.render(c, statusOf(err), "registro", view{Title: "Registro accessi", Nav: "registro", Data: d, Error: explain(err)})
	}
	d.Items, d.Names = page.Items, x.names(c)
	if page.Next != "" {
		nq := url.Values{}
		for _, f := range filters {
			if v := c.Query(f); v != "" && f != "cursor" {
				nq.Set(f, v)
			}
		}
		nq.Set("cursor", page.Next)
		d.Next = nq.Encode()
	}
	csv := url.Values{}
	for _, f := range filters {
		if v := c.Query(f); v != "" && f != "cursor" {
			csv.Set(f, v)
		}
	}
	d.CSV = csv.Encode()
	return x.render(c, fiber.StatusOK, "registro", view{Title: "Registro accessi", Nav: "registro", Data: d})
}

// auditCSV passes the API's CSV export through, with the same filters.
func (x *Console) auditCSV(c *fiber.Ctx) error {
	q := x.auditQuery(c, 0)
	q.Del("cursor")
	status, ct, body := x.raw(c, sessionOf(c), "/api/v1/audit/export.csv?"+q.Encode())
	if status != fiber.StatusOK {
		p := &problem{Status: status}
		_ = json.Unmarshal(body, p)
		return x.fail(c, p)
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="registro-accessi.csv"`)
	return c.Send(body)
}

type requestData struct {
	R     auditItem
	Names names
	UI    string
}

func (x *Console) requestPage(c *fiber.Ctx) error {
	var r auditItem
	if err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/requests/"+url.PathEscape(c.Params("id")), nil, &r); err != nil {
		return x.fail(c, err)
	}
	d := requestData{R: r, Names: x.names(c)}
	if _, role, _ := role(sessionOf(c).me); role == "TOP" && x.TemporalUIURL != "" {
		// The Web UI signs TOPs in through Varco; the workflow id is the request id.
		d.UI = x.TemporalUIURL + "/namespaces/comune-" + strings.ToLower(r.Comune) + "/workflows/" + url.PathEscape(r.RequestID)
	}
	return x.render(c, fiber.StatusOK, "richiesta", view{Title: "Richiesta " + r.RequestID, Nav: "registro", Data: d})
}

func (x *Console) livePage(c *fiber.Ctx) error {
	return x.render(c, fiber.StatusOK, "diretta", view{Title: "In diretta", Nav: "diretta"})
}

// liveStream sends the newest records as server-sent events: every 2 s it asks the API for
// the newest 20 and sends those not sent yet; the page adds each as a row (once: it skips ids
// it has). A stream lasts 24 s, within the server's write timeout, and the browser reconnects
// by itself after the retry delay the stream sets.
func (x *Console) liveStream(c *fiber.Ctx) error {
	s := sessionOf(c)
	nm := x.names(c)
	base := x.auditQuery(c, 20)
	ctx := c.UserContext()
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(fasthttp.StreamWriter(func(w *bufio.Writer) {
		seen := map[string]bool{}
		first := true
		fmt.Fprint(w, "retry: 1000\n\n")
		for i := 0; i < 12; i++ {
			var page items[auditItem]
			status, _, raw := x.API(ctx, fiber.MethodGet, "/api/v1/audit?"+base.Encode(), s.access, nil)
			if status != fiber.StatusOK || json.Unmarshal(raw, &page) != nil {
				return // signed out or refused: the stream ends, the page says so
			}
			for j := len(page.Items) - 1; j >= 0; j-- { // oldest first, so rows stack newest on top
				it := page.Items[j]
				if seen[it.RequestID] {
					continue
				}
				seen[it.RequestID] = true
				ev, _ := json.Marshal(map[string]any{"id": it.RequestID, "ora": it.Time.In(rome).Format("15:04:05"),
					"utente": nm.User(it.UserID), "ente": nm.Ente(it.EnteID), "servizio": it.Service,
					"esito": it.Outcome, "nuovo": !first})
				fmt.Fprintf(w, "event: richiesta\ndata: %s\n\n", ev)
			}
			first = false
			if w.Flush() != nil {
				return // the browser left
			}
			time.Sleep(2 * time.Second)
		}
	}))
	return nil
}

// verification is the last check of a Comune's audit run from the console.
type verification struct {
	At     time.Time
	By     string
	Result map[string]any
}

// verifications keeps the last check and the last anchor of each Comune, in memory: a
// restart forgets them, the check is cheap to run again and the anchor is the office's to keep.
type verifications struct {
	mu      sync.Mutex
	last    map[string]verification
	anchors map[string]string
}

func (x *Console) integrityPage(c *fiber.Ctx) error { return x.integrity(c, "", nil) }

// integrity renders the page with the pasted anchors and the API's check of them, if any.
func (x *Console) integrity(c *fiber.Ctx, pasted string, check *anchorCheck) error {
	d := integrityData{Pasted: pasted, Check: check}
	x.verified.mu.Lock()
	if v, ok := x.verified.last[comuneOf(c)]; ok {
		d.Verified = &v
	}
	d.Anchor = x.verified.anchors[comuneOf(c)]
	x.verified.mu.Unlock()
	return x.render(c, fiber.StatusOK, "integrita", view{Title: "Integrità del registro", Nav: "integrita", Data: d, Error: formErrorOf(c)})
}

// verify runs GET /api/v1/audit/verify (the whole chain and its signed checkpoints).
func (x *Console) verify(c *fiber.Ctx) error {
	cm := comuneOf(c)
	res := map[string]any{}
	if err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/audit/verify?comune="+cm, nil, &res); err != nil {
		return x.fail(c, err)
	}
	x.verified.mu.Lock()
	x.verified.last[cm] = verification{At: x.Now(), By: sessionOf(c).me.Username, Result: res}
	x.verified.mu.Unlock()
	return c.Redirect(Prefix+"/integrita", fiber.StatusSeeOther)
}
