package api

import (
	"context"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/sdk/client"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

// TestDatabaseOutageIs503: while PostgreSQL refuses connections, every route that needs the
// database answers 503 service_unavailable with Retry-After — before authentication (sign-in),
// during it (a valid token's user lookup) and after it — never 500; then it recovers.
func TestDatabaseOutageIs503(t *testing.T) {
	db, outage := storetest.PostgresOutage(t)
	e := &authEnv{t: t, db: db, clock: &fakeClock{t: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}}
	e.s = e.server()
	e.s.Temporal, e.s.Clients = healthyTemporal{}, noComuni{} // readiness then hangs on the database alone
	e.user("olga")
	access, _ := e.login("olga", testPassword).tokens(t)
	if r := e.whoami(access); r.status != fiber.StatusOK {
		t.Fatalf("before the outage: %d %s", r.status, r.raw)
	}
	if r := e.do(e.s, "GET", "/readyz", "", nil); r.status != fiber.StatusOK {
		t.Fatalf("ready before the outage: %d %s", r.status, r.raw)
	}
	outage.Down()
	cases := []struct {
		name string
		call func() reply
	}{
		{"sign-in", func() reply { return e.login("olga", testPassword) }},
		{"authenticated route (token's user lookup)", func() reply { return e.whoami(access) }},
		{"audit listing", func() reply { return e.do(e.s, "GET", "/api/v1/audit", access, nil) }},
		{"readiness", func() reply { return e.do(e.s, "GET", "/readyz", "", nil) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.call()
			if r.status != fiber.StatusServiceUnavailable || r.body["code"] != errcode.Unavailable.String() {
				t.Fatalf("during the outage: %d %s, want 503 %s", r.status, r.raw, errcode.Unavailable)
			}
			if r.header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		})
	}
	outage.Up()
	if r := e.whoami(access); r.status != fiber.StatusOK {
		t.Fatalf("after the outage: %d %s", r.status, r.raw)
	}
	if r := e.do(e.s, "GET", "/readyz", "", nil); r.status != fiber.StatusOK {
		t.Fatalf("ready again after the outage: %d %s", r.status, r.raw)
	}
}

// healthyTemporal is a Temporal frontend that always answers its health check.
type healthyTemporal struct{ client.Client }

func (healthyTemporal) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, nil
}

// noComuni has no Comune namespaces (the test database has no Comuni either).
type noComuni struct{}

func (noComuni) Client(string) (client.Client, error) { return nil, context.Canceled }
func (noComuni) Comuni() []string                     { return nil }

func TestUntilRomeMidnight(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	cases := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 12, 2, 23, 59, 0, 0, rome), "61"},
		{time.Date(2027, 3, 27, 23, 0, 0, 0, rome), "3601"},  // the night clocks go forward: still one hour
		{time.Date(2027, 10, 30, 23, 0, 0, 0, rome), "3601"}, // and back
		{time.Date(2026, 12, 2, 22, 59, 0, 0, time.UTC), "61"},
	}
	for _, tc := range cases {
		if got := untilRomeMidnight(tc.now); got != tc.want {
			t.Errorf("untilRomeMidnight(%v) = %s, want %s", tc.now, got, tc.want)
		}
	}
}
