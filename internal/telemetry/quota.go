package telemetry

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QuotaUse is one Comune's use of its capped daily quotas of one scope kind (store.QuotaUse).
type QuotaUse struct {
	Comune, Scope        string
	Used, Cap, Exhausted int64
}

// quotaTimeout bounds the database read of one scrape.
const quotaTimeout = 2 * time.Second

var (
	quotaUsed = prometheus.NewDesc(NameQuotaUsed, "Uses counted today (Europe/Rome day) against the capped daily quotas, by Comune and scope (grant or convenzione).",
		[]string{"comune", "scope"}, nil)
	quotaCap = prometheus.NewDesc(NameQuotaCap, "Sum of today's daily quota caps, by Comune and scope.",
		[]string{"comune", "scope"}, nil)
	quotaExhausted = prometheus.NewDesc(NameQuotaExhausted, "Capped grants or convenzioni whose quota is used up today, by Comune and scope.",
		[]string{"comune", "scope"}, nil)
)

// quotaCollector reads the quota use at scrape time: the counters live in the database, shared
// by every replica, so one process per deployment (the worker) exposes them.
type quotaCollector struct {
	read func(ctx context.Context) ([]QuotaUse, error)
}

// RegisterQuota exposes the quota use that read returns at each scrape.
func (m *Metrics) RegisterQuota(read func(ctx context.Context) ([]QuotaUse, error)) error {
	return m.reg.Register(quotaCollector{read})
}

func (c quotaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- quotaUsed
	ch <- quotaCap
	ch <- quotaExhausted
}

func (c quotaCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), quotaTimeout)
	defer cancel()
	uses, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(quotaUsed, err)
		return
	}
	for _, u := range uses {
		ch <- prometheus.MustNewConstMetric(quotaUsed, prometheus.GaugeValue, float64(u.Used), u.Comune, u.Scope)
		ch <- prometheus.MustNewConstMetric(quotaCap, prometheus.GaugeValue, float64(u.Cap), u.Comune, u.Scope)
		ch <- prometheus.MustNewConstMetric(quotaExhausted, prometheus.GaugeValue, float64(u.Exhausted), u.Comune, u.Scope)
	}
}
