// Package telemetry is Varco's observability: the Prometheus registry and the metrics the API
// and the worker record, the Temporal SDK's metrics (through the SDK's OpenTelemetry handler
// and the OTel Prometheus exporter, into the same registry), OpenTelemetry tracing with its
// OTLP exporter, and the span of the outbound ANPR call. Labels carry bounded values only
// (route patterns, Comune and service codes, outcomes): never a path, a user or a subject.
package telemetry

import (
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// Metric names, as the dashboard (docs/grafana/varco.json) and docs/monitoring.md use them.
const (
	NameHTTPDuration   = "varco_http_request_duration_seconds"
	NameHTTPInFlight   = "varco_http_requests_in_flight"
	NameQueries        = "varco_queries_total"
	NameANPRDuration   = "varco_anpr_call_duration_seconds"
	NameANPRErrors     = "varco_anpr_call_errors_total"
	NameAuditDuration  = "varco_audit_write_duration_seconds"
	NameQuotaDenials   = "varco_quota_denials_total"
	NameQuotaPauses    = "varco_anpr_quota_pauses_total"
	NameQuotaUsed      = "varco_quota_used"
	NameQuotaCap       = "varco_quota_cap"
	NameQuotaExhausted = "varco_quota_exhausted_scopes"
)

// latencyBuckets cover a cached answer (a few ms) to the request deadline (10 s by default).
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics is one process's registry and the metrics Varco records. Its methods are safe for
// concurrent use and cheap: a label lookup and an atomic add, no allocation for the usual
// label values.
type Metrics struct {
	reg      *prometheus.Registry
	http     *prometheus.HistogramVec
	inFlight prometheus.Gauge
	queries  *prometheus.CounterVec
	anpr     *prometheus.HistogramVec
	anprErrs *prometheus.CounterVec
	audit    *prometheus.HistogramVec
	denials  *prometheus.CounterVec
	pauses   prometheus.Counter
	temporal client.MetricsHandler
}

// NewMetrics builds a registry with the Go runtime and process collectors, Varco's metrics
// and the Temporal SDK's handler. process names the process (api, worker, dev) in the
// Temporal metrics' "process" label.
func NewMetrics(process string) (*Metrics, error) {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	m.http = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: NameHTTPDuration,
		Help: "HTTP requests served, by route pattern (never the raw path), method and status.", Buckets: latencyBuckets},
		[]string{"route", "method", "status"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Name: NameHTTPInFlight, Help: "HTTP requests being served."})
	m.queries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameQueries,
		Help: "ANPR queries audited, one per request id, by Comune, service and outcome."},
		[]string{"comune", "service", "outcome"})
	m.anpr = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: NameANPRDuration,
		Help: "Certified ANPR calls (voucher, call and answer check), by service and outcome (ok or the error kind).", Buckets: latencyBuckets},
		[]string{"service", "outcome"})
	m.anprErrs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameANPRErrors,
		Help: "Failed ANPR calls by service and error kind."}, []string{"service", "kind"})
	m.audit = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: NameAuditDuration,
		Help: "Audit record writes (hash chain, signature, commit), by outcome: inserted, duplicate or error.", Buckets: latencyBuckets},
		[]string{"outcome"})
	m.denials = prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameQuotaDenials,
		Help: "Queries refused because a daily quota (grant or convenzione) was used up, by Comune and service."},
		[]string{"comune", "service"})
	m.pauses = prometheus.NewCounter(prometheus.CounterOpts{Name: NameQuotaPauses,
		Help: "PDND client and purpose pairs paused after ANPR answered 429 LimitExceeded."})
	for _, c := range []prometheus.Collector{m.http, m.inFlight, m.queries, m.anpr, m.anprErrs, m.audit, m.denials, m.pauses,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	h, err := temporalHandler(reg, process)
	if err != nil {
		return nil, err
	}
	m.temporal = h
	return m, nil
}

// Registry is where collectors of other parts (the quota collector) register.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Names are the names of every metric registered, whether or not it has a series yet.
func (m *Metrics) Names() []string {
	ch := make(chan *prometheus.Desc)
	go func() { m.reg.Describe(ch); close(ch) }()
	var names []string
	for d := range ch {
		if s := fqName.FindStringSubmatch(d.String()); s != nil {
			names = append(names, s[1])
		}
	}
	return names
}

// fqName reads a Desc's name from its String(), the only place client_golang shows it.
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Temporal is the SDK metrics handler to give the Temporal client (client.Options.MetricsHandler).
func (m *Metrics) Temporal() client.MetricsHandler { return m.temporal }

// statusText holds the label of every HTTP status, so the hot path converts none.
var statusText = func() (s [600]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusLabel(code int) string {
	if code >= 0 && code < len(statusText) {
		return statusText[code]
	}
	return "other"
}

// ObserveHTTP records one served request. route is the route pattern ("/api/v1/anpr/:service"),
// never the path; an unmatched request has the pattern of the middleware that answered it.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	m.http.WithLabelValues(route, method, statusLabel(status)).Observe(d.Seconds())
}

// InFlight adds delta to the requests being served.
func (m *Metrics) InFlight(delta float64) { m.inFlight.Add(delta) }

// CountQuery counts an audited query.
func (m *Metrics) CountQuery(comune, service, outcome string) {
	m.queries.WithLabelValues(comune, service, outcome).Inc()
}

// ObserveANPR records one ANPR call; kind is "" on success, else the anpr error kind.
func (m *Metrics) ObserveANPR(service, kind string, d time.Duration) {
	outcome := kind
	if kind == "" {
		outcome = "ok"
	} else {
		m.anprErrs.WithLabelValues(service, kind).Inc()
	}
	m.anpr.WithLabelValues(service, outcome).Observe(d.Seconds())
}

// ObserveAudit records one audit write: inserted, duplicate or error.
func (m *Metrics) ObserveAudit(outcome string, d time.Duration) {
	m.audit.WithLabelValues(outcome).Observe(d.Seconds())
}

// CountQuotaDenial counts a query refused for a used-up daily quota.
func (m *Metrics) CountQuotaDenial(comune, service string) {
	m.denials.WithLabelValues(comune, service).Inc()
}

// CountQuotaPause counts a pause after ANPR's 429 LimitExceeded.
func (m *Metrics) CountQuotaPause() { m.pauses.Inc() }
