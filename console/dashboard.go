package console

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The dashboard: counts from GET /api/v1/audit/report, drawn as server-rendered bars (no
// chart library, no script: a table with a bar per row reads the same to a screen reader),
// today's use against each convenzione's daily quota, and the anomaly flags of
// GET /api/v1/audit/anomalies.

type reportRow struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
	Label string `json:"-"`
}

type report struct {
	Rows  []reportRow `json:"rows"`
	Total int64       `json:"total"`
	Max   int64       `json:"-"`
}

type anomaly struct {
	Kind   string    `json:"kind"`
	UserID int64     `json:"userId"`
	Day    string    `json:"day"`
	From   time.Time `json:"from"`
	Count  int64     `json:"count"`
	Median float64   `json:"median"`
	User   string    `json:"-"`
}

type quotaUse struct {
	Ente  string
	Used  int64
	Quota int
}

type dashboardData struct {
	Days                        int
	ByDay, ByOutcome, ByService report
	ByEnte, ByUser              report
	Today                       []quotaUse
	Anomalies                   []anomaly
}

func (x *Console) report(c *fiber.Ctx, from time.Time, group string) (report, error) {
	q := url.Values{"comune": {comuneOf(c)}, "groupBy": {group}, "from": {from.UTC().Format(time.RFC3339)}}
	var r report
	err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/audit/report?"+q.Encode(), nil, &r)
	for _, row := range r.Rows {
		r.Max = max(r.Max, row.Count)
	}
	return r, err
}

func (x *Console) dashboard(c *fiber.Ctx) error {
	now := x.Now().In(rome)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, rome)
	from := today.AddDate(0, 0, -29)
	d := dashboardData{Days: 30}
	nm := x.names(c)
	for _, g := range []struct {
		name string
		into *report
	}{{"day", &d.ByDay}, {"outcome", &d.ByOutcome}, {"service", &d.ByService}, {"ente", &d.ByEnte}, {"user", &d.ByUser}} {
		r, err := x.report(c, from, g.name)
		if err != nil {
			return x.fail(c, err)
		}
		for i := range r.Rows {
			r.Rows[i].Label = r.Rows[i].Key
			id, _ := strconv.ParseInt(r.Rows[i].Key, 10, 64)
			switch g.name {
			case "ente":
				r.Rows[i].Label = nm.Ente(id)
			case "user":
				r.Rows[i].Label = nm.User(id)
			case "outcome":
				r.Rows[i].Label = outcomeLabel(r.Rows[i].Key)
			}
		}
		*g.into = r
	}
	todayByEnte, err := x.report(c, today, "ente")
	if err != nil {
		return x.fail(c, err)
	}
	d.Today = x.quotaUse(c, todayByEnte, nm)
	var an items[anomaly]
	q := url.Values{"comune": {comuneOf(c)}, "from": {from.UTC().Format(time.RFC3339)}}
	if err := x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/audit/anomalies?"+q.Encode(), nil, &an); err != nil {
		return x.fail(c, err)
	}
	for _, a := range an.Items {
		a.User = nm.User(a.UserID)
		d.Anomalies = append(d.Anomalies, a)
	}
	return x.render(c, fiber.StatusOK, "cruscotto", view{Title: "Cruscotto", Nav: "cruscotto", Data: d})
}

// quotaUse pairs today's count of each Ente with its convenzioni's daily quota.
func (x *Console) quotaUse(c *fiber.Ctx, today report, nm names) []quotaUse {
	var cs items[convenzione]
	if x.call(c, sessionOf(c), fiber.MethodGet, "/api/v1/admin/comuni/"+comuneOf(c)+"/convenzioni", nil, &cs) != nil {
		return nil
	}
	used := map[int64]int64{}
	for _, r := range today.Rows {
		id, _ := strconv.ParseInt(r.Key, 10, 64)
		used[id] = r.Count
	}
	var out []quotaUse
	for _, cv := range cs.Items {
		out = append(out, quotaUse{Ente: nm.Ente(cv.EnteID), Used: used[cv.EnteID], Quota: cv.DailyQuota})
	}
	return out
}

func outcomeLabel(o string) string {
	switch o {
	case "ok":
		return "riuscita"
	case "denied":
		return "negata"
	case "not_found":
		return "soggetto non trovato"
	case "failed":
		return "non riuscita"
	}
	return o
}
