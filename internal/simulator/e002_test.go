package simulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// okAnswer decodes a 200 RispostaE002OK strictly (the test types mirror the OpenAPI names).
func okAnswer(t *testing.T, resp *http.Response, b []byte) rispostaOK {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("content-type %q", ct)
	}
	var r rispostaOK
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	_, notUUID := uuid.Parse(r.IDOperazioneANPR)
	n, notNumber := strconv.ParseUint(r.IDOperazioneANPR, 10, 64)
	if (notUUID != nil) == (notNumber != nil || n <= 1<<31) { // one of ANPR's two shapes
		t.Errorf("idOperazioneANPR %q", r.IDOperazioneANPR)
	}
	return r
}

func koAnswer(t *testing.T, resp *http.Response, b []byte, status int) anomalia {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content-type %q", ct)
	}
	var r rispostaKO
	if err := json.Unmarshal(b, &r); err != nil || len(r.ListaErrori) != 1 || r.IDOperazioneANPR == "" {
		t.Fatalf("RispostaKO %s (%v)", b, err)
	}
	return r.ListaErrori[0]
}

// findPerson returns the first generated person matching ok.
func findPerson(t *testing.T, e *env, ok func(p *Person) bool) *Person {
	t.Helper()
	pop := e.sim.Population()
	for i := 0; i < pop.Len(); i++ {
		if p := pop.At(i); ok(p) {
			return p
		}
	}
	t.Fatal("no such person in the population")
	return nil
}

func alive(p *Person) bool { return !p.Deceased() && !p.Cancellato }

