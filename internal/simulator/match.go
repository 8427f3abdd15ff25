package simulator

import (
	"reflect"
	"strings"
)

// Comparison of declared data with the record, for the verification services. A declared
// field is compared after normalising case and whitespace ("  Via  Roma" = "VIA ROMA"); an
// empty field is not declared and not compared. A declared field the record lacks is a
// mismatch: ANPR cannot confirm what it does not hold.

// ignoredFields are ANPR's own codes, notes and provenance markers: a citizen declares
// none of them, so the simulator does not compare them even when a client sends them.
var ignoredFields = map[string]bool{
	"validitaCF": true, "dataAttribuzioneValidita": true, "idSchedaSoggettoANPR": true, "note": true,
	"soggettoAIRE": true, "annoEspatrio": true, "specieFonte": true, "codToponimo": true,
	"toponimoFonte": true, "codiceCivico": true, "civicoFonte": true, "progSNC": true,
	"codiceConsolato": true, "noteStatoCivile": true, "statoCivileND": true, "noteStato": true,
	"dataValidita": true, "ordineMatrimonioPrecedente": true, "ordineUnione": true,
	"progressivoComponente": true, "dataDecorrenza": true, "noteIndirizzo": true,
}

// matcher counts the declared fields compared and those that did not match.
type matcher struct{ checked, failed int }

func (m *matcher) ok() bool { return m.failed == 0 }

// fail records a declaration that cannot hold (e.g. "alive" for a dead subject).
func (m *matcher) fail() { m.checked++; m.failed++ }

// claim records the implicit declaration of a service (e.g. "is married").
func (m *matcher) claim(holds bool) {
	m.checked++
	if !holds {
		m.failed++
	}
}

func (m *matcher) add(o *matcher) { m.checked, m.failed = m.checked+o.checked, m.failed+o.failed }

func (m *matcher) eq(declared, actual string) {
	if declared == "" {
		return
	}
	m.checked++
	if normalise(declared) != normalise(actual) {
		m.failed++
	}
}

// normalise upper-cases and collapses runs of whitespace.
func normalise(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), " ")) }

// compare walks declared against actual (same type; actual may be nil) and returns how many
// fields it compared. Raw JSON blocks (acts, documents) are accepted but not compared.
func compare[T any](m *matcher, declared, actual *T) int {
	before := m.checked
	if declared == nil {
		return 0
	}
	if actual == nil {
		actual = new(T)
	}
	m.walk(reflect.ValueOf(declared).Elem(), reflect.ValueOf(actual).Elem())
	return m.checked - before
}

func (m *matcher) walk(declared, actual reflect.Value) {
	switch declared.Kind() {
	case reflect.Pointer:
		if declared.IsNil() {
			return
		}
		if actual.IsNil() {
			actual = reflect.New(declared.Type().Elem())
		}
		m.walk(declared.Elem(), actual.Elem())
	case reflect.Struct:
		t := declared.Type()
		for i := range t.NumField() {
			if !ignoredFields[jsonName(t.Field(i))] {
				m.walk(declared.Field(i), actual.Field(i))
			}
		}
	case reflect.String:
		m.eq(declared.String(), actual.String())
	}
}
