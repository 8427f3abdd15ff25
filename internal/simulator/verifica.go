package simulator

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/varco-anpr/varco/internal/catalogue"
)

// Verification services (C003–C014, C031; docs/anpr.md §1, §2.1): the caller declares data in
// `verifica` and ANPR answers S when every declared field matches the record, N otherwise,
// as an infoSoggettoEnte entry. The request shapes follow TipoVerificaE002 of the E002 superset
// (docs/anpr.md [S13]).

// verificaE002 is TipoVerificaE002. Blocks the simulator does not model (cartaIdentita,
// permessoDiSoggiorno, convivenzaDiFatto) are kept raw so that they decode, and refused.
type verificaE002 struct {
	Generalita          *generalita     `json:"generalita,omitempty"`
	Cittadinanza        *cittadinanza   `json:"cittadinanza,omitempty"`
	StatoCivile         *statoCivile    `json:"statoCivile,omitempty"`
	CartaIdentita       json.RawMessage `json:"cartaIdentita,omitempty"`
	PermessoDiSoggiorno json.RawMessage `json:"permessoDiSoggiorno,omitempty"`
	DatiDecesso         *datiEvento     `json:"datiDecesso,omitempty"`
	Matrimonio          *matrimonio     `json:"matrimonio,omitempty"`
	Residenza           *residenza      `json:"residenza,omitempty"`
	Vedovanza           *vedovanza      `json:"vedovanza,omitempty"`
	Paternita           *genitore       `json:"paternita,omitempty"`
	Maternita           *genitore       `json:"maternita,omitempty"`
	ConvivenzaDiFatto   json.RawMessage `json:"convivenzaDiFatto,omitempty"`
	UnioneCivile        *unioneCivile   `json:"unioneCivile,omitempty"`
	ListaSoggetti       *listaVerifica  `json:"listaSoggetti,omitempty"`
}

// genitore is TipoGenitore (paternita / maternita).
type genitore struct {
	Generalita   *generalita     `json:"generalita,omitempty"`
	StatoCivile  *statoCivile    `json:"statoCivile,omitempty"`
	Cittadinanza *cittadinanza   `json:"cittadinanza,omitempty"`
	AltriDati    json.RawMessage `json:"altriDati,omitempty"`
}

// unioneCivile is TipoUnioneCivile.
type unioneCivile struct {
	UnitoCivilmente    *generalita     `json:"unitoCivilmente,omitempty"`
	AttoUnione         *datiEvento     `json:"attoUnione,omitempty"`
	ScioglimentoUnione json.RawMessage `json:"scioglimentoUnione,omitempty"`
	Cittadinanza       *cittadinanza   `json:"cittadinanza,omitempty"`
	OrdineUnione       string          `json:"ordineUnione,omitempty"`
}

// listaVerifica is TipoListaVerificaSoggetti: the declared family for C009.
type listaVerifica struct {
	DatiSoggetto []soggettoVerifica `json:"datiSoggetto"`
}

type soggettoVerifica struct {
	Generalita     *generalita     `json:"generalita,omitempty"`
	LegameSoggetto *legameSoggetto `json:"legameSoggetto,omitempty"`
}

// verification describes one verification service: the block it verifies and its outcome key.
type verification struct {
	block  string // json name of the required verifica block
	id     string // infoSoggettoEnte.id
	chiave string // infoSoggettoEnte.chiave
	// alive: the declaration is about the subject's current state, false for a dead subject.
	alive bool
	check func(s *Simulator, v *verificaE002, p *Person, ref time.Time, m *matcher) error
}

// verifications by service code. Two ids and keys are ANPR's own: 1002 "Verifica generalita'"
// for C003 (a real answer in italia/anpr#4661) and 1003 "Verifica esistenza in vita" (docs/anpr.md
// §2.2). The others are invented (20xx, docs/simulator.md says so): ANPR's are not public.
var verifications = map[string]verification{
	"C003": {"generalita", "1002", "Verifica generalita'", false, checkGeneralita},
	"C004": {"datiDecesso", "2004", "Verifica decesso", false, checkDecesso},
	"C005": {"matrimonio", "2005", "Verifica matrimonio", true, checkMatrimonio},
	"C006": {"cittadinanza", "2006", "Verifica cittadinanza", false, checkCittadinanza},
	"C007": {"generalita", infoEsistenzaInVitaID, infoEsistenzaInVita, true, checkGeneralita},
	"C008": {"residenza", "2008", "Verifica residenza", true, checkResidenza},
	"C009": {"listaSoggetti", "2009", "Verifica stato di famiglia", true, checkFamiglia},
	"C010": {"statoCivile", "2010", "Verifica stato libero", true, checkStatoLibero},
	"C011": {"vedovanza", "2011", "Verifica vedovanza", true, checkVedovanza},
	"C012": {"paternita", "2012", "Verifica paternita", false, checkPaternita},
	"C013": {"maternita", "2013", "Verifica maternita", false, checkMaternita},
	"C014": {"unioneCivile", "2014", "Verifica unione civile", true, checkUnioneCivile},
	"C031": {"generalita", "2031", "Verifica idANPR", false, checkGeneralita},
}