// TestE002Services runs the full, correctly signed flow for every catalogue service.
func TestE002Services(t *testing.T) {
	e := shared(t)
	const id = "AF41450AS"
	tests := []struct {
		code  string
		check func(t *testing.T, d datiSoggetto)
	}{
		{"C001", func(t *testing.T, d datiSoggetto) {
			need(t, d.Generalita != nil && len(d.Residenza) == 1 && d.Identificativi.IDANPR == id && len(d.InfoSoggettoEnte) == 1, d)
			need(t, d.InfoSoggettoEnte[0] == infoSoggettoEnte{ID: "1003", Chiave: "Verifica esistenza in vita", Valore: "S"}, d)
		}},
		{"C015", func(t *testing.T, d datiSoggetto) {
			need(t, d.Generalita.Cognome == "SETTIMO" && d.Generalita.Nome == "SOGGETTO" && d.Identificativi != nil && d.Residenza == nil, d)
		}},
		{"C016", func(t *testing.T, d datiSoggetto) { need(t, d.Generalita != nil && d.DatiDecesso == nil, d) }},
		{"C017", func(t *testing.T, d datiSoggetto) {
			need(t, d.StatoCivile != nil && d.StatoCivile.StatoCivile == "1", d)
		}},
		{"C018", func(t *testing.T, d datiSoggetto) {
			need(t, len(d.Cittadinanza) == 1 && d.Cittadinanza[0].CodiceStato == "100", d)
		}},
		{"C019", func(t *testing.T, d datiSoggetto) {
			need(t, len(d.InfoSoggettoEnte) == 1 && d.InfoSoggettoEnte[0].Valore == "S" && d.Residenza == nil, d)
		}},
		{"C020", func(t *testing.T, d datiSoggetto) {
			need(t, d.Generalita.CodiceFiscale.CodFiscale == "STTSGT90A01H501J" && d.Identificativi.IDANPR == id, d)
			r := d.Residenza[0]
			need(t, r.Indirizzo.Comune.CodiceIstat == "058091" && r.Indirizzo.Comune.NomeComune == "ROMA" && r.Indirizzo.Toponimo.CodSpecie == "213", d)
			need(t, len(d.InfoSoggettoEnte) == 1 && d.InfoSoggettoEnte[0].ID == "1003" && d.InfoSoggettoEnte[0].Valore == "S" && d.DatiDecesso == nil, d)
		}},
		{"C021", func(t *testing.T, d datiSoggetto) {
			need(t, d.LegameSoggetto != nil && d.LegameSoggetto.CodiceLegame == "1" && d.Identificativi.IDANPR == id, d)
		}},
		{"C030", func(t *testing.T, d datiSoggetto) {
			need(t, d.Identificativi.IDANPR == id && d.Generalita == nil, d) // the identifier alone
		}},
		{"C002", func(t *testing.T, d datiSoggetto) {
			need(t, d.Generalita != nil && len(d.Residenza) == 1 && len(d.InfoSoggettoEnte) == 1 && d.InfoSoggettoEnte[0].Valore == "S" && d.Identificativi == nil, d)
		}},
		{"C026", func(t *testing.T, d datiSoggetto) { // celibe: no union to show
			need(t, d.StatoCivile.StatoCivile == "1" && d.UnioneCivile == nil && d.Residenza == nil, d)
		}},
		{"C029", func(t *testing.T, d datiSoggetto) {
			need(t, d.Generalita != nil && len(d.Residenza) == 1 && d.Identificativi.IDANPR == id && d.StatoCivile != nil && len(d.Cittadinanza) == 1, d)
		}},
		{"C032", func(t *testing.T, d datiSoggetto) { // an adult Italian citizen living in Roma
			need(t, d.ListaElettorale != nil && d.ListaElettorale.Iscritto == "S" && d.ListaElettorale.ComuneIscrizione.CodiceIstat == "058091", d)
		}},
		{"C033", func(t *testing.T, d datiSoggetto) {
			need(t, len(d.Residenza) == 1 && d.Identificativi.IDANPR == id && d.DatiDecesso == nil && d.InfoSoggettoEnte == nil, d)
		}},
		{"C034", func(t *testing.T, d datiSoggetto) { // a single person: answered alone
			need(t, d.Identificativi.IDANPR == id && d.LegameSoggetto == nil, d)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			crit := byID(id)
			if tt.code == "C030" { // C030 finds the idANPR: asked by codice fiscale
				crit = byCF("STTSGT90A01H501J")
			}
			resp, b := e.call(t, e.defaultParts(svc(t, tt.code), body(tt.code, crit)))
			r := okAnswer(t, resp, b)
			if resp.Header.Get(headerTransactionID) == "" {
				t.Error("no GovWay-Transaction-ID")
			}
			if _, err := uuid.Parse(r.IDOperazioneANPR); err != nil { // recent answers' shape
				t.Errorf("idOperazioneANPR %q is not UUID-like", r.IDOperazioneANPR)
			}
			wantWarnings := 0
			if tt.code == "C030" { // asked by codice fiscale: EN148 W
				wantWarnings = 1
			}
			if len(r.ListaSoggetti.DatiSoggetto) != 1 || r.ListaAnomalie == nil || len(r.ListaAnomalie) != wantWarnings {
				t.Fatalf("answer %s", b)
			}
			tt.check(t, r.ListaSoggetti.DatiSoggetto[0])
		})
	}
}

func need(t *testing.T, ok bool, d datiSoggetto) {
	t.Helper()
	if !ok {
		b, _ := json.Marshal(d)
		t.Fatalf("unexpected datiSoggetto %s", b)
	}
}

func TestE002Family(t *testing.T) {
	e := shared(t)
	pop := e.sim.Population()
	head := findPerson(t, e, func(p *Person) bool {
		if p.Legame != LegameIntestatario || !alive(p) {
			return false
		}
		fam := pop.Family(p)
		for i := range fam {
			if !alive(&fam[i]) {
				return false
			}
		}
		return len(fam) >= 3
	})
	fam := pop.Family(head)
	resp, b := e.call(t, e.defaultParts(svc(t, "C021"), body("C021", byID(fam[1].IDANPR))))
	r := okAnswer(t, resp, b)
	got := r.ListaSoggetti.DatiSoggetto
	if len(got) != len(fam) {
		t.Fatalf("%d members, want %d", len(got), len(fam))
	}
	for i, d := range got {
		if d.Identificativi.IDANPR != fam[i].IDANPR || d.LegameSoggetto.CodiceLegame != strconv.Itoa(int(fam[i].Legame)) ||
			d.LegameSoggetto.ProgressivoComponente != strconv.Itoa(i+1) {
			t.Errorf("member %d: %+v", i, d.LegameSoggetto)
		}
	}
}

