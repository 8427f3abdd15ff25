package catalogue

// Endpoints are where a Comune's PDND and ANPR calls go: PDND's token endpoint and
// client-assertion audience, ANPR's GovWay base URL (with -PDND) and the ModI audience base
// (without it; docs/anpr.md). The one definition: the ANPR client, the activities and the
// simulator name it under their own package (type aliases).
type Endpoints struct {
	TokenURL          string
	AssertionAudience string
	ServiceBaseURL    string
	AudienceBase      string
}

// EndpointsAt are the endpoints of a PDND authorization server and an ANPR GovWay served
// under one base URL at their real paths, as the simulator serves them: a worker in another
// process than the simulator derives them without building one.
func EndpointsAt(base string) Endpoints {
	return Endpoints{
		TokenURL:          base + "/token.oauth2",
		AssertionAudience: base + "/client-assertion",
		ServiceBaseURL:    base + "/govway/rest/in/MinInternoPortaANPR-PDND",
		AudienceBase:      base + "/govway/rest/in/MinInternoPortaANPR",
	}
}
