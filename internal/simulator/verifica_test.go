package simulator

import (
	"github.com/varco-anpr/varco/internal/catalogue"

	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// bodyV builds a RichiestaE002 with a verifica block.
func bodyV(code string, criteri map[string]any, verifica any) []byte {
	var m map[string]any
	_ = json.Unmarshal(body(code, criteri), &m)
	m["verifica"] = verifica
	b, _ := json.Marshal(m)
	return b
}

func cf(p *Person) map[string]any {
	return map[string]any{"codiceFiscale": map[string]string{"codFiscale": p.CodiceFiscale}}
}

// outcome runs a verification and returns its single infoSoggettoEnte.
func outcome(t *testing.T, e *env, code string, b []byte) infoSoggettoEnte {
	t.Helper()
	resp, raw := e.call(t, e.defaultParts(svc(t, code), b))
	r := okAnswer(t, resp, raw)
	d := r.ListaSoggetti.DatiSoggetto
	if len(d) != 1 || len(d[0].InfoSoggettoEnte) != 1 || d[0].Generalita != nil || d[0].Residenza != nil {
		t.Fatalf("verification answer %s", raw)
	}
	return d[0].InfoSoggettoEnte[0]
}

func TestVerificationServices(t *testing.T) {
	e := shared(t)
	pop := e.sim.Population()
	fx, _ := pop.ByIDANPR("AF41450AS") // SOGGETTO SETTIMO, Roma, celibe, alive
	dead := findPerson(t, e, func(p *Person) bool { return p.Deceased() && !p.Cancellato && p.Residenza.Comune != nil })
	married := findPerson(t, e, func(p *Person) bool {
		return alive(p) && p.StatoCivile == StatoCivileConiugato && e.sim.spouse(p) != nil && alive(e.sim.spouse(p))
	})
	spouse := e.sim.spouse(married)
	widow := findPerson(t, e, func(p *Person) bool {
		return alive(p) && p.StatoCivile == StatoCivileVedovo && e.sim.vedovanza(p) != nil
	})
	widowed := e.sim.spouse(widow)
	united := findPerson(t, e, func(p *Person) bool {
		return alive(p) && p.StatoCivile == StatoCivileUnitoCivilmente && e.sim.spouse(p) != nil
	})
	partner := e.sim.spouse(united)
	child := findPerson(t, e, func(p *Person) bool {
		return alive(p) && len(e.sim.parents(p, Maschio)) == 1 && len(e.sim.parents(p, Femmina)) == 1
	})
	father, mother := e.sim.parents(child, Maschio)[0], e.sim.parents(child, Femmina)[0]
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
	members := func(n int) []map[string]any {
		var out []map[string]any
		for i := range fam[:n] {
			out = append(out, map[string]any{"generalita": cf(&fam[i])})
		}
		return out
	}
	abroad := findPerson(t, e, func(p *Person) bool { return alive(p) && p.AIRE() })
	date := func(p *Person) string { return p.DataNascita.Format(dateLayout) }

	tests := []struct {
		name, code string
		subject    *Person
		verifica   any
		want       string
	}{
		{"generalita match, case and spaces ignored", "C003", fx, map[string]any{"generalita": map[string]any{
			"cognome": " settimo ", "nome": "Soggetto", "sesso": "m", "dataNascita": "1990-01-01",
			"luogoNascita": map[string]any{"comune": map[string]string{"codiceIstat": "058091", "nomeComune": "roma"}}}}, "S"},
		{"generalita wrong name", "C003", fx, map[string]any{"generalita": map[string]any{"cognome": "SETTIMO", "nome": "OTTAVO"}}, "N"},
		{"generalita wrong birthplace", "C003", fx, map[string]any{"generalita": map[string]any{"cognome": "SETTIMO",
			"luogoNascita": map[string]any{"comune": map[string]string{"codiceIstat": "015146"}}}}, "N"},
		{"decesso declared, dead", "C004", dead, map[string]any{"datiDecesso": map[string]any{"dataEvento": dead.DataDecesso.Format(dateLayout)}}, "S"},
		{"decesso declared, alive", "C004", fx, map[string]any{"datiDecesso": map[string]any{}}, "N"},
		{"decesso wrong date", "C004", dead, map[string]any{"datiDecesso": map[string]any{"dataEvento": "1901-01-01"}}, "N"},
		{"matrimonio match", "C005", married, map[string]any{"matrimonio": map[string]any{
			"coniuge":        map[string]any{"cognome": strings.ToLower(spouse.Cognome), "nome": spouse.Nome},
			"datiMatrimonio": map[string]any{"dataEvento": married.DataMatrimonio.Format(dateLayout)}}}, "S"},
		{"matrimonio wrong spouse", "C005", married, map[string]any{"matrimonio": map[string]any{
			"coniuge": map[string]any{"codiceFiscale": map[string]string{"codFiscale": "RSSMRA80A01H501U"}}}}, "N"},
		{"matrimonio of a celibe", "C005", fx, map[string]any{"matrimonio": map[string]any{}}, "N"},
		{"cittadinanza italiana", "C006", fx, map[string]any{"cittadinanza": map[string]any{"codiceStato": "100", "descrizioneStato": "Italia"}}, "S"},
		{"cittadinanza tedesca", "C006", fx, map[string]any{"cittadinanza": map[string]any{"codiceStato": "216"}}, "N"},
		{"esistenza in vita, alive", "C007", fx, map[string]any{"generalita": map[string]any{"cognome": "SETTIMO", "nome": "SOGGETTO"}}, "S"},
		{"esistenza in vita, dead", "C007", dead, map[string]any{"generalita": cf(dead)}, "N"},
		{"residenza match", "C008", fx, map[string]any{"residenza": map[string]any{"indirizzo": map[string]any{
			"cap": "00184", "comune": map[string]string{"codiceIstat": "058091"},
			"toponimo":     map[string]string{"specie": "via", "denominazioneToponimo": "Nazionale", "codToponimo": "ANPR-OWN-CODE"},
			"numeroCivico": map[string]string{"numero": "10"}}}}, "S"},
		{"residenza wrong civic number", "C008", fx, map[string]any{"residenza": map[string]any{"indirizzo": map[string]any{
			"numeroCivico": map[string]string{"numero": "11"}}}}, "N"},
		{"residenza Italian address of an AIRE resident", "C008", abroad, map[string]any{"residenza": map[string]any{"indirizzo": map[string]any{
			"comune": map[string]string{"codiceIstat": "058091"}}}}, "N"},
		{"residenza abroad", "C008", abroad, map[string]any{"residenza": map[string]any{"localitaEstera": map[string]any{
			"indirizzoEstero": map[string]any{"localita": map[string]string{"codiceStato": abroad.Residenza.Estero.Codice}}}}}, "S"},
		{"stato di famiglia complete", "C009", head, map[string]any{"listaSoggetti": map[string]any{"datiSoggetto": members(len(fam))}}, "S"},
		{"stato di famiglia missing a member", "C009", head, map[string]any{"listaSoggetti": map[string]any{"datiSoggetto": members(len(fam) - 1)}}, "N"},
		{"stato libero, celibe", "C010", fx, map[string]any{"statoCivile": map[string]any{"statoCivile": "1"}}, "S"},
		{"stato libero, married", "C010", married, map[string]any{"statoCivile": map[string]any{}}, "N"},
		{"vedovanza match", "C011", widow, map[string]any{"vedovanza": map[string]any{"datiMorteconiuge": map[string]any{
			"dataEvento": widowed.DataDecesso.Format(dateLayout)}}}, "S"},
		{"vedovanza of a celibe", "C011", fx, map[string]any{"vedovanza": map[string]any{}}, "N"},
		{"paternita match", "C012", child, map[string]any{"paternita": map[string]any{"generalita": map[string]any{"cognome": father.Cognome, "nome": father.Nome, "dataNascita": date(father)}}}, "S"},
		{"paternita is the mother", "C012", child, map[string]any{"paternita": map[string]any{"generalita": cf(mother)}}, "N"},
		{"paternita unknown father", "C012", fx, map[string]any{"paternita": map[string]any{"generalita": cf(father)}}, "N"},
		{"maternita match", "C013", child, map[string]any{"maternita": map[string]any{"generalita": cf(mother)}}, "S"},
		{"maternita wrong", "C013", child, map[string]any{"maternita": map[string]any{"generalita": map[string]any{"nome": "NESSUNA"}}}, "N"},
		{"unione civile match", "C014", united, map[string]any{"unioneCivile": map[string]any{"unitoCivilmente": cf(partner),
			"attoUnione": map[string]any{"dataEvento": united.DataMatrimonio.Format(dateLayout)}}}, "S"},
		{"unione civile of a married person", "C014", married, map[string]any{"unioneCivile": map[string]any{"unitoCivilmente": cf(spouse)}}, "N"},
		{"idANPR consistent", "C031", fx, map[string]any{"generalita": map[string]any{"codiceFiscale": map[string]string{"codFiscale": "STTSGT90A01H501J"},
			"cognome": "SETTIMO", "nome": "SOGGETTO", "dataNascita": "1990-01-01"}}, "S"},
		{"idANPR of someone else", "C031", fx, map[string]any{"generalita": map[string]any{"codiceFiscale": map[string]string{"codFiscale": "PRVGNN90R10H501Q"}}}, "N"},
		{"generalita alongside the block must match too", "C006", fx, map[string]any{
			"cittadinanza": map[string]any{"codiceStato": "100"}, "generalita": map[string]any{"nome": "ALTRO"}}, "N"},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.name, func(t *testing.T) {
			got := outcome(t, e, tt.code, bodyV(tt.code, byID(tt.subject.IDANPR), tt.verifica))
			spec := verifications[tt.code]
			if got.Valore != tt.want || got.ID != spec.id || got.Chiave != spec.chiave || !strings.HasPrefix(got.Chiave, "Verifica ") {
				t.Fatalf("outcome %+v, want valore %s", got, tt.want)
			}
			// An N says why, in ANPR's words (italia/anpr#4661); an S says nothing more.
			if wantDettaglio := map[string]string{"N": "Dato non corrispondente"}[tt.want]; got.Dettaglio != wantDettaglio {
				t.Errorf("dettaglio %q, want %q", got.Dettaglio, wantDettaglio)
			}
		})
	}
}