func TestE002Deceased(t *testing.T) {
	e := shared(t)
	p := findPerson(t, e, func(p *Person) bool { return p.Deceased() && !p.Cancellato && p.Residenza.Comune != nil })
	for _, tc := range []struct{ code, want string }{{"C016", "decesso"}, {"C019", "N"}, {"C020", "decesso"}, {"C001", "N"}} {
		t.Run(tc.code, func(t *testing.T) {
			resp, b := e.call(t, e.defaultParts(svc(t, tc.code), body(tc.code, byID(p.IDANPR))))
			d := okAnswer(t, resp, b).ListaSoggetti.DatiSoggetto[0]
			switch tc.want {
			case "decesso":
				need(t, d.DatiDecesso != nil && d.DatiDecesso.DataEvento == p.DataDecesso.Format("2006-01-02"), d)
			case "N":
				need(t, len(d.InfoSoggettoEnte) == 1 && d.InfoSoggettoEnte[0].Valore == "N", d)
			}
		})
	}
}

func TestE002ByCodiceFiscaleWarns(t *testing.T) {
	e := shared(t)
	resp, b := e.call(t, e.defaultParts(svc(t, "C020"), body("C020", map[string]any{"codiceFiscale": "STTSGT90A01H501J"})))
	r := okAnswer(t, resp, b)
	if r.ListaSoggetti.DatiSoggetto[0].Identificativi.IDANPR != "AF41450AS" {
		t.Fatalf("answer %s", b)
	}
	if len(r.ListaAnomalie) != 1 || r.ListaAnomalie[0].CodiceErroreAnomalia != "EN148" || r.ListaAnomalie[0].TipoErroreAnomalia != "W" ||
		!strings.Contains(r.ListaAnomalie[0].TestoErroreAnomalia, "ID ANPR") {
		t.Fatalf("listaAnomalie %+v", r.ListaAnomalie)
	}
}

func TestE002ByGeneralita(t *testing.T) {
	e := shared(t)
	crit := map[string]any{"cognome": "PROVA", "nome": "GIOVANNI", "sesso": "M",
		"datiNascita": map[string]any{"dataEvento": "1990-10-10", "luogoNascita": map[string]any{"comune": map[string]string{"codiceIstat": "058091"}}}}
	resp, b := e.call(t, e.defaultParts(svc(t, "C030"), body("C030", crit)))
	if id := okAnswer(t, resp, b).ListaSoggetti.DatiSoggetto[0].Identificativi.IDANPR; id != "UK79569LF" {
		t.Fatalf("idANPR %s", id)
	}
}

func TestE002NotFound(t *testing.T) {
	e := shared(t)
	tests := []struct {
		name    string
		criteri map[string]any
		text    string
	}{
		{"unknown idANPR", byID("ZZ00000ZZ"), "Soggetto non registrato in ANPR"},
		{"unknown CF", map[string]any{"codiceFiscale": "RSSMRA80A01H501U"}, "Soggetto non registrato in ANPR"},
		{"cancelled by idANPR", byID("OR69233LN"), "Soggetto cancellato da ANPR"},
		{"cancelled by CF", map[string]any{"codiceFiscale": "PRVCCL60B50G393U"}, "Soggetto cancellato da ANPR"},
		{"unknown generalita", map[string]any{"cognome": "NESSUNO", "nome": "MAI", "sesso": "M", "datiNascita": map[string]string{"dataEvento": "1900-01-01"}}, "Soggetto non registrato in ANPR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.call(t, e.defaultParts(svc(t, "C020"), body("C020", tt.criteri)))
			a := koAnswer(t, resp, b, http.StatusNotFound)
			if a.CodiceErroreAnomalia != "EN122" || a.TipoErroreAnomalia != "E" || a.TestoErroreAnomalia != tt.text {
				t.Fatalf("anomalia %+v", a)
			}
		})
	}
}

