package simulator

import (
	"encoding/json"
	"net/http"
	"testing"
)

// C003's outcome is the one ANPR really answers (italia/anpr#4661):
// {"id":"1002","chiave":"Verifica generalita'","dettaglio":"Dato non corrispondente","valore":"N"}.
func TestC003OutcomeAsANPRAnswersIt(t *testing.T) {
	e := shared(t)
	got := outcome(t, e, "C003", bodyV("C003", byID("AF41450AS"), map[string]any{
		"generalita": map[string]any{"cognome": "SETTIMO", "nome": "OTTAVO"}}))
	b, _ := json.Marshal(got)
	if want := `{"id":"1002","chiave":"Verifica generalita'","valore":"N","dettaglio":"Dato non corrispondente"}`; string(b) != want {
		t.Fatalf("outcome %s, want %s", b, want)
	}
}

// The parents' services answer the parent of the family record; C034 answers the minor
// children after the parent; a subject with no such relative gets no block.
func TestParentsAndChildren(t *testing.T) {
	e := shared(t)
	pop := e.sim.Population()
	var father, mother, child *Person
	findPerson(t, e, func(p *Person) bool {
		if p.Legame != LegameFiglio || !alive(p) || adultAt(p, e.clock.now()) {
			return false
		}
		father, mother, child = nil, nil, p
		fam := pop.Family(p)
		for i := range fam {
			o := &fam[i]
			if alive(o) && (o.Legame == LegameIntestatario || o.Legame == LegameConiuge) {
				if o.Sesso == Maschio {
					father = o
				} else {
					mother = o
				}
			}
		}
		return father != nil && mother != nil
	})
	ask := func(code, idANPR string) []datiSoggetto {
		resp, b := e.call(t, e.defaultParts(svc(t, code), body(code, byID(idANPR))))
		return okAnswer(t, resp, b).ListaSoggetti.DatiSoggetto
	}
	if d := ask("C024", child.IDANPR)[0]; d.Paternita == nil || d.Paternita.Generalita.CodiceFiscale.CodFiscale != father.CodiceFiscale {
		need(t, false, d)
	}
	if d := ask("C025", child.IDANPR)[0]; d.Maternita == nil || d.Maternita.Generalita.CodiceFiscale.CodFiscale != mother.CodiceFiscale {
		need(t, false, d)
	}
	if d := ask("C024", father.IDANPR)[0]; d.Paternita != nil { // the head of the family: no father on record
		need(t, false, d)
	}
	got := ask("C034", mother.IDANPR)
	if got[0].Identificativi.IDANPR != mother.IDANPR || got[0].LegameSoggetto != nil {
		t.Fatalf("first soggetto %+v, want the parent", got[0])
	}
	found := false
	for _, d := range got[1:] {
		found = found || d.Identificativi.IDANPR == child.IDANPR
		if d.LegameSoggetto == nil || d.LegameSoggetto.CodiceLegame != "3" {
			t.Errorf("child without legame: %+v", d)
		}
		if c, _ := pop.ByIDANPR(d.Identificativi.IDANPR); c == nil || adultAt(c, e.clock.now()) {
			t.Errorf("C034 listed %s, not a minor child", d.Identificativi.IDANPR)
		}
	}
	if !found {
		t.Errorf("C034 of the mother misses her minor child %s", child.IDANPR)
	}
}

// Without the sandbox flag the simulator is as terse as the real gateway: unknown fields are
// ignored, a malformed request gets ANPR's generic text, and a refused ModI request the
// gateway's generic detail (italia/anpr#5066, #5289).
func TestRealGatewayTexts(t *testing.T) {
	e := newEnvWith(t, func(c *Config) { c.Sandbox = false })
	var req map[string]any
	_ = json.Unmarshal(body("C020", byID("AF41450AS")), &req)
	req["campoSconosciuto"] = "ignorato"
	b, _ := json.Marshal(req)
	resp, out := e.call(t, e.defaultParts(svc(t, "C020"), b))
	okAnswer(t, resp, out)

	resp, out = e.call(t, e.defaultParts(svc(t, "C020"), body("C020", map[string]any{})))
	if a := koAnswer(t, resp, out, http.StatusBadRequest); a.CodiceErroreAnomalia != codeGeneric || a.TestoErroreAnomalia != textGeneric {
		t.Errorf("anomaly %+v, want the generic %q only", a, textGeneric)
	}

	p := e.defaultParts(svc(t, "C020"), body("C020", byID("AF41450AS")))
	p.te["aud"] = "https://elsewhere.example"
	resp, out = e.call(t, p)
	var prob govwayProblem
	if err := json.Unmarshal(out, &prob); err != nil || resp.StatusCode != http.StatusBadRequest || prob.Detail != notConformDetail {
		t.Errorf("status %d, problem %s, want detail %q", resp.StatusCode, out, notConformDetail)
	}
}

// Two people share ROSSI MARIO's generalità: without the Comune of birth ANPR cannot tell them
// apart (EN095); with it, it finds one.
func TestHomonymsAreEN095(t *testing.T) {
	e := shared(t)
	gen := map[string]any{"cognome": "ROSSI", "nome": "MARIO", "sesso": "M", "datiNascita": map[string]any{"dataEvento": "1980-12-03"}}
	resp, b := e.call(t, e.defaultParts(svc(t, "C030"), body("C030", gen)))
	if a := koAnswer(t, resp, b, http.StatusBadRequest); a.CodiceErroreAnomalia != "EN095" || a.TipoErroreAnomalia != "E" {
		t.Fatalf("anomaly %+v, want EN095", a)
	}
	gen["datiNascita"] = map[string]any{"dataEvento": "1980-12-03", "luogoNascita": map[string]any{"comune": map[string]any{"codiceIstat": "015146"}}}
	resp, b = e.call(t, e.defaultParts(svc(t, "C030"), body("C030", gen)))
	if d := okAnswer(t, resp, b).ListaSoggetti.DatiSoggetto; len(d) != 1 || d[0].Identificativi == nil {
		t.Fatalf("with the Comune of birth: %s", b)
	}
}
