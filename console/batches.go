package console

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
)

// batchStatus is GET /api/v1/batches/{id}.
type batchStatus struct {
	BatchID      string     `json:"batchId"`
	Status       string     `json:"status"`
	Service      string     `json:"service"`
	Comune       string     `json:"comune"`
	CreatedAt    time.Time  `json:"createdAt"`
	Total        int64      `json:"total"`
	Done         int64      `json:"done"`
	OK           int64      `json:"ok"`
	NotFound     int64      `json:"notFound"`
	Failed       int64      `json:"failed"`
	Denied       int64      `json:"denied"`
	Waiting      string     `json:"waiting"`
	WaitingUntil *time.Time `json:"waitingUntil"`
	EstimatedEnd *time.Time `json:"estimatedEnd"`
	FinishedAt   *time.Time `json:"finishedAt"`
	ResultsUntil time.Time  `json:"resultsUntil"`
	Purged       bool       `json:"purged"`
}

// batchStates are the Italian words of a batch's status and waits.
var batchStates = map[string]string{
	"running":    "in corso",
	"completed":  "completato",
	"cancelled":  "annullato",
	"refused":    "rifiutato (richiesta non autenticata)",
	"quota":      "in attesa: la quota giornaliera dell'utente o dell'Ente è esaurita; riprende da solo quando la quota lo consente",
	"anpr_pause": "in attesa: ANPR ha sospeso le chiamate di questo servizio per oggi (quota ANPR esaurita); riprende da solo",
}

// batchPage shows a batch's progress (a progress bar, the counts by outcome, why it waits) and
// links its records in the audit. While it runs the page reloads itself.
func (x *Console) batchPage(c *fiber.Ctx) error {
	var b batchStatus
	if err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/batches/"+url.PathEscape(c.Params("id")), nil, &b); err != nil {
		return x.fail(c, err)
	}
	v := view{Title: "Lotto " + b.BatchID, Nav: "registro", Data: struct {
		B      batchStatus
		States map[string]string
	}{b, batchStates}}
	if b.Status == "running" {
		v.Refresh = 5
	}
	return x.render(c, fiber.StatusOK, "lotto", v)
}
