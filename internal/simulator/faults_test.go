package simulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawCall posts an unsigned body to an e-service: enough for the faults that strike
// before any check, whose absence shows as the voucher's 400.
func rawCall(tb testing.TB, e *env, code string, timeout time.Duration) (int, string, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	u := e.sim.ServiceBaseURL() + "/" + svc(tb, code).Name + "/v1/anpr-service-e002"
	r, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader("{}"))
	resp, err := e.srv.Client().Do(r)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode == 400 {
		return resp.StatusCode, "", err
	}
	return resp.StatusCode, problem(tb, resp, b).Title, nil
}

func TestFaultRates(t *testing.T) {
	kinds := []struct {
		name    string
		set     func(f *Faults, rate float64)
		status  int
		title   string
		timeout bool
	}{
		{"gateway error", func(f *Faults, r float64) { f.GatewayErrorRate = r }, 503, "GatewayError", false},
		{"too many requests", func(f *Faults, r float64) { f.TooManyRequestsRate = r }, 429, "TooManyRequests", false},
		{"timeout", func(f *Faults, r float64) { f.TimeoutRate = r }, 0, "", true},
	}
	for _, k := range kinds {
		for _, rate := range []float64{1, 0, 0.2} {
			t.Run(fmt.Sprintf("%s/%v", k.name, rate), func(t *testing.T) {
				var f Faults
				k.set(&f, rate)
				e := newEnvWith(t, func(c *Config) { c.Faults = map[string]Faults{"C020": f}; c.Seed = 7 })
				defer e.srv.Close()
				calls, timeout := 500, 2*time.Second
				if k.timeout {
					calls, timeout = 150, 60*time.Millisecond
				}
				if rate != 0.2 {
					calls = 20
				}
				hits := 0
				for range calls {
					status, title, err := rawCall(t, e, "C020", timeout)
					switch {
					case k.timeout && errors.Is(err, context.DeadlineExceeded):
						hits++
					case err != nil:
						t.Fatal(err)
					case status == k.status && title == k.title:
						hits++
					case status != 400:
						t.Fatalf("unexpected %d %s", status, title)
					}
				}
				got := float64(hits) / float64(calls)
				if tol := 4 * math.Sqrt(rate*(1-rate)/float64(calls)); math.Abs(got-rate) > tol {
					t.Fatalf("observed %.3f over %d calls, want %.2f ± %.3f", got, calls, rate, tol)
				}
				// Other services are untouched.
				if status, _, err := rawCall(t, e, "C030", time.Second); err != nil || status != 400 {
					t.Fatalf("C030: %d %v", status, err)
				}
			})
		}
	}
}

// A simulated timeout ends when the client gives up, and the handler returns then (Close
// would block otherwise).
func TestFaultTimeoutHonoursClientDeadline(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.Faults = map[string]Faults{AllServices: {TimeoutRate: 1}} })
	start := time.Now()
	_, _, err := rawCall(t, e, "C020", 150*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
	done := make(chan struct{})
	go func() { e.srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("handler still hanging after the client gave up")
	}
}

func TestFaultLatency(t *testing.T) {
	e := newEnvWith(t, func(c *Config) {
		c.Faults = map[string]Faults{"C020": {LatencyMin: 30 * time.Millisecond, LatencyMax: 40 * time.Millisecond}}
	})
	defer e.srv.Close()
	for range 3 {
		start := time.Now()
		if status, _, err := rawCall(t, e, "C020", 5*time.Second); err != nil || status != 400 {
			t.Fatal(status, err)
		}
		if d := time.Since(start); d < 30*time.Millisecond {
			t.Fatalf("answered in %v, want ≥ 30ms", d)
		}
	}
	// Spikes: about SpikeRate of the calls take Spike longer.
	// 150 ms: far above what an unspiked call takes even on a loaded CI machine.
	e.sim.SetFaults("C020", Faults{SpikeRate: 0.2, Spike: 150 * time.Millisecond})
	slow, calls := 0, 150
	for range calls {
		start := time.Now()
		if _, _, err := rawCall(t, e, "C020", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) >= 150*time.Millisecond {
			slow++
		}
	}
	if got := float64(slow) / float64(calls); math.Abs(got-0.2) > 4*math.Sqrt(0.2*0.8/float64(calls)) {
		t.Fatalf("spikes on %.3f of calls, want 0.2", got)
	}
}

