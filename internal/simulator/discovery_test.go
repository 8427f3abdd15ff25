package simulator

import (
	"encoding/json"
	"net/http"
	"testing"
)

// The discovery document gives exactly the URLs and audiences the signer uses.
func TestDiscovery(t *testing.T) {
	e := shared(t)
	r, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/.well-known/varco-simulator.json", nil)
	resp, b := e.do(t, r)
	var d Discovery
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &d) != nil {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	want := e.sim.Discovery()
	if d.TokenEndpoint != e.sim.TokenURL() || d.ClientAssertionAudience != e.sim.AssertionAudience() ||
		d.VoucherIssuer != e.sim.VoucherIssuer() || d.JWKSURL != e.sim.JWKSURL() || d.Environment != "TEST" ||
		d.VoucherTTLSeconds != 600 || len(d.EServices) != len(want.EServices) {
		t.Fatalf("discovery %s", b)
	}
	byCode := map[string]DiscoveryService{}
	for _, s := range d.EServices {
		byCode[s.Code] = s
	}
	for _, code := range []string{"C001", "C003", "C020", "C022", "C031"} {
		s, ok := byCode[code]
		p := e.defaultParts(svc(t, code), nil)
		req := e.request(t, p) // what the signer calls, with the audience it signs
		if !ok || s.URL != req.URL.String() || s.Audience != p.te["aud"] || s.Audience != p.sig["aud"] ||
			s.Verification != svc(t, code).Verification || s.Name != svc(t, code).Name {
			t.Errorf("%s: %+v vs url %s aud %v", code, s, req.URL, p.te["aud"])
		}
		// The status URL answers.
		r, _ := http.NewRequest(http.MethodGet, s.StatusURL, nil)
		if resp, b := e.do(t, r); resp.StatusCode != 200 {
			t.Errorf("%s status: %d %s", code, resp.StatusCode, b)
		}
	}
	if !byCode["C008"].Verification || byCode["C020"].Verification {
		t.Error("verification flags")
	}
}
