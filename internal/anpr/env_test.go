package anpr

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestEnvironment(t *testing.T) {
	cases := []struct {
		name string
		want Endpoints
	}{
		{"collaudo", Endpoints{
			TokenURL:          "https://auth.uat.interop.pagopa.it/token.oauth2",
			AssertionAudience: "auth.uat.interop.pagopa.it/client-assertion",
			ServiceBaseURL:    "https://modipa-val.anpr.interno.it/govway/rest/in/MinInternoPortaANPR-PDND",
			AudienceBase:      "https://modipa-val.anpr.interno.it/govway/rest/in/MinInternoPortaANPR",
		}},
		{"esercizio", Endpoints{
			TokenURL:          "https://auth.interop.pagopa.it/token.oauth2",
			AssertionAudience: "auth.interop.pagopa.it/client-assertion",
			ServiceBaseURL:    "https://modipa.anpr.interno.it/govway/rest/in/MinInternoPortaANPR-PDND",
			AudienceBase:      "https://modipa.anpr.interno.it/govway/rest/in/MinInternoPortaANPR",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Environment(tc.name)
			if err != nil || got != tc.want {
				t.Fatalf("Environment(%q) = %+v, %v", tc.name, got, err)
			}
			// The invariants of docs/anpr.md §3.2 and §3.5, which a wrong edit would break.
			tok, err := url.Parse(got.TokenURL)
			if err != nil || got.AssertionAudience != tok.Host+"/client-assertion" {
				t.Errorf("assertion aud %q does not match token host %q", got.AssertionAudience, got.TokenURL)
			}
			if strings.TrimSuffix(got.ServiceBaseURL, "-PDND") != got.AudienceBase {
				t.Errorf("audience base %q is not the service base without -PDND", got.AudienceBase)
			}
			var p Profile
			p.SetEndpoints(got)
			if p.TokenURL != got.TokenURL || p.AssertionAudience != got.AssertionAudience ||
				p.ServiceBaseURL != got.ServiceBaseURL || p.AudienceBase != got.AudienceBase {
				t.Errorf("SetEndpoints gave %+v", p)
			}
		})
	}
	for _, bad := range []string{"", "Collaudo", "prod", "test", "simulator", " esercizio"} {
		if _, err := Environment(bad); !errors.Is(err, ErrUnknownEnvironment) {
			t.Errorf("Environment(%q) err = %v, want ErrUnknownEnvironment", bad, err)
		}
	}
}
