package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/varco-anpr/varco/internal/auth"
	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/internal/store"
	"github.com/varco-anpr/varco/internal/store/storetest"
)

const testPassword = "correct horse battery"

// testHash is computed once: argon2id at production cost takes a noticeable fraction of a second.
var testHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// fakeClock drives Deps.Now and the token issuer.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type authEnv struct {
	t     testing.TB
	db    *store.DB
	clock *fakeClock
	s     *Server
}

// newAuthEnv serves the API on a real, migrated SQLite store with a settable clock, plus a
// test-only route behind authenticate that answers who the caller is.
func newAuthEnv(t testing.TB) *authEnv {
	t.Helper()
	env := &authEnv{t: t, db: storetest.SQLite(t),
		clock: &fakeClock{t: time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)}}
	env.s = env.server()
	return env
}

// server builds another API instance on the same database (a second replica).
func (e *authEnv) server() *Server {
	tokens, err := auth.NewTokens(bytes.Repeat([]byte{9}, 32), 15*time.Minute, e.clock.Now)
	if err != nil {
		e.t.Fatal(err)
	}
	s := New(Deps{DB: e.db, Tokens: tokens, Logger: discard(), RequestTimeout: time.Second, Now: e.clock.Now})
	s.App().Get("/test/whoami", s.authenticate, func(c *fiber.Ctx) error { return c.JSON(callerOf(c)) })
	return s
}

