package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// Fault injection: the incidents integrators meet on the real gateway (docs/anpr.md §6: 503
// GatewayError bursts, slowness, spurious 429 TooManyRequests, quota exhaustion), per
// e-service or for all ("*"). The gateway's own faults strike before any check, as a
// struggling gateway fails before looking at the request; QuotaExhausted is a rate-limit
// policy, so it strikes after the voucher's validation like LimitExceeded (quota.go).

// AllServices is the Faults key that applies to every e-service without its own entry.
const AllServices = "*"

// maxHang bounds a simulated timeout: a client that never gives up gets a 503 after it.
const maxHang = 2 * time.Minute

const (
	gatewayErrorType    = "https://govway.org/handling-errors/503/GatewayError.html"
	tooManyRequestsType = "https://govway.org/handling-errors/429/TooManyRequests.html"
)

// Faults describes the faults injected into the calls of an e-service. The zero value
// injects nothing. Rates are shares of calls in [0, 1]; GatewayErrorRate, TimeoutRate and
// TooManyRequestsRate are exclusive outcomes, so their sum must not exceed 1.
type Faults struct {
	LatencyMin, LatencyMax time.Duration // uniform extra latency of every call
	SpikeRate              float64       // share of calls delayed by Spike on top
	Spike                  time.Duration
	GatewayErrorRate       float64 // share answered 503 GatewayError
	TimeoutRate            float64 // share that hang until the client gives up (≤ 2 min)
	TooManyRequestsRate    float64 // share answered 429 TooManyRequests
	QuotaExhausted         bool    // every call with a valid voucher answered 429 LimitExceeded
}

// IsZero reports whether f injects nothing.
func (f Faults) IsZero() bool { return f == Faults{} }

// Validate checks ranges: durations ≥ 0 and ≤ 2 min, LatencyMax ≥ LatencyMin, rates in [0, 1]
// and the exclusive outcomes summing to at most 1.
func (f Faults) Validate() error {
	for name, d := range map[string]time.Duration{"latencyMin": f.LatencyMin, "latencyMax": f.LatencyMax, "spike": f.Spike} {
		if d < 0 || d > maxHang {
			return fmt.Errorf("simulator: faults: %s %v out of [0, %v]", name, d, maxHang)
		}
	}
	if f.LatencyMax != 0 && f.LatencyMax < f.LatencyMin {
		return fmt.Errorf("simulator: faults: latencyMax %v below latencyMin %v", f.LatencyMax, f.LatencyMin)
	}
	for name, r := range map[string]float64{"spikeRate": f.SpikeRate, "gatewayErrorRate": f.GatewayErrorRate,
		"timeoutRate": f.TimeoutRate, "tooManyRequestsRate": f.TooManyRequestsRate} {
		if !(r >= 0 && r <= 1) { // also refuses NaN
			return fmt.Errorf("simulator: faults: %s %v out of [0, 1]", name, r)
		}
	}
	if sum := f.GatewayErrorRate + f.TimeoutRate + f.TooManyRequestsRate; sum > 1+1e-9 {
		return fmt.Errorf("simulator: faults: gatewayErrorRate + timeoutRate + tooManyRequestsRate = %v > 1", sum)
	}
	return nil
}

// faultsJSON is the wire form: durations as Go duration strings ("250ms").
type faultsJSON struct {
	LatencyMin          string  `json:"latencyMin,omitempty"`
	LatencyMax          string  `json:"latencyMax,omitempty"`
	SpikeRate           float64 `json:"spikeRate,omitempty"`
	Spike               string  `json:"spike,omitempty"`
	GatewayErrorRate    float64 `json:"gatewayErrorRate,omitempty"`
	TimeoutRate         float64 `json:"timeoutRate,omitempty"`
	TooManyRequestsRate float64 `json:"tooManyRequestsRate,omitempty"`
	QuotaExhausted      bool    `json:"quotaExhausted,omitempty"`
}