// Every catalogue service flagged Verification is modelled, and only those.
func TestVerificationCatalogue(t *testing.T) {
	for _, s := range shared(t).sim.Discovery().EServices {
		if _, ok := verifications[s.Code]; ok != s.Verification {
			t.Errorf("%s: verification %v, modelled %v", s.Code, s.Verification, ok)
		}
	}
}

func TestVerificationRequestErrors(t *testing.T) {
	e := shared(t)
	tests := []struct {
		name, code string
		body       []byte
		campo      string
		text       string
	}{
		{"verifica missing", "C006", body("C006", byID("AF41450AS")), "verifica", "campo verifica obbligatorio per il servizio di verifica C006"},
		{"block missing", "C006", bodyV("C006", byID("AF41450AS"), map[string]any{"generalita": map[string]any{"nome": "X"}}), "verifica.cittadinanza", "verifica.cittadinanza obbligatorio"},
		{"foreign block", "C006", bodyV("C006", byID("AF41450AS"), map[string]any{"cittadinanza": map[string]any{"codiceStato": "100"}, "residenza": map[string]any{}}), "verifica.residenza", "non previsto per il servizio C006"},
		{"nothing declared", "C003", bodyV("C003", byID("AF41450AS"), map[string]any{"generalita": map[string]any{}}), "verifica.generalita", "nessun dato dichiarato"},
		{"unknown field in verifica", "C003", bodyV("C003", byID("AF41450AS"), map[string]any{"generalita": map[string]any{"nomee": "X"}}), "", "unknown field"},
		{"C031 by codice fiscale", "C031", bodyV("C031", map[string]any{"codiceFiscale": "STTSGT90A01H501J"}, map[string]any{"generalita": map[string]any{"nome": "SOGGETTO"}}), "criteriRicerca.idANPR", "C031"},
		{"verifica on an accertamento", "C020", bodyV("C020", byID("AF41450AS"), map[string]any{"generalita": map[string]any{"nome": "X"}}), "verifica", "campo verifica non previsto per il servizio C020"},
		{"verifica on C030", "C030", bodyV("C030", byCF("STTSGT90A01H501J"), map[string]any{}), "verifica", "non previsto"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.call(t, e.defaultParts(svc(t, tt.code), tt.body))
			a := koAnswer(t, resp, b, http.StatusBadRequest)
			if a.CampoErroreAnomalia != tt.campo || !strings.Contains(a.TestoErroreAnomalia, tt.text) {
				t.Fatalf("anomalia %+v", a)
			}
		})
	}
}