// QuotaExhausted answers LimitExceeded after the voucher's validation: a call without a
// valid voucher is still refused for that.
func TestFaultQuotaExhausted(t *testing.T) {
	e := newEnv(t)
	defer e.srv.Close()
	e.sim.SetFaults("C030", Faults{QuotaExhausted: true})
	resp, b := e.call(t, e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J"))))
	wantLimitExceeded(t, resp, b)
	if status, _, err := rawCall(t, e, "C030", time.Second); err != nil || status != 400 {
		t.Fatalf("without voucher: %d %v", status, err)
	}
	if resp, b := e.call(t, e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS")))); resp.StatusCode != 200 {
		t.Fatalf("C020: %d %s", resp.StatusCode, b)
	}
	e.sim.SetFaults("C030", Faults{})
	if resp, b := e.call(t, e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J")))); resp.StatusCode != 200 {
		t.Fatalf("cleared: %d %s", resp.StatusCode, b)
	}
}

// A service's own entry replaces "*"; /status crosses the gateway too.
func TestFaultScope(t *testing.T) {
	e := newEnv(t)
	defer e.srv.Close()
	e.sim.SetFaults(AllServices, Faults{GatewayErrorRate: 1})
	e.sim.SetFaults("C030", Faults{TooManyRequestsRate: 1})
	if status, title, _ := rawCall(t, e, "C020", time.Second); status != 503 || title != "GatewayError" {
		t.Fatalf("C020 under *: %d %s", status, title)
	}
	if status, title, _ := rawCall(t, e, "C030", time.Second); status != 429 || title != "TooManyRequests" {
		t.Fatalf("C030: %d %s", status, title)
	}
	r, _ := http.NewRequest(http.MethodGet, e.sim.ServiceBaseURL()+"/"+svc(t, "C001").Name+"/v1/status", nil)
	resp, b := e.do(t, r)
	if p := problem(t, resp, b); resp.StatusCode != 503 || p.Detail != "The gateway is currently unable to handle the response" ||
		p.Type != "https://govway.org/handling-errors/503/GatewayError.html" {
		t.Fatalf("status: %d %s", resp.StatusCode, b)
	}
	// The token endpoint is PDND, another host: never faulted.
	p := e.defaultParts(svc(t, "C030"), nil)
	e.fetchVoucher(t, p, "x")
}

func TestFaultsAdmin(t *testing.T) {
	e := newEnv(t)
	defer e.srv.Close()
	put := `{"*":{"latencyMin":"1ms","latencyMax":"2ms"},"C020":{"gatewayErrorRate":0.25,"spike":"250ms","spikeRate":0.1,"quotaExhausted":true}}`
	resp, b := adminDo(t, e, http.MethodPut, "/admin/faults", "", []byte(put))
	if resp.StatusCode != 200 {
		t.Fatalf("PUT: %d %s", resp.StatusCode, b)
	}
	got := e.sim.CurrentFaults()
	if got["C020"] != (Faults{GatewayErrorRate: 0.25, Spike: 250 * time.Millisecond, SpikeRate: 0.1, QuotaExhausted: true}) ||
		got["*"] != (Faults{LatencyMin: time.Millisecond, LatencyMax: 2 * time.Millisecond}) || len(got) != 2 {
		t.Fatalf("faults %+v", got)
	}
	resp, b = adminDo(t, e, http.MethodGet, "/admin/faults", "", nil)
	if back, err := ParseFaults(b); err != nil || resp.StatusCode != http.StatusOK || back["C020"] != got["C020"] || !strings.Contains(string(b), `"250ms"`) {
		t.Fatalf("GET: %s %v", b, err)
	}
	if resp, b = adminDo(t, e, http.MethodPut, "/admin/faults/C030", "", []byte(`{"timeoutRate":0.5}`)); resp.StatusCode != 200 || e.sim.CurrentFaults()["C030"].TimeoutRate != 0.5 {
		t.Fatalf("PUT one: %d %s", resp.StatusCode, b)
	}
	if resp, b = adminDo(t, e, http.MethodDelete, "/admin/faults/C030", "", nil); resp.StatusCode != 204 || len(e.sim.CurrentFaults()) != 2 {
		t.Fatalf("DELETE one: %d %s", resp.StatusCode, b)
	}
	for _, bad := range []string{
		`{"C020":{"gatewayErrorRate":1.5}}`, `{"C999":{}}`, `{"C020":{"latency":"1s"}}`,
		`{"C020":{"latencyMin":"fast"}}`, `{"C020":{"gatewayErrorRate":0.6,"timeoutRate":0.6}}`,
		`{"C020":{"latencyMin":"2s","latencyMax":"1s"}}`, `{"C020":{"spike":"3m"}}`, `{"C020":{"spike":"-1s"}}`, `[]`,
	} {
		if resp, b := adminDo(t, e, http.MethodPut, "/admin/faults", "", []byte(bad)); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, b)
		}
	}
	if resp, _ := adminDo(t, e, http.MethodPut, "/admin/faults/C999", "", []byte(`{}`)); resp.StatusCode != 400 {
		t.Error("unknown service accepted")
	}
	if len(e.sim.CurrentFaults()) != 2 {
		t.Fatal("a refused PUT changed the faults")
	}
	if resp, b = adminDo(t, e, http.MethodDelete, "/admin/faults", "", nil); resp.StatusCode != 204 || len(e.sim.CurrentFaults()) != 0 || e.sim.faults.Load() != nil {
		t.Fatalf("DELETE: %d %s", resp.StatusCode, b)
	}
}

func TestConfigFaultsValidated(t *testing.T) {
	for _, f := range []map[string]Faults{{"C999": {}}, {"*": {GatewayErrorRate: 2}}} {
		if _, err := New(Config{PublicURL: "http://127.0.0.1:1", Population: 1, Faults: f}); err == nil {
			t.Errorf("%v accepted", f)
		}
	}
}

func TestSetFaultsClamps(t *testing.T) {
	s := &Simulator{}
	s.SetFaults("C020", Faults{GatewayErrorRate: 3, TimeoutRate: 0.5, LatencyMin: time.Hour, LatencyMax: time.Second})
	f := s.CurrentFaults()["C020"]
	if f.Validate() != nil || f.GatewayErrorRate != 1 || f.TimeoutRate != 0 || f.LatencyMin != maxHang {
		t.Fatalf("%+v", f)
	}
}

// Concurrent calls share the seeded source safely (run with -race), while admin writes
// swap the table under them.
func TestFaultsConcurrent(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.Faults = map[string]Faults{AllServices: {GatewayErrorRate: 0.5}} })
	defer e.srv.Close()
	done := make(chan int)
	for range 8 {
		go func() {
			n := 0
			for range 25 {
				if status, _, err := rawCall(t, e, "C020", 5*time.Second); err == nil && status == 503 {
					n++
				}
			}
			done <- n
		}()
	}
	go e.sim.SetFaults("C030", Faults{TooManyRequestsRate: 1})
	total := 0
	for range 8 {
		total += <-done
	}
	if total < 50 || total > 150 {
		t.Fatalf("%d of 200 answered 503, want about 100", total)
	}
}
