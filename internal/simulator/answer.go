package simulator

import (
	"strconv"
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// Per-service answers (docs/anpr.md §1 table). Each service returns only its blocks: data
// minimisation is the point of having one e-service per use case.

// tipoLegame values seen in ANPR clients: 3 famiglia, 5 famiglia AIRE.
const (
	tipoLegameFamiglia     = "3"
	tipoLegameFamigliaAIRE = "5"
	// tipoIndirizzoResidenza is an Italian residence address; tipoIndirizzoEstero an AIRE
	// resident's address abroad ("residenza estera", 4, as ANPR answers it).
	tipoIndirizzoResidenza = "1"
	tipoIndirizzoEstero    = "4"
	infoEsistenzaInVitaID  = "1003"
	infoEsistenzaInVita    = "Verifica esistenza in vita"
)

func (s *Simulator) build(svc catalogue.Service, p *Person, ref time.Time) []datiSoggetto {
	switch svc.Code {
	case "C001":
		return []datiSoggetto{{Generalita: fullGeneralita(p), Residenza: residenze(p), Identificativi: ids(p), InfoSoggettoEnte: inVita(p, ref)}}
	case "C002":
		return []datiSoggetto{{Generalita: fullGeneralita(p), Residenza: residenze(p), InfoSoggettoEnte: inVita(p, ref)}}
	case "C015":
		return []datiSoggetto{{Generalita: fullGeneralita(p), Identificativi: ids(p)}}
	case "C016":
		// Alive: the answer carries no datiDecesso, which is how a client learns "not dead".
		return []datiSoggetto{{Generalita: fullGeneralita(p), DatiDecesso: decesso(p, ref)}}
	case "C017":
		return []datiSoggetto{{Generalita: fullGeneralita(p), StatoCivile: statoCivileOf(p), Matrimonio: s.matrimonio(p)}}
	case "C018":
		return []datiSoggetto{{Generalita: fullGeneralita(p), Cittadinanza: []cittadinanza{*cittadinanzaOf(p)}}}
	case "C019":
		return []datiSoggetto{{Generalita: fullGeneralita(p), InfoSoggettoEnte: inVita(p, ref)}}
	case "C020":
		// Real C020 answers carry infoSoggettoEnte too (docs/anpr.md §2.2): the esistenza in vita flag.
		return []datiSoggetto{{Generalita: fullGeneralita(p), Residenza: residenze(p), Identificativi: ids(p),
			InfoSoggettoEnte: inVita(p, ref), DatiDecesso: decesso(p, ref)}}
	case "C021":
		return s.famiglia(p, ref)
	case "C022":
		return []datiSoggetto{{Generalita: fullGeneralita(p), StatoCivile: statoCivileOf(p)}}
	case "C023":
		// Not a widow(er): no vedovanza block, as ANPR omits what it does not hold.
		return []datiSoggetto{{Generalita: fullGeneralita(p), StatoCivile: statoCivileOf(p), Vedovanza: s.vedovanza(p)}}
	case "C024":
		return []datiSoggetto{{Generalita: fullGeneralita(p), Paternita: s.genitoreOf(p, Maschio)}}
	case "C025":
		return []datiSoggetto{{Generalita: fullGeneralita(p), Maternita: s.genitoreOf(p, Femmina)}}
	case "C026":
		return []datiSoggetto{{Generalita: fullGeneralita(p), StatoCivile: statoCivileOf(p), UnioneCivile: s.unioneCivileOf(p)}}
	case "C029":
		return []datiSoggetto{{Generalita: fullGeneralita(p), Residenza: residenze(p), Identificativi: ids(p),
			StatoCivile: statoCivileOf(p), Cittadinanza: []cittadinanza{*cittadinanzaOf(p)}, DatiDecesso: decesso(p, ref)}}
	case "C032":
		return []datiSoggetto{{Generalita: fullGeneralita(p), ListaElettorale: elettorale(p, ref)}}
	case "C033":
		// C020 without the death data: the only difference docs/anpr.md §1 records.
		return []datiSoggetto{{Generalita: fullGeneralita(p), Residenza: residenze(p), Identificativi: ids(p)}}
	case "C034":
		return s.genitorialita(p, ref)
	case "C030":
		// The official C030 answer is the identifier alone: no generalità.
		return []datiSoggetto{{Identificativi: ids(p)}}
	default: // a service added to the catalogue but not modelled yet: identity only
		return []datiSoggetto{{Generalita: fullGeneralita(p), Identificativi: ids(p)}}
	}
}

func ids(p *Person) *identificativi { return &identificativi{IDANPR: p.IDANPR} }

func statoCivileOf(p *Person) *statoCivile {
	return &statoCivile{StatoCivile: strconv.Itoa(int(p.StatoCivile))}
}

func cittadinanzaOf(p *Person) *cittadinanza {
	return &cittadinanza{DescrizioneStato: p.Cittadinanza.Nome, CodiceStato: p.Cittadinanza.Codice}
}

func date(t time.Time) string { return t.Format(dateLayout) }

func minimalGeneralita(p *Person) *generalita {
	return &generalita{
		CodiceFiscale: &codiceFiscale{CodFiscale: p.CodiceFiscale, ValiditaCF: "1"},
		Cognome:       p.Cognome, Nome: p.Nome, Sesso: string(p.Sesso), DataNascita: date(p.DataNascita),
	}
}

func fullGeneralita(p *Person) *generalita {
	g := minimalGeneralita(p)
	g.LuogoNascita = birthPlace(p)
	g.IDSchedaSoggettoANPR = strconv.FormatUint(uint64(p.IDScheda), 10)
	if p.AIRE() {
		g.SoggettoAIRE = "S"
		g.AnnoEspatrio = strconv.Itoa(p.Residenza.Dal.Year())
	}
	return g
}

func comuneOf(c *Comune) *comune {
	return &comune{NomeComune: c.Nome, CodiceIstat: c.CodiceIstat, SiglaProvinciaIstat: c.Sigla}
}

func birthPlace(p *Person) *luogo {
	if p.ComuneNascita != nil {
		return &luogo{Comune: comuneOf(p.ComuneNascita)}
	}
	return &luogo{Localita: &localita{DescrizioneStato: p.StatoNascita.Nome, CodiceStato: p.StatoNascita.Codice}}
}

func residenze(p *Person) []residenza {
	r := p.Residenza
	out := residenza{TipoIndirizzo: tipoIndirizzoResidenza, DataDecorrenzaResidenza: date(r.Dal)}
	if r.Estero != nil {
		out.TipoIndirizzo = tipoIndirizzoEstero
		out.LocalitaEstera = &localitaEstera{
			IndirizzoEstero: &indirizzoEstero{
				Localita: &localita{DescrizioneLocalita: r.Estero.Citta, DescrizioneStato: r.Estero.Nome, CodiceStato: r.Estero.Codice},
				Toponimo: &toponimoEstero{Denominazione: r.Toponimo, NumeroCivico: strconv.Itoa(int(r.Civico))},
			},
			Consolato: &consolato{DescrizioneConsolato: r.Estero.Consolato},
		}
		return []residenza{out}
	}
	civ := &numeroCivico{Numero: strconv.Itoa(int(r.Civico))}
	if r.Metrico != 0 {
		civ.Metrico = strconv.Itoa(int(r.Metrico))
	}
	if r.Scala != 0 || r.Interno != 0 {
		civ.CivicoInterno = &civicoInterno{}
		if r.Scala != 0 {
			civ.CivicoInterno.Scala = string(r.Scala)
		}
		if r.Interno != 0 {
			civ.CivicoInterno.Interno1 = strconv.Itoa(int(r.Interno))
		}
	}
	out.Indirizzo = &indirizzo{
		CAP: r.Comune.CAP, Comune: comuneOf(r.Comune),
		Toponimo:     &toponimo{CodSpecie: r.CodSpecie, Specie: r.Specie, DenominazioneToponimo: r.Toponimo},
		NumeroCivico: civ,
	}
	return []residenza{out}
}

// inVita is the C001/C019 "esistenza in vita" flag at the reference date.
func inVita(p *Person, ref time.Time) []infoSoggettoEnte {
	v := "S"
	if p.DeceasedAt(ref) {
		v = "N"
	}
	return []infoSoggettoEnte{{ID: infoEsistenzaInVitaID, Chiave: infoEsistenzaInVita, Valore: v}}
}

// decesso returns the death data when the person had died by ref; the place of death is the
// last residence.
func decesso(p *Person, ref time.Time) *datiEvento {
	if !p.DeceasedAt(ref) {
		return nil
	}
	d := &datiEvento{DataEvento: date(p.DataDecesso)}
	if p.Residenza.Comune != nil {
		d.LuogoEvento = &luogo{Comune: comuneOf(p.Residenza.Comune)}
	} else {
		d.LuogoEvento = &luogo{Localita: &localita{DescrizioneLocalita: p.Residenza.Estero.Citta,
			DescrizioneStato: p.Residenza.Estero.Nome, CodiceStato: p.Residenza.Estero.Codice}}
	}
	return d
}

// matrimonio describes the current or last marriage, with the spouse from the family. A
// civil union is not a marriage: it has no matrimonio block.
func (s *Simulator) matrimonio(p *Person) *matrimonio {
	if p.DataMatrimonio.IsZero() || civilUnion(p) {
		return nil
	}
	m := &matrimonio{DatiMatrimonio: weddingOf(p)}
	if o := s.spouse(p); o != nil {
		m.Coniuge = minimalGeneralita(o)
	}
	return m
}

// civilUnion reports whether p's DataMatrimonio is a civil union (current or ended by death).
func civilUnion(p *Person) bool {
	return p.StatoCivile == StatoCivileUnitoCivilmente || p.StatoCivile == StatoCivileLiberoDecessoUnito
}

// weddingOf is the event of the marriage or union: celebrated where the couple lives.
func weddingOf(p *Person) *datiEvento {
	d := &datiEvento{DataEvento: date(p.DataMatrimonio)}
	if p.Residenza.Comune != nil {
		d.LuogoEvento = &luogo{Comune: comuneOf(p.Residenza.Comune)}
	}
	return d
}

// spouse returns the spouse or partner of p from the family record, dead or alive.
func (s *Simulator) spouse(p *Person) *Person {
	if p.DataMatrimonio.IsZero() {
		return nil
	}
	fam := s.pop.Family(p)
	for i := range fam {
		o := &fam[i]
		if o.IDANPR != p.IDANPR && (o.Legame == LegameIntestatario || o.Legame == LegameConiuge) && o.DataMatrimonio.Equal(p.DataMatrimonio) {
			return o
		}
	}
	return nil
}

// vedovanza is the C023 block of a widow(er) whose deceased spouse is in the registry. A
// widow(er) generated without the spouse's record (a lone intestatario) has no block, only
// statoCivile 3: the simulator does not invent a death it cannot show elsewhere.
func (s *Simulator) vedovanza(p *Person) *vedovanza {
	if p.StatoCivile != StatoCivileVedovo {
		return nil
	}
	if o := s.spouse(p); o != nil && o.Deceased() {
		return &vedovanza{DatiMorteconiuge: decesso(o, o.DataDecesso)}
	}
	return nil
}

// famiglia is the C021 answer: the members registered and alive at ref, each with its
// legame. A deceased subject is answered alone, with the death data.
func (s *Simulator) famiglia(p *Person, ref time.Time) []datiSoggetto {
	tipo := tipoLegameFamiglia
	if p.AIRE() {
		tipo = tipoLegameFamigliaAIRE
	}
	member := func(m *Person, prog int) datiSoggetto {
		return datiSoggetto{
			Generalita: fullGeneralita(m), Identificativi: ids(m), DatiDecesso: decesso(m, ref),
			LegameSoggetto: &legameSoggetto{
				TipoLegame: tipo, CodiceLegame: strconv.Itoa(int(m.Legame)),
				ProgressivoComponente: strconv.Itoa(prog), DataDecorrenza: date(m.Residenza.Dal),
			},
		}
	}
	if p.DeceasedAt(ref) {
		return []datiSoggetto{member(p, 1)}
	}
	fam := s.pop.Family(p)
	out := make([]datiSoggetto, 0, len(fam))
	for i := range fam {
		m := &fam[i]
		if m.Cancellato || m.DataNascita.After(ref) || m.DeceasedAt(ref) {
			continue
		}
		out = append(out, member(m, len(out)+1))
	}
	return out
}