// A verification of a subject ANPR does not hold is EN122, like any other service.
func TestVerificationNotFound(t *testing.T) {
	e := shared(t)
	resp, b := e.call(t, e.defaultParts(svc(t, "C003"), bodyV("C003", byID("OR69233LN"), map[string]any{"generalita": map[string]any{"nome": "CECILIA"}})))
	if a := koAnswer(t, resp, b, http.StatusNotFound); a.CodiceErroreAnomalia != "EN122" {
		t.Fatalf("%+v", a)
	}
}

func TestStatoLiberoAndVedovanzaAnswers(t *testing.T) {
	e := shared(t)
	widow := findPerson(t, e, func(p *Person) bool {
		return alive(p) && p.StatoCivile == StatoCivileVedovo && e.sim.vedovanza(p) != nil
	})
	gone := e.sim.spouse(widow)
	tests := []struct {
		name, code, id string
		check          func(t *testing.T, d datiSoggetto)
	}{
		{"C022 celibe", "C022", "AF41450AS", func(t *testing.T, d datiSoggetto) {
			need(t, d.Generalita != nil && d.StatoCivile != nil && d.StatoCivile.StatoCivile == "1" && d.Vedovanza == nil && d.Matrimonio == nil && d.Residenza == nil, d)
		}},
		{"C023 not a widow", "C023", "AF41450AS", func(t *testing.T, d datiSoggetto) {
			need(t, d.StatoCivile.StatoCivile == "1" && d.Vedovanza == nil, d)
		}},
		{"C023 widow", "C023", widow.IDANPR, func(t *testing.T, d datiSoggetto) {
			need(t, d.StatoCivile.StatoCivile == "3" && d.Vedovanza != nil && d.Vedovanza.DatiMorteconiuge != nil &&
				d.Vedovanza.DatiMorteconiuge.DataEvento == gone.DataDecesso.Format(dateLayout), d)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := e.call(t, e.defaultParts(svc(t, tt.code), body(tt.code, byID(tt.id))))
			r := okAnswer(t, resp, b)
			if len(r.ListaSoggetti.DatiSoggetto) != 1 {
				t.Fatalf("%s", b)
			}
			// The E002 superset names (docs/anpr.md §2.2), not invented ones.
			var raw map[string]any
			_ = json.Unmarshal(b, &raw)
			d0 := raw["listaSoggetti"].(map[string]any)["datiSoggetto"].([]any)[0].(map[string]any)
			for k := range d0 {
				if !map[string]bool{"generalita": true, "statoCivile": true, "vedovanza": true}[k] {
					t.Errorf("unexpected block %q", k)
				}
			}
			tt.check(t, r.ListaSoggetti.DatiSoggetto[0])
		})
	}
}

// Civil unions exist in the population, are same-sex, and are not marriages for C017.
func TestPopulationCivilUnions(t *testing.T) {
	e := shared(t)
	p := findPerson(t, e, func(p *Person) bool { return p.StatoCivile == StatoCivileUnitoCivilmente && e.sim.spouse(p) != nil })
	if o := e.sim.spouse(p); o.Sesso != p.Sesso || o.StatoCivile != StatoCivileUnitoCivilmente {
		t.Fatalf("partner %c/%d of %c", o.Sesso, o.StatoCivile, p.Sesso)
	}
	if e.sim.matrimonio(p) != nil {
		t.Fatal("civil union answered as a marriage")
	}
}

// TestVerificationBlocksMatchTheCatalogue: the API refuses a wrong block from the catalogue's
// table, the simulator from its own; they must agree.
func TestVerificationBlocksMatchTheCatalogue(t *testing.T) {
	for code, v := range verifications {
		svc, ok := catalogue.Lookup(code)
		if !ok || svc.VerificaBlock != v.block {
			t.Errorf("%s: catalogue block %q, simulator block %q", code, svc.VerificaBlock, v.block)
		}
	}
}