// validateVerifica applies the structural rules: only verification services take verifica,
// they need it with their block, and only that block plus the subject's generalita.
func validateVerifica(svc catalogue.Service, req *richiestaE002) error {
	if !svc.Verification {
		if req.Verifica != nil {
			return badRequest("verifica", fmt.Sprintf("campo verifica non previsto per il servizio %s: lo accettano solo i servizi di verifica (C003–C014, C031)", svc.Code))
		}
		return nil
	}
	spec, ok := verifications[svc.Code]
	if !ok {
		return fmt.Errorf("simulator: verification service %s not modelled", svc.Code)
	}
	if req.Verifica == nil {
		return badRequest("verifica", fmt.Sprintf("campo verifica obbligatorio per il servizio di verifica %s: dichiarare i dati in verifica.%s", svc.Code, spec.block))
	}
	present := presentBlocks(req.Verifica)
	found := false
	for _, b := range present {
		switch b {
		case spec.block:
			found = true
		case "generalita": // the subject's declared identity, allowed alongside any block
		default:
			return badRequest("verifica."+b, fmt.Sprintf("blocco verifica.%s non previsto per il servizio %s (atteso verifica.%s)", b, svc.Code, spec.block))
		}
	}
	if !found {
		return badRequest("verifica."+spec.block, fmt.Sprintf("campo verifica.%s obbligatorio per il servizio di verifica %s", spec.block, svc.Code))
	}
	if svc.Code == "C031" && req.CriteriRicerca.IDANPR == "" {
		return badRequest("criteriRicerca.idANPR", "il servizio C031 verifica un idANPR: indicarlo in criteriRicerca.idANPR")
	}
	return nil
}

// presentBlocks lists the json names of the verifica blocks that were sent.
func presentBlocks(v *verificaE002) []string {
	var out []string
	rv, rt := reflect.ValueOf(v).Elem(), reflect.TypeOf(*v)
	for i := range rt.NumField() {
		f := rv.Field(i)
		if (f.Kind() == reflect.Pointer && !f.IsNil()) || (f.Kind() == reflect.Slice && f.Len() > 0) {
			out = append(out, jsonName(rt.Field(i)))
		}
	}
	return out
}

// datoNonCorrispondente is ANPR's dettaglio of a verification answered N (italia/anpr#4661).
const datoNonCorrispondente = "Dato non corrispondente"

// verify answers a verification service for the subject found.
func (s *Simulator) verify(svc catalogue.Service, q *query, p *Person) ([]datiSoggetto, error) {
	spec := verifications[svc.Code]
	v := q.req.Verifica
	m := &matcher{}
	if v.Generalita != nil {
		if err := declaredGeneralita(m, "verifica.generalita", v.Generalita, p); err != nil {
			return nil, err
		}
	}
	if spec.block != "generalita" {
		if err := spec.check(s, v, p, q.refDate, m); err != nil {
			return nil, err
		}
	}
	if spec.alive && p.DeceasedAt(q.refDate) {
		m.fail()
	}
	out := infoSoggettoEnte{ID: spec.id, Chiave: spec.chiave, Valore: "S"}
	if !m.ok() {
		out.Valore, out.Dettaglio = "N", datoNonCorrispondente
	}
	return []datiSoggetto{{InfoSoggettoEnte: []infoSoggettoEnte{out}}}, nil
}

// declaredGeneralita compares declared generalità with person; nothing declared is a 400.
func declaredGeneralita(m *matcher, campo string, g *generalita, p *Person) error {
	sub := &matcher{}
	compare(sub, g, fullGeneralita(p))
	if sub.checked == 0 {
		return badRequest(campo, "nessun dato dichiarato in "+campo)
	}
	m.add(sub)
	return nil
}

func checkGeneralita(*Simulator, *verificaE002, *Person, time.Time, *matcher) error { return nil }

// checkDecesso: S when the subject died by the reference date and the declared data match.
func checkDecesso(_ *Simulator, v *verificaE002, p *Person, ref time.Time, m *matcher) error {
	m.claim(p.DeceasedAt(ref))
	compare(m, v.DatiDecesso, decesso(p, ref))
	return nil
}

func checkMatrimonio(s *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	sp := s.spouse(p)
	m.claim(p.StatoCivile == StatoCivileConiugato && sp != nil)
	actual := &matrimonio{DatiMatrimonio: weddingOf(p)}
	if sp != nil {
		actual.Coniuge = fullGeneralita(sp)
	}
	compare(m, v.Matrimonio, actual)
	return nil
}