func TestE002BornAfterReferenceDate(t *testing.T) {
	e := shared(t)
	b, _ := json.Marshal(map[string]any{"idOperazioneClient": "1", "criteriRicerca": byID("AF41450AS"),
		"datiRichiesta": map[string]string{"dataRiferimentoRichiesta": "1980-01-01", "motivoRichiesta": "x", "casoUso": "C015"}})
	resp, body := e.call(t, e.defaultParts(svc(t, "C015"), b))
	if a := koAnswer(t, resp, body, 404); a.TestoErroreAnomalia != "Soggetto non registrato in ANPR" {
		t.Fatalf("%+v", a)
	}
}

func TestE002RequestValidation(t *testing.T) {
	e := shared(t)
	dr := func(edit func(m map[string]string)) map[string]string {
		m := map[string]string{"dataRiferimentoRichiesta": "2026-01-05", "motivoRichiesta": "PROT-1", "casoUso": "C020"}
		edit(m)
		return m
	}
	raw := func(v any) []byte { b, _ := json.Marshal(v); return b }
	tests := []struct {
		name       string
		body       []byte
		code, text string
	}{
		{"casoUso of another service", body("C030", byID("AF41450AS")), "EN148", "Ente non abilitato o caso uso inesistente : C030"},
		{"casoUso with letter O", body("CO20", byID("AF41450AS")), "EN148", "Ente non abilitato o caso uso inesistente : CO20"},
		{"idOperazioneClient uuid", raw(map[string]any{"idOperazioneClient": "6f1c9a52-1d0e-4b8e-9a51-7a3e0c2b9d10", "criteriRicerca": byID("AF41450AS"), "datiRichiesta": dr(func(map[string]string) {})}),
			"999", "Lunghezza del campo idOperazioneClient maggiore del massimo consentito 30"},
		{"idOperazioneClient missing", raw(map[string]any{"criteriRicerca": byID("AF41450AS"), "datiRichiesta": dr(func(map[string]string) {})}), "999", "idOperazioneClient obbligatorio"},
		{"datiRichiesta missing", raw(map[string]any{"idOperazioneClient": "1", "criteriRicerca": byID("AF41450AS")}), "999", "datiRichiesta obbligatorio"},
		{"motivo missing", raw(map[string]any{"idOperazioneClient": "1", "criteriRicerca": byID("AF41450AS"), "datiRichiesta": dr(func(m map[string]string) { delete(m, "motivoRichiesta") })}), "999", "motivoRichiesta obbligatorio"},
		{"data not a date", raw(map[string]any{"idOperazioneClient": "1", "criteriRicerca": byID("AF41450AS"), "datiRichiesta": dr(func(m map[string]string) { m["dataRiferimentoRichiesta"] = "05/01/2026" })}), "999", "AAAA-MM-GG"},
		{"two criteria", body("C020", map[string]any{"idANPR": "AF41450AS", "codiceFiscale": "STTSGT90A01H501J"}), "999", "uno e un solo criterio"},
		{"no criterion", body("C020", map[string]any{}), "999", "uno e un solo criterio"},
		{"criteriRicerca missing", raw(map[string]any{"idOperazioneClient": "1", "datiRichiesta": dr(func(map[string]string) {})}), "999", "criteriRicerca obbligatorio"},
		{"malformed CF", body("C020", map[string]any{"codiceFiscale": "stt"}), "999", "codice fiscale formalmente non valido"},
		{"partial generalita", body("C020", map[string]any{"cognome": "ROSSI"}), "999", "cognome, nome, sesso e data di nascita"},
		{"unknown field", raw(map[string]any{"idOperazioneClient": "1", "criteriRicerca": byID("AF41450AS"), "datiRichiesta": dr(func(map[string]string) {}), "extra": 1}), "999", "unknown field"},
		{"trailing data", append(body("C020", byID("AF41450AS")), []byte(`{}`)...), "999", "dati dopo l'oggetto JSON"},
		{"not json", []byte("idANPR=AF41450AS"), "999", "non conforme a RichiestaE002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.call(t, e.defaultParts(svc(t, "C020"), tt.body))
			a := koAnswer(t, resp, b, http.StatusBadRequest)
			if a.CodiceErroreAnomalia != tt.code || a.TipoErroreAnomalia != "E" || !strings.Contains(a.TestoErroreAnomalia, tt.text) {
				t.Fatalf("anomalia %+v", a)
			}
		})
	}
}

