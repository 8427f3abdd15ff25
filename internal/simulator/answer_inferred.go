package simulator

import (
	"strconv"
	"time"
)

// Answers of the services whose shape is inferred (catalogue.Service.Inferred; docs/anpr.md §1
// names them and the E002 superset names their blocks, no public answer shows them). Each
// follows the rule of the modelled ones: the subject's generalità, then only the service's
// blocks, and nothing where ANPR holds nothing.

// genitoreOf is the C024/C025 block: the parent of the given sex in the subject's family
// record. A subject who is not a child of the family's head has no block: the simulator does
// not know parents it cannot show elsewhere.
func (s *Simulator) genitoreOf(p *Person, sex byte) *genitore {
	par := s.parents(p, sex)
	if len(par) == 0 {
		return nil
	}
	return &genitore{Generalita: fullGeneralita(par[0]), StatoCivile: statoCivileOf(par[0]), Cittadinanza: cittadinanzaOf(par[0])}
}

// unioneCivileOf is the C026 block of a person in a civil union (current, or ended by the
// partner's death), with the partner when the registry holds them.
func (s *Simulator) unioneCivileOf(p *Person) *unioneCivile {
	if !civilUnion(p) {
		return nil
	}
	u := &unioneCivile{AttoUnione: weddingOf(p)}
	if o := s.spouse(p); o != nil {
		u.UnitoCivilmente, u.Cittadinanza = minimalGeneralita(o), cittadinanzaOf(o)
	}
	return u
}

// elettorale is the C032 block: an Italian citizen of age, alive and resident in Italy, is on
// the lists of the Comune of residence; an AIRE citizen on those of the Comune of AIRE
// registration, which the simulator does not hold, so it answers without the Comune.
func elettorale(p *Person, ref time.Time) *listaElettorale {
	if p.Cittadinanza == nil || p.Cittadinanza.Codice != italia.Codice || p.DeceasedAt(ref) || !adultAt(p, ref) {
		return &listaElettorale{Iscritto: "N"}
	}
	l := &listaElettorale{Iscritto: "S"}
	if p.Residenza.Comune != nil {
		l.ComuneIscrizione = comuneOf(p.Residenza.Comune)
	}
	return l
}

// genitorialita is the C034 answer: the subject, then each of their minor children alive at
// ref, each with its legame. A subject who heads no family with children answers alone.
func (s *Simulator) genitorialita(p *Person, ref time.Time) []datiSoggetto {
	out := []datiSoggetto{{Generalita: fullGeneralita(p), Identificativi: ids(p)}}
	if p.Legame != LegameIntestatario && p.Legame != LegameConiuge {
		return out
	}
	fam := s.pop.Family(p)
	for i := range fam {
		c := &fam[i]
		if c.Legame != LegameFiglio || c.Cancellato || c.DeceasedAt(ref) || c.DataNascita.After(ref) || adultAt(c, ref) {
			continue
		}
		out = append(out, datiSoggetto{Generalita: fullGeneralita(c), Identificativi: ids(c),
			LegameSoggetto: &legameSoggetto{TipoLegame: tipoLegameFamiglia, CodiceLegame: strconv.Itoa(int(c.Legame)),
				ProgressivoComponente: strconv.Itoa(len(out) + 1)}})
	}
	return out
}

// adultAt reports whether p is 18 or older on day.
func adultAt(p *Person, day time.Time) bool {
	return !p.DataNascita.AddDate(18, 0, 0).After(day)
}