func (e *authEnv) user(name string) int64 {
	e.t.Helper()
	u := &store.User{Username: name, DisplayName: name, PasswordHash: testHash(), Active: true}
	if err := store.CreateUser(context.Background(), e.db.DB, u); err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

type reply struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (e *authEnv) do(s *Server, method, path, bearer string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (e *authEnv) login(name, password string) reply {
	e.t.Helper()
	return e.do(e.s, "POST", "/api/v1/auth/token", "", map[string]string{"username": name, "password": password})
}

func (e *authEnv) refresh(token string) reply {
	e.t.Helper()
	return e.do(e.s, "POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": token})
}

func (e *authEnv) whoami(access string) reply {
	e.t.Helper()
	return e.do(e.s, "GET", "/test/whoami", access, nil)
}

// tokens returns the access and refresh token of a successful answer.
func (r reply) tokens(t testing.TB) (access, refresh string) {
	t.Helper()
	access, _ = r.body["access_token"].(string)
	refresh, _ = r.body["refresh_token"].(string)
	if r.status != 200 || access == "" || refresh == "" {
		t.Fatalf("want tokens, got %d %s", r.status, r.raw)
	}
	return access, refresh
}

func wantStatus(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.body["code"] != code) {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
}

func TestAuthLoginReturnsRefreshToken(t *testing.T) {
	e := newAuthEnv(t)
	id := e.user("anna")
	r := e.login("anna", testPassword)
	access, refresh := r.tokens(t)
	if len(refresh) != 43 || strings.ContainsAny(refresh, "+/=") {
		t.Fatalf("refresh token %q is not 32 bytes of unpadded base64url", refresh)
	}
	if r.header.Get("Cache-Control") != "no-store" || r.body["expires_in"] != float64(900) ||
		r.body["refresh_expires_in"] != float64(12*3600) || r.body["token_type"] != "Bearer" {
		t.Fatalf("answer %v, headers %v", r.body, r.header)
	}
	if w := e.whoami(access); w.status != 200 || w.body["UserID"] != float64(id) || w.body["LoA"] != passwordLoA {
		t.Fatalf("whoami %d %s", w.status, w.raw)
	}
	// Only the hash is stored.
	var hashes []string
	if err := e.db.NewSelect().Model((*store.RefreshToken)(nil)).Column("token_hash").Scan(context.Background(), &hashes); err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 1 || hashes[0] != auth.HashRefreshToken(refresh) {
		t.Fatalf("stored %v", hashes)
	}
}

func TestAuthRefreshRotates(t *testing.T) {
	e := newAuthEnv(t)
	e.user("bruno")
	a1, r1 := e.login("bruno", testPassword).tokens(t)
	e.clock.Advance(20 * time.Minute) // a1 has expired
	wantStatus(t, e.whoami(a1), 401, errcode.Unauthorized.String())

	rep := e.refresh(r1)
	a2, r2 := rep.tokens(t)
	if r2 == r1 || a2 == a1 {
		t.Fatal("refresh did not rotate")
	}
	if got := rep.body["refresh_expires_in"]; got != float64(12*3600-20*60) {
		t.Fatalf("refresh_expires_in %v: rotation must keep the session's end", got)
	}
	wantStatus(t, e.whoami(a2), 200, "")
	a3, _ := e.refresh(r2).tokens(t)
	wantStatus(t, e.whoami(a3), 200, "")
	wantStatus(t, e.whoami(a2), 200, "") // rotation alone does not revoke access tokens

	// The session ends 12 h after sign-in, however often it was refreshed.
	_, r4 := e.login("bruno", testPassword).tokens(t)
	e.clock.Advance(12 * time.Hour)
	wantStatus(t, e.refresh(r4), 401, errcode.Unauthorized.String())
}

func TestAuthRefreshReuseRevokesFamily(t *testing.T) {
	e := newAuthEnv(t)
	e.user("carla")
	_, other := e.login("carla", testPassword).tokens(t) // a second device: another family
	_, r1 := e.login("carla", testPassword).tokens(t)
	a2, r2 := e.refresh(r1).tokens(t) // the thief (or the owner) rotates first

	replay := e.refresh(r1) // ... and the other party comes back with the old token
	wantStatus(t, replay, 401, errcode.Unauthorized.String())
	if !strings.Contains(replay.raw, "invalid or expired") {
		t.Fatalf("a replay must look like any invalid token: %s", replay.raw)
	}
	wantStatus(t, e.refresh(r2), 401, errcode.Unauthorized.String()) // the whole family is gone
	wantStatus(t, e.whoami(a2), 401, errcode.Unauthorized.String())  // and so are its access tokens

	// The other sign-in keeps working: its refresh token still gives a valid pair.
	a, _ := e.refresh(other).tokens(t)
	wantStatus(t, e.whoami(a), 200, "")
}

func TestAuthLogoutRevokes(t *testing.T) {
	e := newAuthEnv(t)
	e.user("dario")
	a1, r1 := e.login("dario", testPassword).tokens(t)
	aOther, _ := e.login("dario", testPassword).tokens(t)
	wantStatus(t, e.whoami(a1), 200, "")

	wantStatus(t, e.do(e.s, "POST", "/api/v1/auth/logout", "", nil), 401, errcode.Unauthorized.String())
	if r := e.do(e.s, "POST", "/api/v1/auth/logout", a1, nil); r.status != 204 {
		t.Fatalf("logout %d %s", r.status, r.raw)
	}
	w := e.whoami(a1)
	wantStatus(t, w, 401, errcode.Unauthorized.String())
	if !strings.Contains(w.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("WWW-Authenticate %q", w.header.Get("WWW-Authenticate"))
	}
	wantStatus(t, e.whoami(aOther), 401, errcode.Unauthorized.String())
	wantStatus(t, e.refresh(r1), 401, errcode.Unauthorized.String())
	wantStatus(t, e.do(e.s, "POST", "/api/v1/auth/logout", a1, nil), 401, errcode.Unauthorized.String())
	// The revocation is in the database: another replica refuses the token too.
	if r := e.do(e.server(), "GET", "/test/whoami", a1, nil); r.status != 401 {
		t.Fatalf("second replica accepted a revoked token: %d", r.status)
	}

	// Signing in again, in the same second even, gives working tokens.
	a3, r3 := e.login("dario", testPassword).tokens(t)
	wantStatus(t, e.whoami(a3), 200, "")
	a4, _ := e.refresh(r3).tokens(t)
	wantStatus(t, e.whoami(a4), 200, "")
}

func TestAuthSuspendedUser(t *testing.T) {
	e := newAuthEnv(t)
	id := e.user("elena")
	a, r := e.login("elena", testPassword).tokens(t)
	ctx := context.Background()
	if err := store.SetUserActive(ctx, e.db.DB, id, false); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.whoami(a), 401, errcode.Unauthorized.String())
	wantStatus(t, e.refresh(r), 401, errcode.Unauthorized.String())
	wrong := e.login("elena", "not the password")
	right := e.login("elena", testPassword)
	wantStatus(t, right, 401, errcode.Unauthorized.String())
	if right.raw != wrong.raw {
		t.Fatalf("a suspended user's right password answers %s, a wrong one %s", right.raw, wrong.raw)
	}
	// What the admin API does on suspension: revoke too, so reactivation does not revive
	// the old tokens.
	if err := store.RevokeUserTokens(ctx, e.db.DB, id); err != nil {
		t.Fatal(err)
	}
	if err := store.SetUserActive(ctx, e.db.DB, id, true); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.whoami(a), 401, errcode.Unauthorized.String())
	wantStatus(t, e.refresh(r), 401, errcode.Unauthorized.String())
}

