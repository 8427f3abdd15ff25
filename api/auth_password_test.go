package api

import (
	"testing"
	"time"

	"github.com/varco-anpr/varco/internal/auth"
)

// TestChangePassword: the current password is checked, a weak new one is refused with
// weak_password, and a change ends the user's other sessions and answers a new token pair.
func TestChangePassword(t *testing.T) {
	e := newAuthEnv(t)
	e.user("mario.rossi")
	old, _ := e.login("mario.rossi", testPassword).tokens(t)
	change := func(current, next string) reply {
		return e.do(e.s, "POST", "/api/v1/auth/password", old, map[string]string{"currentPassword": current, "newPassword": next})
	}
	for _, weak := range []string{"short", "password123", "mariorossi2026", "qwertyuiop12"} {
		if r := change(testPassword, weak); r.status != 400 || r.body["code"] != "weak_password" {
			t.Errorf("weak %q: %d %s", weak, r.status, r.raw)
		}
	}
	strong := "vaso-ruggine-fiordo-ottavino"
	if r := change("not the password", strong); r.status != 401 {
		t.Fatalf("wrong current password: %d %s", r.status, r.raw)
	}
	if r := change(testPassword, strong); r.status != 401 {
		t.Fatalf("right after a wrong password the lockout must hold, as at sign-in: %d", r.status)
	}
	e.clock.Advance(auth.LockDelay(1) + time.Second)
	r := change(testPassword, strong)
	if r.status != 200 {
		t.Fatalf("strong password: %d %s", r.status, r.raw)
	}
	fresh, _ := r.tokens(t)
	if got := e.do(e.s, "GET", "/api/v1/auth/me", old, nil); got.status != 401 {
		t.Errorf("the old session survives the change: %d", got.status)
	}
	me := e.do(e.s, "GET", "/api/v1/auth/me", fresh, nil)
	if me.status != 200 || me.body["username"] != "mario.rossi" || me.body["passwordChangeRequired"] != false {
		t.Errorf("me: %d %s", me.status, me.raw)
	}
	if e.login("mario.rossi", testPassword).status != 401 || e.login("mario.rossi", strong).status != 200 {
		t.Error("the new password is not the one that signs in")
	}
}