func checkCittadinanza(_ *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	sub := &matcher{}
	compare(sub, v.Cittadinanza, cittadinanzaOf(p))
	if sub.checked == 0 {
		return badRequest("verifica.cittadinanza", "nessun dato dichiarato in verifica.cittadinanza")
	}
	m.add(sub)
	return nil
}

func checkResidenza(_ *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	sub := &matcher{}
	compare(sub, v.Residenza, &residenze(p)[0])
	if sub.checked == 0 {
		return badRequest("verifica.residenza", "nessun dato dichiarato in verifica.residenza")
	}
	m.add(sub)
	return nil
}

// checkFamiglia: the declared members must be exactly the registered, living members of the
// subject's family, in any order.
func checkFamiglia(s *Simulator, v *verificaE002, p *Person, ref time.Time, m *matcher) error {
	declared := v.ListaSoggetti.DatiSoggetto
	if len(declared) == 0 {
		return badRequest("verifica.listaSoggetti.datiSoggetto", "dichiarare almeno un componente della famiglia")
	}
	actual := s.famiglia(p, ref)
	m.claim(len(declared) == len(actual))
	used := make([]bool, len(actual))
	for i, d := range declared {
		campo := "verifica.listaSoggetti.datiSoggetto[" + strconv.Itoa(i) + "]"
		if probe := (&matcher{}); d.Generalita == nil || compare(probe, d.Generalita, &generalita{}) == 0 {
			return badRequest(campo+".generalita", "generalità del componente obbligatorie")
		}
		matched := false
		for j := range actual {
			if used[j] {
				continue
			}
			sub := &matcher{}
			compare(sub, d.Generalita, actual[j].Generalita)
			compare(sub, d.LegameSoggetto, actual[j].LegameSoggetto)
			if sub.ok() {
				used[j], matched = true, true
				break
			}
		}
		m.claim(matched)
	}
	return nil
}

// isStatoLibero: celibe/nubile, vedovo, divorziato, or free after a civil union (docs/anpr.md §2.2).
func isStatoLibero(code uint8) bool {
	switch code {
	case StatoCivileCelibe, StatoCivileVedovo, StatoCivileDivorziato, StatoCivileLiberoDecessoUnito, 8:
		return true
	}
	return false
}

func checkStatoLibero(_ *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	m.claim(isStatoLibero(p.StatoCivile))
	compare(m, v.StatoCivile, statoCivileOf(p))
	return nil
}

func checkVedovanza(s *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	m.claim(p.StatoCivile == StatoCivileVedovo)
	compare(m, v.Vedovanza, s.vedovanza(p))
	return nil
}

func checkPaternita(s *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	return checkGenitore(s, "verifica.paternita", v.Paternita, p, Maschio, m)
}

func checkMaternita(s *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	return checkGenitore(s, "verifica.maternita", v.Maternita, p, Femmina, m)
}

// checkGenitore: the parents the simulator knows are the couple at the head of a child's
// family; with two parents of the same sex either may be the declared one.
func checkGenitore(s *Simulator, campo string, g *genitore, p *Person, sex byte, m *matcher) error {
	if g.Generalita == nil {
		return badRequest(campo+".generalita", "generalità del genitore obbligatorie")
	}
	var best *matcher
	for _, par := range s.parents(p, sex) {
		sub := &matcher{}
		compare(sub, g, &genitore{Generalita: fullGeneralita(par), StatoCivile: statoCivileOf(par), Cittadinanza: cittadinanzaOf(par)})
		if best == nil || sub.ok() {
			best = sub
		}
		if sub.ok() {
			break
		}
	}
	if best == nil { // no such parent in the registry: compare with nothing
		best = &matcher{}
		compare(best, g, &genitore{})
	}
	if best.checked == 0 {
		return badRequest(campo+".generalita", "nessun dato dichiarato in "+campo)
	}
	m.add(best)
	return nil
}

// parents returns p's parents of the given sex: the intestatario and spouse of a child's family.
func (s *Simulator) parents(p *Person, sex byte) []*Person {
	if p.Legame != LegameFiglio {
		return nil
	}
	var out []*Person
	fam := s.pop.Family(p)
	for i := range fam {
		o := &fam[i]
		if (o.Legame == LegameIntestatario || o.Legame == LegameConiuge) && o.Sesso == sex {
			out = append(out, o)
		}
	}
	return out
}

func checkUnioneCivile(s *Simulator, v *verificaE002, p *Person, _ time.Time, m *matcher) error {
	partner := s.spouse(p)
	m.claim(p.StatoCivile == StatoCivileUnitoCivilmente && partner != nil)
	actual := &unioneCivile{AttoUnione: weddingOf(p)}
	if partner != nil {
		actual.UnitoCivilmente, actual.Cittadinanza = fullGeneralita(partner), cittadinanzaOf(partner)
	}
	compare(m, v.UnioneCivile, actual)
	return nil
}

// jsonName is the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}