func TestAuthRefreshBadRequests(t *testing.T) {
	e := newAuthEnv(t)
	post := func(body string) reply {
		req := httptest.NewRequest("POST", "/api/v1/auth/refresh", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.s.App().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		r := reply{status: resp.StatusCode, raw: string(raw)}
		_ = json.Unmarshal(raw, &r.body)
		return r
	}
	wantStatus(t, post(`{"refresh_token":`), 400, errcode.InvalidRequest.String())
	wantStatus(t, post(`{"refresh_token":"x","scope":"all"}`), 400, errcode.InvalidRequest.String())
	wantStatus(t, post(`{"refresh_token":""}`), 400, errcode.InvalidRequest.String())
	wantStatus(t, post(`{"refresh_token":"short"}`), 401, errcode.Unauthorized.String())
	wantStatus(t, post(`{"refresh_token":"`+strings.Repeat("A", 43)+`"}`), 401, errcode.Unauthorized.String())
}

// lockStep is one sign-in attempt and what it must answer.
type lockStep struct {
	advance    time.Duration
	password   string
	status     int
	retryAfter string
}

func TestAuthLockoutBackOff(t *testing.T) {
	e := newAuthEnv(t)
	e.user("fabio")
	const bad = "wrong"
	steps := []lockStep{
		{0, bad, 401, ""}, {0, bad, 401, ""}, {0, bad, 401, ""}, {0, bad, 401, ""},
		{0, bad, 401, "1"},                       // 5th failure: locked for 1 s
		{0, testPassword, 401, "1"},              // refused unchecked, even the right password
		{time.Second, bad, 401, "2"},             // lock over; 6th failure: 2 s
		{time.Second, testPassword, 401, "1"},    // still locked
		{time.Second, bad, 401, "4"},             // 7th: 4 s
		{4 * time.Second, testPassword, 200, ""}, // success resets
		{0, bad, 401, ""},                        // counting from zero again
	}
	for i, st := range steps {
		e.clock.Advance(st.advance)
		r := e.login("fabio", st.password)
		if r.status != st.status || r.header.Get("Retry-After") != st.retryAfter {
			t.Fatalf("step %d: %d Retry-After %q, want %d %q (%s)", i, r.status, r.header.Get("Retry-After"), st.status, st.retryAfter, r.raw)
		}
	}
}

func TestAuthLockoutCapsAndSharesAcrossReplicas(t *testing.T) {
	e := newAuthEnv(t)
	e.user("gina")
	var last string
	for i := 1; i <= 16; i++ {
		r := e.login("gina", "wrong")
		wantStatus(t, r, 401, errcode.Unauthorized.String())
		last = r.header.Get("Retry-After")
		d := auth.LockDelay(i)
		e.clock.Advance(d)
	}
	if last != "900" {
		t.Fatalf("Retry-After after 16 failures %q, want the 15 min cap", last)
	}
	// Locked again, and a second replica on the same database agrees.
	r := e.login("gina", "wrong")
	e.clock.Advance(time.Minute)
	other := e.do(e.server(), "POST", "/api/v1/auth/token", "", map[string]string{"username": "gina", "password": testPassword})
	if other.status != 401 || other.header.Get("Retry-After") != "840" {
		t.Fatalf("other replica: %d Retry-After %q (first: %q)", other.status, other.header.Get("Retry-After"), r.header.Get("Retry-After"))
	}
	// A quiet day forgets the failures: the right password is checked and accepted.
	e.clock.Advance(auth.LockoutForget)
	e.login("gina", testPassword).tokens(t)
}

// TestAuthLockoutParallelBurst: a burst of parallel guesses is counted attempt by attempt,
// so no more than the threshold ever reach the password check before the lock engages.
func TestAuthLockoutParallelBurst(t *testing.T) {
	e := newAuthEnv(t)
	id := e.user("hugo")
	const n = 20
	var wg sync.WaitGroup
	replies := make(chan reply, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies <- e.login("hugo", "wrong")
		}()
	}
	wg.Wait()
	close(replies)
	unlocked := 0
	for r := range replies {
		if r.status != 401 {
			t.Fatalf("status %d", r.status)
		}
		if r.header.Get("Retry-After") == "" {
			unlocked++
		}
	}
	u, err := store.GetUserAuthByUsername(context.Background(), e.db.DB, "hugo")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != id || u.FailedLogins != auth.LockoutThreshold || unlocked != auth.LockoutThreshold-1 {
		t.Fatalf("failed_logins=%d, answers without Retry-After=%d", u.FailedLogins, unlocked)
	}
}

// TestAuthUnknownUserLooksLikeWrongPassword: step by step, a username that does not exist
// gets exactly the answer (status, body, Retry-After) of a real one with a wrong password.
func TestAuthUnknownUserLooksLikeWrongPassword(t *testing.T) {
	e := newAuthEnv(t)
	e.user("irene")
	for i := range 8 {
		known := e.login("irene", "wrong")
		unknown := e.login("nobody-"+"here", "wrong")
		if known.status != 401 || known.status != unknown.status || known.raw != unknown.raw ||
			known.header.Get("Retry-After") != unknown.header.Get("Retry-After") {
			t.Fatalf("attempt %d: known %d %q %s, unknown %d %q %s", i,
				known.status, known.header.Get("Retry-After"), known.raw,
				unknown.status, unknown.header.Get("Retry-After"), unknown.raw)
		}
		if i >= auth.LockoutThreshold {
			e.clock.Advance(auth.LockDelay(i)) // let both try again, and fail again
		}
	}
}

func TestFailureMemoryIsBounded(t *testing.T) {
	m := newFailureMemory(100)
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for i := range 1000 {
		m.begin("user-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), now)
	}
	if len(m.entries) > 100 {
		t.Fatalf("%d entries, bound 100", len(m.entries))
	}
	for range auth.LockoutThreshold {
		m.begin("target", now)
	}
	if wait, _ := m.begin("target", now); wait != time.Second {
		t.Fatalf("wait %v", wait)
	}
}