func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON writes durations as Go duration strings.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		LatencyMin: durationString(f.LatencyMin), LatencyMax: durationString(f.LatencyMax),
		SpikeRate: f.SpikeRate, Spike: durationString(f.Spike), GatewayErrorRate: f.GatewayErrorRate,
		TimeoutRate: f.TimeoutRate, TooManyRequestsRate: f.TooManyRequestsRate, QuotaExhausted: f.QuotaExhausted,
	})
}

// UnmarshalJSON reads the wire form strictly (unknown fields are errors) and validates it.
func (f *Faults) UnmarshalJSON(data []byte) error {
	var w faultsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("simulator: faults: %w", err)
	}
	out := Faults{SpikeRate: w.SpikeRate, GatewayErrorRate: w.GatewayErrorRate, TimeoutRate: w.TimeoutRate,
		TooManyRequestsRate: w.TooManyRequestsRate, QuotaExhausted: w.QuotaExhausted}
	for _, d := range []struct {
		name, text string
		dst        *time.Duration
	}{{"latencyMin", w.LatencyMin, &out.LatencyMin}, {"latencyMax", w.LatencyMax, &out.LatencyMax}, {"spike", w.Spike, &out.Spike}} {
		if d.text == "" {
			continue
		}
		v, err := time.ParseDuration(d.text)
		if err != nil {
			return fmt.Errorf("simulator: faults: %s: %w", d.name, err)
		}
		*d.dst = v
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*f = out
	return nil
}

// ParseFaults reads a faults file or admin body: a JSON object from service code ("C020")
// or "*" to Faults, e.g. {"*":{"latencyMin":"50ms","latencyMax":"200ms"},"C020":{"gatewayErrorRate":0.2}}.
func ParseFaults(data []byte) (map[string]Faults, error) {
	var m map[string]Faults
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("simulator: faults: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("simulator: faults: data after the JSON object")
	}
	if err := validateFaultKeys(m); err != nil {
		return nil, err
	}
	return m, nil
}

func validateFaultKeys(m map[string]Faults) error {
	for k, f := range m {
		if err := validateFaultKey(k); err != nil {
			return err
		}
		if err := f.Validate(); err != nil {
			return fmt.Errorf("%w (service %s)", err, k)
		}
	}
	return nil
}

func validateFaultKey(k string) error {
	if k == AllServices {
		return nil
	}
	if _, ok := catalogue.Lookup(k); !ok {
		return fmt.Errorf("simulator: faults: unknown e-service %q (a code such as C020, or \"*\")", k)
	}
	return nil
}

// faultTable is an immutable snapshot, swapped atomically so that a call without faults
// pays one atomic load.
type faultTable map[string]Faults

// SetFaults sets the faults of one e-service (a code such as "C020") or of all ("*"); the
// zero Faults removes the entry. A service's own entry replaces "*", it is not merged with it.
// Out-of-range values are clamped; use Faults.Validate first to refuse them instead.
func (s *Simulator) SetFaults(service string, f Faults) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	next := faultTable{}
	if cur := s.faults.Load(); cur != nil {
		for k, v := range *cur {
			next[k] = v
		}
	}
	if f = clampFaults(f); f.IsZero() {
		delete(next, service)
	} else {
		next[service] = f
	}
	s.publishFaultsLocked(next)
}

// ReplaceFaults replaces every fault entry with m (nil or empty clears them all).
func (s *Simulator) ReplaceFaults(m map[string]Faults) error {
	if err := validateFaultKeys(m); err != nil {
		return err
	}
	next := faultTable{}
	for k, f := range m {
		if !f.IsZero() {
			next[k] = f
		}
	}
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.publishFaultsLocked(next)
	return nil
}

func (s *Simulator) publishFaultsLocked(t faultTable) {
	if len(t) == 0 {
		s.faults.Store(nil)
		return
	}
	s.faults.Store(&t)
}

