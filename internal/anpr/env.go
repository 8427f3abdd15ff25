package anpr

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// ErrUnknownEnvironment is returned by Environment for a name it does not know.
var ErrUnknownEnvironment = errors.New("unknown ANPR environment")

// Endpoints are where a Profile's calls go (catalogue.Endpoints, the one definition).
type Endpoints = catalogue.Endpoints

// environments are the real endpoints of docs/anpr.md §1 and §3.2. The simulator publishes its
// own through its discovery document, so it is not listed here.
var environments = map[string]Endpoints{
	"collaudo": {
		TokenURL:          "https://auth.uat.interop.pagopa.it/token.oauth2",
		AssertionAudience: "auth.uat.interop.pagopa.it/client-assertion",
		ServiceBaseURL:    "https://modipa-val.anpr.interno.it/govway/rest/in/MinInternoPortaANPR-PDND",
		AudienceBase:      "https://modipa-val.anpr.interno.it/govway/rest/in/MinInternoPortaANPR",
	},
	"esercizio": {
		TokenURL:          "https://auth.interop.pagopa.it/token.oauth2",
		AssertionAudience: "auth.interop.pagopa.it/client-assertion",
		ServiceBaseURL:    "https://modipa.anpr.interno.it/govway/rest/in/MinInternoPortaANPR-PDND",
		AudienceBase:      "https://modipa.anpr.interno.it/govway/rest/in/MinInternoPortaANPR",
	},
}

// Environment returns the endpoints of "collaudo" (ANPR's test environment, served under the
// private Sogei test CA: see NewTLSClient) or "esercizio" (production). Names are exact: a
// typo in a Comune's configuration must fail, not fall back to another environment.
func Environment(name string) (Endpoints, error) {
	e, ok := environments[name]
	if !ok {
		known := make([]string, 0, len(environments))
		for k := range environments {
			known = append(known, k)
		}
		slices.Sort(known)
		return Endpoints{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownEnvironment, name, strings.Join(known, ", "))
	}
	return e, nil
}

// SetEndpoints points p at e.
func (p *Profile) SetEndpoints(e Endpoints) {
	p.TokenURL, p.AssertionAudience = e.TokenURL, e.AssertionAudience
	p.ServiceBaseURL, p.AudienceBase = e.ServiceBaseURL, e.AudienceBase
}
