package main

import (
	"context"
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/store"
)

// TestClearingTheTestQuotaPause is issue #11's integrator in the TEST environment: ANPR's daily
// quota (the simulator's, set to 1) is spent, Varco pauses the e-service until midnight, the
// integrator resets the simulator's quota, and a TOP of the Comune ends Varco's pause: the next
// query goes through. An operator may not; a Comune on the real ANPR is refused.
func TestClearingTheTestQuotaPause(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.SimDailyQuota = 1
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	op, top := login(t, url, "demo-operatore"), login(t, url, "demo-top")
	ask := func(want int, code string) {
		t.Helper()
		a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
		if a.status != want || (code != "" && a.body["code"] != code) {
			t.Fatalf("query: %d %s, want %d %s", a.status, a.raw, want, code)
		}
	}
	ask(200, "")
	ask(429, "anpr_quota_exhausted") // the simulator's 429 LimitExceeded
	calls := len(s.simulator.Received())
	ask(429, "anpr_quota_exhausted") // Varco's pause: ANPR is not called
	if n := len(s.simulator.Received()); n != calls {
		t.Fatalf("a paused query reached ANPR: %d → %d calls", calls, n)
	}
	s.simulator.ResetQuotas()
	ask(429, "anpr_quota_exhausted") // still paused: Varco does not know the simulator was reset

	clear := url + "/api/v1/admin/comuni/H501/anpr/pauses"
	if a := call(t, "DELETE", clear, op, nil); a.status != 403 {
		t.Fatalf("an operator cleared the pause: %d %s", a.status, a.raw)
	}
	a := call(t, "DELETE", clear, top, nil)
	if a.status != 200 || a.body["pausesCleared"] != float64(1) {
		t.Fatalf("TOP clearing the pause: %d %s", a.status, a.raw)
	}
	// Each worker rereads the pause at most pauseRecheck later: poll that long, no more.
	for i := 0; ; i++ {
		a := call(t, "POST", url+"/api/v1/anpr/C020", op, query("AF41450AS"))
		if a.status == 200 {
			break
		}
		if i == 3 || a.body["code"] != "anpr_quota_exhausted" {
			t.Fatalf("query after the pause was cleared: %d %s", a.status, a.raw)
		}
		time.Sleep(pauseRecheck)
	}
	// On the real ANPR the quota is real: no reset.
	ctx := context.Background()
	com, err := store.GetComune(ctx, s.db, "H501")
	if err != nil {
		t.Fatal(err)
	}
	com.Environment = store.EnvCollaudo
	if err := store.UpdateComuneANPR(ctx, s.db, com); err != nil {
		t.Fatal(err)
	}
	if a := call(t, "DELETE", clear, top, nil); a.status != 409 || a.body["code"] != "test_environment_only" {
		t.Fatalf("clearing a collaudo Comune's pause: %d %s", a.status, a.raw)
	}
}