// CurrentFaults returns a copy of the fault entries in force.
func (s *Simulator) CurrentFaults() map[string]Faults {
	out := map[string]Faults{}
	if cur := s.faults.Load(); cur != nil {
		for k, v := range *cur {
			out[k] = v
		}
	}
	return out
}

func clampFaults(f Faults) Faults {
	clampD := func(d time.Duration) time.Duration { return min(max(d, 0), maxHang) }
	clampR := func(r float64) float64 {
		if !(r > 0) { // NaN too
			return 0
		}
		return min(r, 1)
	}
	f.LatencyMin, f.LatencyMax, f.Spike = clampD(f.LatencyMin), clampD(f.LatencyMax), clampD(f.Spike)
	if f.LatencyMax < f.LatencyMin {
		f.LatencyMax = f.LatencyMin
	}
	f.SpikeRate, f.GatewayErrorRate = clampR(f.SpikeRate), clampR(f.GatewayErrorRate)
	f.TimeoutRate = min(clampR(f.TimeoutRate), 1-f.GatewayErrorRate)
	f.TooManyRequestsRate = min(clampR(f.TooManyRequestsRate), 1-f.GatewayErrorRate-f.TimeoutRate)
	return f
}

// faultsFor returns the faults of a service: its own entry, else "*".
func (s *Simulator) faultsFor(code string) (Faults, bool) {
	t := s.faults.Load()
	if t == nil {
		return Faults{}, false
	}
	if f, ok := (*t)[code]; ok {
		return f, true
	}
	f, ok := (*t)[AllServices]
	return f, ok
}

// lockedRand is a seeded source shared by concurrent requests: with one client calling in
// sequence, a seed gives a reproducible sequence of faults.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newLockedRand(seed int64) *lockedRand {
	return &lockedRand{r: rand.New(rand.NewPCG(uint64(seed), 0xfa017_5eed))}
}

// draws are the three uniform numbers one call consumes, always all three so that the
// sequence does not depend on the configuration.
func (l *lockedRand) draws() (latency, spike, outcome float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64(), l.r.Float64(), l.r.Float64()
}

// injectEarly applies the gateway's own faults; it reports whether the call was answered
// (or abandoned by the client) and must stop.
func (s *Simulator) injectEarly(w http.ResponseWriter, r *http.Request, govwayID, service string, f Faults) bool {
	uLat, uSpike, uOut := s.rng.draws()
	delay := f.LatencyMin
	if f.LatencyMax > f.LatencyMin {
		delay += time.Duration(uLat * float64(f.LatencyMax-f.LatencyMin))
	}
	if uSpike < f.SpikeRate {
		delay += f.Spike
	}
	if delay > 0 && !sleep(r.Context(), delay) {
		return true // the client gave up while we were slow
	}
	switch {
	case uOut < f.GatewayErrorRate:
		s.gatewayError(w, govwayID, service)
	case uOut < f.GatewayErrorRate+f.TimeoutRate:
		s.log.Info("e002 fault: timeout", "govway_id", govwayID, "service", service)
		if sleep(r.Context(), maxHang) {
			s.gatewayError(w, govwayID, service)
		}
	case uOut < f.GatewayErrorRate+f.TimeoutRate+f.TooManyRequestsRate:
		s.log.Info("e002 fault: too many requests", "govway_id", govwayID, "service", service)
		writeProblem(w, govwayProblem{Type: tooManyRequestsType, Title: "TooManyRequests",
			Status: http.StatusTooManyRequests, Detail: "Too many requests detected", GovwayID: govwayID})
	default:
		return false
	}
	return true
}

func (s *Simulator) gatewayError(w http.ResponseWriter, govwayID, service string) {
	s.log.Info("e002 fault: gateway error", "govway_id", govwayID, "service", service)
	writeProblem(w, govwayProblem{Type: gatewayErrorType, Title: "GatewayError",
		Status: http.StatusServiceUnavailable, Detail: "The gateway is currently unable to handle the response", GovwayID: govwayID})
}

// sleep waits d or until ctx ends; it reports whether the full d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
