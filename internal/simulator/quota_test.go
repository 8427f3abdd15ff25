package simulator

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func wantLimitExceeded(t *testing.T, resp *http.Response, b []byte) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", resp.StatusCode, b)
	}
	p := problem(t, resp, b)
	if p.Type != "https://govway.org/handling-errors/429/LimitExceeded.html" || p.Title != "LimitExceeded" ||
		p.Status != 429 || p.Detail != "Limit exceeded detected" {
		t.Fatalf("problem %+v", p)
	}
}

func TestDailyQuotaPerPurpose(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.DailyQuota = 3 })
	defer e.srv.Close()
	c030 := func(p *parts) (*http.Response, []byte) { return e.call(t, p) }
	for i := range 3 {
		if resp, b := c030(e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J")))); resp.StatusCode != 200 {
			t.Fatalf("call %d: %d %s", i+1, resp.StatusCode, b)
		}
	}
	resp, b := c030(e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J"))))
	wantLimitExceeded(t, resp, b)

	// Other purposes, of the same client or another, have their own count.
	if resp, b := e.call(t, e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS")))); resp.StatusCode != 200 {
		t.Fatalf("other purpose: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.call(t, e.partsFor(t, e.b, "C030", body("C030", byCF("STTSGT90A01H501J")))); resp.StatusCode != 200 {
		t.Fatalf("other client: %d %s", resp.StatusCode, b)
	}
	// The check follows the voucher's: a call without one is refused for that, not for quota.
	r := e.request(t, e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J"))))
	r.Header.Del("Authorization")
	if resp, b := e.do(t, r); resp.StatusCode != 400 {
		t.Fatalf("no voucher: %d %s", resp.StatusCode, b)
	}

	// Midnight in Europe/Rome resets the count, not midnight UTC.
	now := e.clock.now().In(rome)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, rome)
	e.clock.shift(midnight.Sub(now) - time.Minute)
	resp, b = c030(e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J"))))
	wantLimitExceeded(t, resp, b)
	e.clock.shift(2 * time.Minute)
	if resp, b := c030(e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J")))); resp.StatusCode != 200 {
		t.Fatalf("after midnight: %d %s", resp.StatusCode, b)
	}
	if st := e.sim.QuotaStatus(); st.Purposes[e.a.purposes["C030"]].Used != 1 || st.Day != e.clock.now().In(rome).Format("2006-01-02") {
		t.Fatalf("status %+v", st)
	}
}

// Every call with a valid voucher counts, even one the ModI checks then refuse.
func TestQuotaCountsCallsRefusedAfterVoucher(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.DailyQuota = 2 })
	defer e.srv.Close()
	p := e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J")))
	p.after = func(r *http.Request) { r.Header.Set("Digest", "SHA-256=AAAA") }
	if resp, b := e.call(t, p); resp.StatusCode != 400 {
		t.Fatalf("bad digest: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.call(t, e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J")))); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	resp, b := e.call(t, e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J"))))
	wantLimitExceeded(t, resp, b)
}

func TestQuotaAdmin(t *testing.T) {
	e := newEnv(t)
	defer e.srv.Close()
	pid := e.a.purposes["C020"]
	call := func() (*http.Response, []byte) {
		return e.call(t, e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS"))))
	}
	resp, b := adminDo(t, e, http.MethodPut, "/admin/quotas", "", []byte(`{"purposes":{"`+pid+`":1}}`))
	if resp.StatusCode != 200 {
		t.Fatalf("PUT: %d %s", resp.StatusCode, b)
	}
	if resp, b := call(); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	resp, b = call()
	wantLimitExceeded(t, resp, b)
	resp, b = adminDo(t, e, http.MethodGet, "/admin/quotas", "", nil)
	var st QuotaStatus
	if json.Unmarshal(b, &st) != nil || st.Purposes[pid] != (PurposeQuota{Limit: 1, Used: 1}) || st.DailyQuota != 0 {
		t.Fatalf("GET: %d %s", resp.StatusCode, b)
	}
	// The default applies to purposes without an override.
	if resp, b = adminDo(t, e, http.MethodPut, "/admin/quotas", "", []byte(`{"dailyQuota":5}`)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if e.sim.QuotaStatus().DailyQuota != 5 {
		t.Fatal("default not set")
	}
	// DELETE drops overrides and counts.
	if resp, b = adminDo(t, e, http.MethodDelete, "/admin/quotas", "", nil); resp.StatusCode != 204 {
		t.Fatalf("DELETE: %d %s", resp.StatusCode, b)
	}
	if resp, b := call(); resp.StatusCode != 200 {
		t.Fatalf("after reset: %d %s", resp.StatusCode, b)
	}
	for _, bad := range []string{`{"dailyQuota":-1}`, `{"purposes":{"x":-2}}`, `{"limit":3}`, `[]`} {
		if resp, b := adminDo(t, e, http.MethodPut, "/admin/quotas", "", []byte(bad)); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, b)
		}
	}
}

func TestNegativeDailyQuotaRefused(t *testing.T) {
	if _, err := New(Config{PublicURL: "http://127.0.0.1:1", Population: 1, DailyQuota: -1}); err == nil {
		t.Fatal("accepted")
	}
}
