//go:build stack

package stacktest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestStackWebUISignIn signs in to the stack's Temporal Web UI the way a browser does: the UI
// sends the TOP to Varco's OpenID Provider (api1), the sign-in form is posted to api2 (as a
// balancer without sticky sessions may send it: the sign-in in progress is in the database),
// the UI exchanges the code with api1 and keeps the token, and the UI's API, called with that
// token, lists the namespaces Temporal lets the TOP see — through varco-temporal's
// authorizer: H501's only.
func TestStackWebUISignIn(t *testing.T) {
	s := openStack(t)
	ui := "http://127.0.0.1:" + s.env["UI"]
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	follow := func(resp *http.Response) string {
		t.Helper()
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if resp.StatusCode/100 != 3 || err != nil {
			t.Fatalf("%s: %d, want a redirect", resp.Request.URL, resp.StatusCode)
		}
		return loc.String()
	}
	get := func(u string) *http.Response {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	authorize := follow(get(ui + "/auth/sso"))
	if !strings.HasPrefix(authorize, s.apis[0]+"/oidc/authorize") {
		t.Fatalf("the UI sends the browser to %s, not to Varco's sign-in", authorize)
	}
	login, _ := url.Parse(follow(get(authorize)))
	id := login.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("no sign-in page: %s", login)
	}
	resp, err := c.PostForm(s.apis[1]+"/oidc/login", url.Values{"authRequestID": {id}, "username": {"demo-top"}, "password": {s.env["VARCO_DEMO_PASSWORD"]}})
	if err != nil {
		t.Fatal(err)
	}
	next := follow(resp)
	for !strings.HasPrefix(next, ui) { // the provider's own callback, then the UI's
		next = follow(get(next))
	}
	follow(get(next)) // the UI exchanges the code and sets its cookies
	token := uiAccessToken(t, jar, ui)
	req, _ := http.NewRequest("GET", ui+"/api/v1/namespaces", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("namespaces through the UI: %d %s", resp.StatusCode, body)
	}
	var out struct {
		Namespaces []struct {
			NamespaceInfo struct {
				Name string `json:"name"`
			} `json:"namespaceInfo"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range out.Namespaces {
		names = append(names, n.NamespaceInfo.Name)
	}
	if len(names) != 1 || names[0] != "comune-h501" {
		t.Fatalf("demo-top sees %v through the UI, want [comune-h501]", names)
	}
	// Without the token the UI's API gets nothing from Temporal.
	resp, err = http.Get(ui + "/api/v1/namespaces")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Fatal("the UI listed namespaces without a sign-in")
	}
}

// uiAccessToken reads the token the UI keeps for its JavaScript (cookies user0, user1…: the
// base64 JSON of the signed-in user).
func uiAccessToken(t *testing.T, jar http.CookieJar, ui string) string {
	t.Helper()
	u, _ := url.Parse(ui)
	parts := map[string]string{}
	for _, c := range jar.Cookies(u) {
		parts[c.Name] = c.Value
	}
	var b strings.Builder
	for i := 0; ; i++ {
		p, ok := parts["user"+strconv.Itoa(i)]
		if !ok {
			break
		}
		b.WriteString(p)
	}
	raw, err := base64.StdEncoding.DecodeString(b.String())
	if err != nil {
		t.Fatalf("no signed-in user in the UI's cookies (%v): %v", err, parts)
	}
	var user struct {
		AccessToken string `json:"AccessToken"`
	}
	if err := json.Unmarshal(raw, &user); err != nil || user.AccessToken == "" {
		t.Fatalf("the UI's user: %v %s", err, raw)
	}
	return user.AccessToken
}
