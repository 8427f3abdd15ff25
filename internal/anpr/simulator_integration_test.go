package anpr

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/varco-anpr/varco/internal/catalogue"
	"github.com/varco-anpr/varco/internal/simulator"
)

// TestSimulatorEveryService runs the real client against the team's PDND+ANPR simulator over
// HTTP for every catalogue service: the two were written independently from docs/anpr.md, so this
// is where a disagreement on the protocol would show.
func TestSimulatorEveryService(t *testing.T) {
	testKeys(t)
	srv := httptest.NewUnstartedServer(nil)
	defer srv.Close()
	sim, err := simulator.New(simulator.Config{PublicURL: "http://" + srv.Listener.Addr().String(),
		Seed: 1, Population: 50, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("simulator.New: %v", err)
	}
	var anprHits atomic.Int32 // every request reaching the simulated GovWay
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/anpr-service-e002") {
			anprHits.Add(1)
		}
		sim.Handler().ServeHTTP(w, r)
	})
	srv.Start()

	purposes, byCode := map[string]string{}, map[string]string{}
	for _, svc := range catalogue.All() {
		pid := uuid.NewString()
		purposes[pid], byCode[svc.Code] = svc.Code, pid
	}
	if err := sim.RegisterClient(simulator.Client{ClientID: testClientID, Kid: testKid,
		PublicKey: &clientKey.PublicKey, Purposes: purposes}); err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	p := Profile{ClientID: testClientID, Kid: testKid, PrivateKey: clientKey, PurposeIDs: byCode,
		TokenURL: sim.TokenURL(), AssertionAudience: sim.AssertionAudience(),
		ServiceBaseURL: sim.ServiceBaseURL(), AudienceBase: sim.AudienceBase()}
	c := NewClient(Options{})
	person := sim.Population().At(0)
	t.Run("services", func(t *testing.T) { simEveryService(t, c, p, person) })
	t.Run("verification S and N", func(t *testing.T) { simVerification(t, c, p, sim.Population()) })
	t.Run("cached voucher accepted", func(t *testing.T) {
		req := Request{Service: "C020", Criteria: Criteria{IDANPR: person.IDANPR}, Motivo: "PROT-2", DataRiferimento: "2026-01-05"}
		first, err1 := c.Call(context.Background(), p, testOperator, req)
		second, err2 := c.Call(context.Background(), p, testOperator, req)
		if err1 != nil || err2 != nil {
			t.Fatalf("reuse: %v / %v", err1, err2)
		}
		if first.Trace.VoucherJTI != second.Trace.VoucherJTI {
			t.Errorf("voucher not reused: %q then %q", first.Trace.VoucherJTI, second.Trace.VoucherJTI)
		}
	})
	t.Run("cancelled subject", func(t *testing.T) {
		req := Request{Service: "C020", Criteria: Criteria{IDANPR: "OR69233LN"}, Motivo: "PROT-3", DataRiferimento: "2026-01-05"}
		_, err := c.Call(context.Background(), p, testOperator, req)
		if e, ok := AsError(err); !ok || e.Kind != KindNotFound || e.Code != "EN122" {
			t.Errorf("want EN122 not found, got %v", err)
		}
	})
	t.Run("quota exhausted pauses without calling", func(t *testing.T) {
		pid := byCode["C019"]
		sim.SetPurposeQuota(pid, sim.QuotaStatus().Purposes[pid].Used+1) // one call left today
		req := Request{Service: "C019", Criteria: Criteria{IDANPR: person.IDANPR}, Motivo: "PROT-5", DataRiferimento: "2026-01-05"}
		if _, err := c.Call(context.Background(), p, testOperator, req); err != nil {
			t.Fatalf("within quota: %v", err)
		}
		_, err := c.Call(context.Background(), p, testOperator, req)
		if e, ok := AsError(err); !ok || e.Kind != KindQuotaExhausted || e.Code != "LimitExceeded" || e.HTTPStatus != 429 {
			t.Fatalf("want 429 LimitExceeded, got %v", err)
		}
		hits := anprHits.Load()
		_, err = c.Call(context.Background(), p, testOperator, req)
		if !errors.Is(err, ErrQuotaPaused) || anprHits.Load() != hits {
			t.Errorf("paused call: %v (simulator hits %d→%d)", err, hits, anprHits.Load())
		}
		if _, err := c.Call(context.Background(), p, testOperator, Request{Service: "C020",
			Criteria: Criteria{IDANPR: person.IDANPR}, Motivo: "PROT-6", DataRiferimento: "2026-01-05"}); err != nil {
			t.Errorf("another e-service of the Comune: %v", err)
		}
	})
	t.Run("resolve idANPR with C030", func(t *testing.T) {
		id, trace, _, err := c.Resolve(context.Background(), p, testOperator, person.CodiceFiscale, "PROT-7", "2026-01-05")
		if err != nil || id != person.IDANPR || trace.IDOperazioneANPR == "" {
			t.Errorf("Resolve = %q, %+v, %v", id, trace, err)
		}
	})
	t.Run("search by CF warns", func(t *testing.T) {
		req := Request{Service: "C020", Criteria: Criteria{CodiceFiscale: person.CodiceFiscale}, Motivo: "PROT-4", DataRiferimento: "2026-01-05"}
		resp, err := c.Call(context.Background(), p, testOperator, req)
		if err != nil || len(resp.Anomalie) == 0 {
			t.Errorf("want EN148 W anomaly, got %v %v", resp, err)
		}
	})
}

