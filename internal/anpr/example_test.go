package anpr_test

import (
	"context"
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/varco-anpr/varco/internal/anpr"
)

// One Client per process; a Profile per Comune; an Operator per authenticated user.
func ExampleClient_Call() {
	var key *rsa.PrivateKey // loaded from the Comune's key store
	hc, err := anpr.NewTLSClient(nil /* collaudo: Sogei test CA PEM */, 10*time.Second)
	if err != nil {
		panic(err)
	}
	c := anpr.NewClient(anpr.Options{HTTPClient: hc})
	p := anpr.Profile{
		ClientID: "<pdnd client id>", Kid: "<kid>", PrivateKey: key,
		PurposeIDs:        map[string]string{"C020": "<purposeId>"},
		TokenURL:          "https://auth.uat.interop.pagopa.it/token.oauth2",
		AssertionAudience: "auth.uat.interop.pagopa.it/client-assertion",
		ServiceBaseURL:    "https://modipa-val.anpr.interno.it/govway/rest/in/MinInternoPortaANPR-PDND",
		AudienceBase:      "https://modipa-val.anpr.interno.it/govway/rest/in/MinInternoPortaANPR",
	}
	op := anpr.Operator{UserID: "mario.rossi", UserLocation: "PC-ANAG-07", LoA: "SpidL2"}
	resp, err := c.Call(context.Background(), p, op, anpr.Request{
		Service: "C020", Criteria: anpr.Criteria{IDANPR: "AB12345CD"},
		Motivo: "PROT-2026-000123", DataRiferimento: "2026-01-05",
	})
	if e, ok := anpr.AsError(err); ok {
		// Audit e.Trace in every case; retry later only if e.Retryable().
		fmt.Println(e.Kind, e.Code, e.Trace.GovWayTransactionID, e.Retryable())
		return
	}
	fmt.Println(len(resp.Soggetti), resp.Trace.IDOperazioneANPR)
}

// idANPR first: resolve the codice fiscale with C030, then consult by idANPR. A batch job
// uses the documented system identity; the endpoints come from the environment's name.
func ExampleClient_Resolve() {
	var key *rsa.PrivateKey // loaded from the Comune's key store
	ep, err := anpr.Environment("collaudo")
	if err != nil {
		panic(err)
	}
	p := anpr.Profile{ClientID: "<pdnd client id>", Kid: "<kid>", PrivateKey: key,
		PurposeIDs: map[string]string{"C030": "<purposeId C030>", "C020": "<purposeId C020>"}}
	p.SetEndpoints(ep)
	c := anpr.NewClient(anpr.Options{}) // Options.Pauses: a shared PauseStore across replicas
	op := anpr.SystemOperator("varco-prod-1")
	id, trace, _, err := c.Resolve(context.Background(), p, op, "RSSMRA85C52H501N", "PROT-2026-000123", "2026-01-05")
	if err != nil {
		fmt.Println(err, trace.IDOperazioneClient) // audit the trace, then stop
		return
	}
	resp, err := c.Call(context.Background(), p, op, anpr.Request{Service: "C020",
		Criteria: anpr.Criteria{IDANPR: id}, Motivo: "PROT-2026-000123", DataRiferimento: "2026-01-05"})
	fmt.Println(resp, err)
}
