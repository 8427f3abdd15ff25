package main

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	varco "github.com/varco-anpr/varco/clients/go/varco"
)

// TestGoClientScenario runs the integration scenario (docs/integration.md) with the Go
// client against a running `varco dev`: sign-in, C030 by codice fiscale, C020 by idANPR,
// the errors an application must handle, the Idempotency-Key, refresh and sign-out. Every
// exchange is also checked against openapi.json (contract).
func TestGoClientScenario(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	s, url := startEnv(t, cfg)
	defer s.stop(quietLogger())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	checked := &http.Client{Transport: contract.Transport(http.DefaultTransport), Timeout: time.Minute}
	c := varco.New(url, varco.WithHTTPClient(checked), varco.WithWorkstation("PC-ANAG-07"))

	st, err := c.Status(ctx)
	if err != nil || st.Status != 200 || st.Checks["database"] != "ok" {
		t.Fatalf("status: %+v %v", st, err)
	}
	if _, err := c.Query(ctx, "C020", varco.QueryRequest{}); !errors.Is(err, varco.ErrNotSignedIn) {
		t.Fatalf("query before sign-in: %v", err)
	}
	if err := c.SignIn(ctx, "demo-operatore", "wrong"); problemCode(err) != "unauthorized" {
		t.Fatalf("wrong password: %v", err)
	}
	if err := c.SignIn(ctx, "demo-operatore", "demo"); err != nil {
		t.Fatal(err)
	}

	// C030 by codice fiscale: the idANPR.
	r, err := c.Query(ctx, "C030", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-124",
		Criteri: varco.Criteri{CodiceFiscale: "STTSGT90A01H501J"}})
	if err != nil || len(r.Soggetti) != 1 || r.Soggetti[0].Identificativi == nil || r.Soggetti[0].Identificativi.IDANPR != "AF41450AS" {
		t.Fatalf("C030: %+v %v", r, err)
	}
	if len(r.Anomalie) != 1 || r.Anomalie[0].CodiceErroreAnomalia != "EN148" || r.Anomalie[0].TipoErroreAnomalia != "W" {
		t.Fatalf("C030 by codice fiscale without ANPR's EN148 warning: %+v", r.Anomalie)
	}

	// C020 by idANPR: generalità and residenza, typed.
	r, err = c.Query(ctx, "C020", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-123",
		Criteri: varco.Criteri{IDANPR: "AF41450AS"}}, varco.IdempotencyKey("fascicolo-42"))
	if err != nil || len(r.Soggetti) != 1 || r.Soggetti[0].Generalita == nil || len(r.Soggetti[0].Residenza) == 0 ||
		r.Soggetti[0].Generalita.CodiceFiscale == nil || r.Soggetti[0].Generalita.CodiceFiscale.CodFiscale != "STTSGT90A01H501J" || r.RequestID == "" {
		t.Fatalf("C020: %+v %v", r, err)
	}
	// The same Idempotency-Key answers the same request, with no second ANPR call.
	again, err := c.Query(ctx, "C020", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-123",
		Criteri: varco.Criteri{IDANPR: "AF41450AS"}}, varco.IdempotencyKey("fascicolo-42"))
	if err != nil || again.RequestID != r.RequestID || again.IDOperazioneANPR != r.IDOperazioneANPR {
		t.Fatalf("repeat: %+v %v, first %s %s", again, err, r.RequestID, r.IDOperazioneANPR)
	}
	// … and the outcome is readable by its id.
	out, running, err := c.Request(ctx, r.RequestID)
	if err != nil || running || out.Outcome != "ok" || len(out.Soggetti) != 1 {
		t.Fatalf("outcome: %+v %v %v", out, running, err)
	}

	// A verification: is SETTIMO SOGGETTO alive? ANPR answers S or N in InfoSoggettoEnte.
	v, err := c.Query(ctx, "C007", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-129",
		Criteri:  varco.Criteri{IDANPR: "AF41450AS"},
		Verifica: &varco.Verifica{Generalita: &varco.Generalita{Cognome: "SETTIMO", Nome: "SOGGETTO"}}})
	if err != nil || len(v.Soggetti) != 1 || len(v.Soggetti[0].InfoSoggettoEnte) != 1 || v.Soggetti[0].InfoSoggettoEnte[0].Valore != "S" {
		t.Fatalf("C007: %+v %v", v, err)
	}

	// The errors an application must handle, as typed problems.
	cases := []struct {
		name, service string
		req           varco.QueryRequest
		status        int
		code          string
		audited       bool
	}{
		{"a subject ANPR does not have", "C021", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-125",
			Criteri: varco.Criteri{IDANPR: "OR69233LN"}}, 404, "subject_not_found", true},
		{"a verification outside the operator's profile", "C008", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-126",
			Criteri:  varco.Criteri{IDANPR: "AF41450AS"},
			Verifica: &varco.Verifica{Residenza: &varco.Residenza{TipoIndirizzo: "1"}}}, 403, "forbidden", true},
		{"a wrong codice fiscale", "C020", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-127",
			Criteri: varco.Criteri{CodiceFiscale: "STTSGT90A01H501K"}}, 400, "invalid_codice_fiscale", false},
	}
	for _, tc := range cases {
		_, err := c.Query(ctx, tc.service, tc.req)
		var p *varco.Problem
		if !errors.As(err, &p) || p.Status != tc.status || p.Code != tc.code || (p.RequestID != "") != tc.audited {
			t.Errorf("%s: %v", tc.name, err)
		}
	}

	// Refresh, concurrently: the client serialises it, so no refresh token is spent twice
	// (which would end the session).
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- c.Refresh(ctx) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent refresh: %v", err)
		}
	}
	if _, err := c.Query(ctx, "C030", varco.QueryRequest{Comune: "H501", Motivo: "PROT-2026-128",
		Criteri: varco.Criteri{CodiceFiscale: "STTSGT90A01H501J"}}); err != nil {
		t.Fatalf("query after refresh: %v", err)
	}

	if err := c.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Refresh(ctx); !errors.Is(err, varco.ErrNotSignedIn) {
		t.Fatalf("refresh after sign-out: %v", err)
	}
	if len(contract.Checked()) < 8 {
		t.Fatalf("the contract checked only %v", contract.Checked())
	}
}

func problemCode(err error) string {
	var p *varco.Problem
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}
