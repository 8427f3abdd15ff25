package simulator

import (
	"net/http"
	"sync"
	"time"

	"github.com/varco-anpr/varco/internal/clock"
)

// Daily quotas per purpose (docs/anpr.md §6): PDND "soglie" count the calls of a purpose per
// calendar day, 00:00–23:59:59.999 Europe/Rome; past the threshold GovWay answers 429
// LimitExceeded until midnight. The check sits right after the voucher's validation, because
// the policy is grouped by the token's claims; every call with a valid voucher counts, even
// one refused later for its ModI headers (whether ANPR counts those was asked, never
// answered: counting them is the cautious reading). A refused call does not count.

const limitExceededType = "https://govway.org/handling-errors/429/LimitExceeded.html"

var rome = clock.Rome()

// romeDay identifies the calendar day of t in Europe/Rome as yyyymmdd.
func romeDay(t time.Time) int {
	y, m, d := t.In(rome).Date()
	return y*10000 + int(m)*100 + d
}

// quotas counts today's calls per purpose. Usage is counted even when no limit is set, so
// that GET /admin/quotas shows it; the cost is one uncontended lock per call.
type quotas struct {
	mu     sync.Mutex
	def    int            // Config.DailyQuota; 0 = unlimited
	limits map[string]int // per-purpose overrides; 0 = unlimited
	day    int            // romeDay of the counts in used
	used   map[string]int
}

func newQuotas(def int) *quotas {
	return &quotas{def: def, limits: map[string]int{}, used: map[string]int{}}
}

// take counts one call of purpose at now, or reports false when the purpose's quota for
// the day is spent.
func (q *quotas) take(purpose string, now time.Time) bool {
	d := romeDay(now)
	q.mu.Lock()
	defer q.mu.Unlock()
	if d != q.day {
		q.day = d
		clear(q.used)
	}
	limit, ok := q.limits[purpose]
	if !ok {
		limit = q.def
	}
	if limit > 0 && q.used[purpose] >= limit {
		return false
	}
	q.used[purpose]++
	return true
}

// QuotaStatus is the quota state reported by GET /admin/quotas.
type QuotaStatus struct {
	DailyQuota int                     `json:"dailyQuota"` // default per purpose; 0 = unlimited
	Day        string                  `json:"day"`        // the Europe/Rome day the counts are for
	Purposes   map[string]PurposeQuota `json:"purposes"`
}

// PurposeQuota is one purpose's limit (0 = unlimited) and today's calls.
type PurposeQuota struct {
	Limit int `json:"limit"`
	Used  int `json:"used"`
}

func (q *quotas) status(now time.Time) QuotaStatus {
	d := romeDay(now)
	q.mu.Lock()
	defer q.mu.Unlock()
	if d != q.day {
		q.day = d
		clear(q.used)
	}
	st := QuotaStatus{DailyQuota: q.def, Day: now.In(rome).Format(dateLayout), Purposes: map[string]PurposeQuota{}}
	for pid, n := range q.used {
		st.Purposes[pid] = PurposeQuota{Limit: q.def, Used: n}
	}
	for pid, l := range q.limits {
		st.Purposes[pid] = PurposeQuota{Limit: l, Used: q.used[pid]}
	}
	return st
}

// SetPurposeQuota sets the daily quota of one purpose (0 = unlimited), overriding
// Config.DailyQuota for it.
func (s *Simulator) SetPurposeQuota(purposeID string, limit int) {
	s.quotas.mu.Lock()
	defer s.quotas.mu.Unlock()
	s.quotas.limits[purposeID] = max(0, limit)
}

// SetDailyQuota changes the default daily quota per purpose (0 = unlimited).
func (s *Simulator) SetDailyQuota(limit int) {
	s.quotas.mu.Lock()
	defer s.quotas.mu.Unlock()
	s.quotas.def = max(0, limit)
}

// ResetQuotas drops the per-purpose overrides and today's counts; the default stays.
func (s *Simulator) ResetQuotas() {
	s.quotas.mu.Lock()
	defer s.quotas.mu.Unlock()
	clear(s.quotas.limits)
	clear(s.quotas.used)
}

// QuotaStatus reports the quotas and today's usage.
func (s *Simulator) QuotaStatus() QuotaStatus { return s.quotas.status(s.now()) }

func (s *Simulator) limitExceeded(w http.ResponseWriter, govwayID, service string) {
	s.log.Info("e002 refused: quota", "govway_id", govwayID, "service", service)
	writeProblem(w, govwayProblem{
		Type: limitExceededType, Title: "LimitExceeded", Status: http.StatusTooManyRequests,
		Detail: "Limit exceeded detected", GovwayID: govwayID,
	})
}