func simEveryService(t *testing.T, c *Client, p Profile, person *simulator.Person) {
	for _, svc := range catalogue.All() {
		t.Run(svc.Code, func(t *testing.T) {
			req := Request{Service: svc.Code, Criteria: Criteria{IDANPR: person.IDANPR},
				Motivo: "PROT-INTEGRATION", DataRiferimento: "2026-01-05"}
			if svc.Code == "C030" { // C030 finds the idANPR: by codice fiscale or generalità
				req.Criteria = Criteria{CodiceFiscale: person.CodiceFiscale}
			}
			if svc.Verification {
				req.Verifica = simDeclaration(t, svc.Code, person)
			}
			resp, err := c.Call(context.Background(), p, testOperator, req)
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if len(resp.Soggetti) == 0 || resp.IDOperazioneANPR == "" || resp.Trace.GovWayTransactionID == "" ||
				resp.Trace.VoucherJTI == "" {
				t.Errorf("response %+v", resp)
			}
			if v := outcome(t, resp); svc.Verification && v != "S" && v != "N" {
				t.Errorf("verification outcome %q, want S or N", v)
			}
		})
	}
}

// simDeclaration is a structurally valid verifica for code: the subject's generalità plus
// the block the service verifies (TipoVerificaE002, docs/anpr.md §2.1). Whether it matches does
// not matter here; simVerification checks S and N.
func simDeclaration(t *testing.T, code string, person *simulator.Person) json.RawMessage {
	gen := map[string]any{"codiceFiscale": map[string]string{"codFiscale": person.CodiceFiscale},
		"cognome": person.Cognome, "nome": person.Nome}
	event := map[string]string{"dataEvento": "2010-06-12"}
	blocks := map[string]map[string]any{
		"C004": {"datiDecesso": event},
		"C005": {"matrimonio": map[string]any{"datiMatrimonio": event}},
		"C006": {"cittadinanza": map[string]string{"codiceStato": person.Cittadinanza.Codice}},
		"C008": {"residenza": map[string]string{"tipoIndirizzo": "1"}},
		"C009": {"listaSoggetti": map[string]any{"datiSoggetto": []any{map[string]any{"generalita": gen}}}},
		"C010": {"statoCivile": map[string]string{"statoCivile": "1"}},
		"C011": {"vedovanza": map[string]any{"datiMorteconiuge": event}},
		"C012": {"paternita": map[string]any{"generalita": map[string]string{"cognome": person.Cognome}}},
		"C013": {"maternita": map[string]any{"generalita": map[string]string{"cognome": person.Cognome}}},
		"C014": {"unioneCivile": map[string]any{"unitoCivilmente": map[string]string{"cognome": "BIANCHI"}}},
	}
	v := map[string]any{"generalita": gen} // alone for C003, C007, C031
	for k, b := range blocks[code] {
		v[k] = b
	}
	return mustJSON(t, v)
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// outcome is the S/N of a verification answer: infoSoggettoEnte[0].valore of the subject.
func outcome(t *testing.T, resp *Response) string {
	t.Helper()
	var s struct {
		InfoSoggettoEnte []struct {
			Valore string `json:"valore"`
		} `json:"infoSoggettoEnte"`
	}
	if len(resp.Soggetti) == 0 || json.Unmarshal(resp.Soggetti[0], &s) != nil || len(s.InfoSoggettoEnte) == 0 {
		return ""
	}
	return s.InfoSoggettoEnte[0].Valore
}

// simVerification calls C003 (generalità) and C008 (residence) with data that match the
// record and with data that do not: ANPR answers S for the first and N for the second.
func simVerification(t *testing.T, c *Client, p Profile, pop *simulator.Population) {
	var person *simulator.Person
	for i := range pop.Len() {
		if q := pop.At(i); q.Residenza.Comune != nil && q.DataDecesso.IsZero() && !q.Cancellato {
			person = q
			break
		}
	}
	if person == nil {
		t.Fatal("no living resident in Italy in the simulated population")
	}
	gen := func(cognome string) map[string]any {
		return map[string]any{"codiceFiscale": map[string]string{"codFiscale": person.CodiceFiscale},
			"cognome": cognome, "nome": person.Nome}
	}
	address := func(street string) map[string]any {
		return map[string]any{"indirizzo": map[string]any{
			"comune":   map[string]string{"codiceIstat": person.Residenza.Comune.CodiceIstat},
			"toponimo": map[string]string{"denominazioneToponimo": street}}}
	}
	cases := []struct {
		name, service string
		verifica      map[string]any
		want          string
	}{
		{"C003 matching", "C003", map[string]any{"generalita": gen(person.Cognome)}, "S"},
		{"C003 other surname", "C003", map[string]any{"generalita": gen(person.Cognome + "X")}, "N"},
		{"C008 matching", "C008", map[string]any{"residenza": address(person.Residenza.Toponimo)}, "S"},
		{"C008 other street", "C008", map[string]any{"residenza": address("VIA INESISTENTE " + person.Residenza.Toponimo)}, "N"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := Request{Service: tc.service, Criteria: Criteria{IDANPR: person.IDANPR},
				Motivo: "PROT-VERIFICA", DataRiferimento: "2026-01-05", Verifica: mustJSON(t, tc.verifica)}
			resp, err := c.Call(context.Background(), p, testOperator, req)
			if err != nil {
				t.Fatalf("Call: %v", err)
			}
			if got := outcome(t, resp); got != tc.want {
				t.Errorf("outcome %q, want %q (answer %s)", got, tc.want, resp.Soggetti)
			}
		})
	}
}
