// Package catalogue lists the ANPR e-services Varco knows, as data: the code an integrator
// names (C020), the path segment ANPR publishes it under (C020-servizioAccertamentoResidenza)
// and what it returns. The client, the simulator and the API all read this one table, so a
// service added here is reachable everywhere at once.
package catalogue

import "sort"

// Service is one ANPR e-service ("caso d'uso") reachable through the e002 operation.
// Path names marked as inferred in docs/anpr.md §1 (C003–C014 beyond C008, C022, C023)
// follow ANPR's naming pattern and must be checked against the PDND catalogue before use in
// collaudo.
type Service struct {
	// Code is the ANPR case code, e.g. "C020"; it is also the casoUso sent to ANPR.
	Code string
	// Name is the path segment of the e-service, e.g. "C020-servizioAccertamentoResidenza".
	Name string
	// Returns says, for people, what the service answers.
	Returns string
	// Verification is true for C003–C014: the request carries declared data to verify (verifica)
	// and ANPR answers S/N.
	Verification bool
	// VerificaBlock is the block of TipoVerificaE002 a verification service verifies, e.g.
	// "residenza" for C008 ("generalita", the subject's declared identity, may come beside
	// it); "" for the others.
	VerificaBlock string
	// Inferred is true when no official OpenAPI file or observed answer of this service is
	// public: its path name and answer shape follow ANPR's pattern and the E002 superset
	// (docs/simulator.md, "Inferred services"), and must be checked in collaudo before use.
	Inferred bool
}

var services = map[string]Service{}

// verificaBlocks gives each verification service its block (docs/anpr.md §2.1).
var verificaBlocks = map[string]string{
	"C003": "generalita", "C004": "datiDecesso", "C005": "matrimonio", "C006": "cittadinanza",
	"C007": "generalita", "C008": "residenza", "C009": "listaSoggetti", "C010": "statoCivile",
	"C011": "vedovanza", "C012": "paternita", "C013": "maternita", "C014": "unioneCivile",
	"C031": "generalita",
}

// inferred lists the services whose path or answer shape is not public (docs/anpr.md §1 marks
// them "inf" or describes them by name only).
var inferred = map[string]bool{
	"C024": true, "C025": true, "C026": true, "C029": true, "C032": true, "C033": true, "C034": true,
}

func add(code, name, returns string, verification bool) {
	services[code] = Service{Code: code, Name: code + "-" + name, Returns: returns, Verification: verification,
		VerificaBlock: verificaBlocks[code], Inferred: inferred[code]}
}

func init() {
	add("C001", "servizioNotifica", "generalità, residenza, infoSoggettoEnte, idANPR", false)
	// Verifications: the caller declares data, ANPR answers S (all matches) or N.
	add("C002", "servizioComunicazione", "generalità, residenza, esistenza in vita (infoSoggettoEnte)", false)
	add("C003", "servizioVerificaDichGeneralita", "verifica delle generalità dichiarate (S/N)", true)
	add("C004", "servizioVerificaDichDecesso", "verifica del decesso dichiarato (S/N)", true)
	add("C005", "servizioVerificaDichMatrimonio", "verifica del matrimonio dichiarato (S/N)", true)
	add("C006", "servizioVerificaDichCittadinanza", "verifica della cittadinanza dichiarata (S/N)", true)
	add("C007", "servizioVerificaDichEsistenzaVita", "verifica dell'esistenza in vita (S/N)", true)
	add("C008", "servizioVerificaDichResidenza", "verifica della residenza dichiarata (S/N)", true)
	add("C009", "servizioVerificaDichStatoFamiglia", "verifica dello stato di famiglia dichiarato (S/N)", true)
	add("C010", "servizioVerificaDichStatoLibero", "verifica dello stato libero dichiarato (S/N)", true)
	add("C011", "servizioVerificaDichVedovanza", "verifica della vedovanza dichiarata (S/N)", true)
	add("C012", "servizioVerificaDichPaternita", "verifica della paternità dichiarata (S/N)", true)
	add("C013", "servizioVerificaDichMaternita", "verifica della maternità dichiarata (S/N)", true)
	add("C014", "servizioVerificaDichUnioneCivile", "verifica dell'unione civile dichiarata (S/N)", true)
	add("C015", "servizioAccertamentoGeneralita", "generalità", false)
	add("C016", "servizioAccertamentoDichDecesso", "dati del decesso", false)
	add("C017", "servizioAccertamentoMatrimonio", "dati del matrimonio", false)
	add("C018", "servizioAccertamentoCittadinanza", "cittadinanza", false)
	add("C019", "servizioAccertamentoEsistenzaVita", "esistenza in vita (S/N)", false)
	add("C020", "servizioAccertamentoResidenza", "generalità, residenza, idANPR", false)
	add("C021", "servizioAccertamentoStatoFamiglia", "stato di famiglia: un soggetto per componente", false)
	add("C022", "servizioAccertamentoStatoLibero", "stato civile (stato libero)", false)
	add("C023", "servizioAccertamentoVedovanza", "vedovanza", false)
	add("C024", "servizioAccertamentoPaternita", "paternità: generalità del padre", false)
	add("C025", "servizioAccertamentoMaternita", "maternità: generalità della madre", false)
	add("C026", "servizioAccertamentoUnioneCivile", "unione civile", false)
	add("C029", "servizioAccertamentoDatiAnagrafici", "dati anagrafici: generalità, residenza, stato civile, cittadinanza, idANPR", false)
	add("C030", "servizioAccertamentoIdUnicoNazionale", "identificativo unico nazionale (idANPR)", false)
	add("C031", "servizioVerificaIdUnicoNazionale", "verifica della coerenza tra idANPR e dati anagrafici (S/N)", true)
	add("C032", "servizioAccertamentoElettorale", "dati elettorali: iscrizione nelle liste del Comune di residenza", false)
	add("C033", "servizioAccertamentoResidenzaSenzaDecesso", "generalità, residenza, idANPR, senza dati del decesso", false)
	add("C034", "servizioAccertamentoGenitorialita", "genitorialità: i figli minorenni del soggetto", false)
}

// Lookup returns the service with the given code ("C020").
func Lookup(code string) (Service, bool) {
	s, ok := services[code]
	return s, ok
}

// All returns every known service, ordered by code.
func All() []Service {
	out := make([]Service, 0, len(services))
	for _, s := range services {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}