func TestIDOperazioneANPRIncreases(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.NumericOperations = true })
	var last uint64
	for i := 0; i < 3; i++ {
		resp, b := e.call(t, e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS"))))
		n, _ := strconv.ParseUint(okAnswer(t, resp, b).IDOperazioneANPR, 10, 64)
		if n <= last || n <= 1<<31 {
			t.Fatalf("idOperazioneANPR %d after %d", n, last)
		}
		last = n
	}
}

func TestUnknownAPIAndStatus(t *testing.T) {
	e := shared(t)
	get := func(path string) (*http.Response, []byte) {
		r, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		return e.do(t, r)
	}
	for _, path := range []string{
		"/govway/rest/in/MinInternoPortaANPR-PDND/C999-servizioInesistente/v1/status",
		"/govway/rest/in/MinInternoPortaANPR-PDND/C001–servizioNotifica/v1/status", // en dash of the YAML
		"/govway/rest/in/MinInternoPortaANPR/C020-servizioAccertamentoResidenza/v1/status",
		"/nothing",
	} {
		resp, b := get(path)
		if pb := problem(t, resp, b); resp.StatusCode != 404 || pb.Detail != "Unknown API Request" || pb.Title != "NotFound" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
	}
	// POST to an unknown e-service is a 404 too, before any security check.
	r, _ := http.NewRequest(http.MethodPost, e.sim.ServiceBaseURL()+"/C999-x/v1/anpr-service-e002", strings.NewReader("{}"))
	if resp, b := e.do(t, r); resp.StatusCode != 404 {
		t.Errorf("unknown e002: %d %s", resp.StatusCode, b)
	}
	resp, b := get("/govway/rest/in/MinInternoPortaANPR-PDND/C020-servizioAccertamentoResidenza/v1/status")
	var ko rispostaKO
	if resp.StatusCode != 200 || json.Unmarshal(b, &ko) != nil || ko.IDOperazioneANPR == "" {
		t.Fatalf("status: %d %s", resp.StatusCode, b)
	}
}

func TestURLs(t *testing.T) {
	s, err := New(Config{PublicURL: "http://127.0.0.1:8089/", Population: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		s.TokenURL():          "http://127.0.0.1:8089/token.oauth2",
		s.AssertionAudience(): "http://127.0.0.1:8089/client-assertion",
		s.VoucherIssuer():     "127.0.0.1:8089",
		s.ServiceBaseURL():    "http://127.0.0.1:8089/govway/rest/in/MinInternoPortaANPR-PDND",
		s.AudienceBase():      "http://127.0.0.1:8089/govway/rest/in/MinInternoPortaANPR",
	}
	for got, w := range want {
		if got != w {
			t.Errorf("%s, want %s", got, w)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8089", "/relative"} {
		if _, err := New(Config{PublicURL: bad}); err == nil {
			t.Errorf("PublicURL %q accepted", bad)
		}
	}
}

// TestC030OfficialCriteria: C030 finds the idANPR from a codice fiscale or generalità, never
// from an idANPR, and answers with the identifier alone, with the EN148 warning every search
// not made by idANPR gets (italia/anpr#4571).
func TestC030OfficialCriteria(t *testing.T) {
	e := shared(t)
	resp, b := e.call(t, e.defaultParts(svc(t, "C030"), body("C030", byID("AF41450AS"))))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "criteriRicerca.idANPR") {
		t.Fatalf("C030 by idANPR: %d %s", resp.StatusCode, b)
	}
	resp, b = e.call(t, e.defaultParts(svc(t, "C030"), body("C030", byCF("STTSGT90A01H501J"))))
	r := okAnswer(t, resp, b)
	if len(r.ListaAnomalie) != 1 || r.ListaAnomalie[0].CodiceErroreAnomalia != "EN148" || r.ListaAnomalie[0].TipoErroreAnomalia != "W" ||
		r.ListaSoggetti.DatiSoggetto[0].Identificativi.IDANPR != "AF41450AS" {
		t.Fatalf("C030 by codice fiscale: %s", b)
	}
}
