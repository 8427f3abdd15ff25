package simulator

import "encoding/json"

// JSON shapes of the e002 operation, with the field names of the official OpenAPI files
// (docs/reference/anpr-openapi) and docs/anpr.md §2. Every optional field is omitempty: ANPR omits
// what it does not hold, and clients must not see empty placeholders.

type richiestaE002 struct {
	IDOperazioneClient string          `json:"idOperazioneClient"`
	CriteriRicerca     *criteriRicerca `json:"criteriRicerca"`
	DatiRichiesta      *datiRichiesta  `json:"datiRichiesta"`
	// Verifica carries the declared data of the verification services (verifica.go).
	Verifica *verificaE002 `json:"verifica,omitempty"`
}

type criteriRicerca struct {
	CodiceFiscale string       `json:"codiceFiscale,omitempty"`
	IDANPR        string       `json:"idANPR,omitempty"`
	Cognome       string       `json:"cognome,omitempty"`
	SenzaCognome  string       `json:"senzaCognome,omitempty"`
	Nome          string       `json:"nome,omitempty"`
	SenzaNome     string       `json:"senzaNome,omitempty"`
	Sesso         string       `json:"sesso,omitempty"`
	DatiNascita   *datiNascita `json:"datiNascita,omitempty"`
}

type datiNascita struct {
	DataEvento      string `json:"dataEvento,omitempty"`
	SenzaGiorno     string `json:"senzaGiorno,omitempty"`
	SenzaGiornoMese string `json:"senzaGiornoMese,omitempty"`
	LuogoNascita    *luogo `json:"luogoNascita,omitempty"`
}

type datiRichiesta struct {
	DataRiferimentoRichiesta string `json:"dataRiferimentoRichiesta"`
	MotivoRichiesta          string `json:"motivoRichiesta"`
	CasoUso                  string `json:"casoUso"`
}

type rispostaOK struct {
	IDOperazioneANPR string        `json:"idOperazioneANPR"`
	ListaSoggetti    listaSoggetti `json:"listaSoggetti"`
	ListaAnomalie    []anomalia    `json:"listaAnomalie"` // [] rather than absent, as ANPR sends it
}

type rispostaKO struct {
	IDOperazioneANPR string     `json:"idOperazioneANPR"`
	ListaErrori      []anomalia `json:"listaErrori"`
}

type anomalia struct {
	CodiceErroreAnomalia  string `json:"codiceErroreAnomalia"`
	TipoErroreAnomalia    string `json:"tipoErroreAnomalia"`
	TestoErroreAnomalia   string `json:"testoErroreAnomalia"`
	OggettoErroreAnomalia string `json:"oggettoErroreAnomalia,omitempty"`
	CampoErroreAnomalia   string `json:"campoErroreAnomalia,omitempty"`
	ValoreErroreAnomalia  string `json:"valoreErroreAnomalia,omitempty"`
}

type listaSoggetti struct {
	DatiSoggetto []datiSoggetto `json:"datiSoggetto"`
}

type datiSoggetto struct {
	Generalita       *generalita        `json:"generalita,omitempty"`
	Residenza        []residenza        `json:"residenza,omitempty"`
	Identificativi   *identificativi    `json:"identificativi,omitempty"`
	InfoSoggettoEnte []infoSoggettoEnte `json:"infoSoggettoEnte,omitempty"`
	DatiDecesso      *datiEvento        `json:"datiDecesso,omitempty"`
	LegameSoggetto   *legameSoggetto    `json:"legameSoggetto,omitempty"`
	StatoCivile      *statoCivile       `json:"statoCivile,omitempty"`
	Matrimonio       *matrimonio        `json:"matrimonio,omitempty"`
	Vedovanza        *vedovanza         `json:"vedovanza,omitempty"`
	Cittadinanza     []cittadinanza     `json:"cittadinanza,omitempty"`
	Paternita        *genitore          `json:"paternita,omitempty"`
	Maternita        *genitore          `json:"maternita,omitempty"`
	UnioneCivile     *unioneCivile      `json:"unioneCivile,omitempty"`
	ListaElettorale  *listaElettorale   `json:"listaElettorale,omitempty"`
}

// listaElettorale is the C032 block. Its shape is inferred (docs/simulator.md, "Inferred
// services"): the E002 superset names the block, no public answer shows its fields.
type listaElettorale struct {
	Iscritto         string  `json:"iscritto"` // S or N
	ComuneIscrizione *comune `json:"comuneIscrizione,omitempty"`
}

type generalita struct {
	CodiceFiscale        *codiceFiscale `json:"codiceFiscale,omitempty"`
	Cognome              string         `json:"cognome,omitempty"`
	SenzaCognome         string         `json:"senzaCognome,omitempty"`
	Nome                 string         `json:"nome,omitempty"`
	SenzaNome            string         `json:"senzaNome,omitempty"`
	Sesso                string         `json:"sesso,omitempty"`
	DataNascita          string         `json:"dataNascita,omitempty"`
	SenzaGiorno          string         `json:"senzaGiorno,omitempty"`
	SenzaGiornoMese      string         `json:"senzaGiornoMese,omitempty"`
	LuogoNascita         *luogo         `json:"luogoNascita,omitempty"`
	SoggettoAIRE         string         `json:"soggettoAIRE,omitempty"`
	AnnoEspatrio         string         `json:"annoEspatrio,omitempty"`
	IDSchedaSoggettoANPR string         `json:"idSchedaSoggettoANPR,omitempty"`
	Note                 string         `json:"note,omitempty"`
	// IDSchedaSoggettoComune is accepted in declared data and never compared or emitted.
	IDSchedaSoggettoComune json.RawMessage `json:"idSchedaSoggettoComune,omitempty"`
}

type codiceFiscale struct {
	CodFiscale string `json:"codFiscale"`
	ValiditaCF string `json:"validitaCF,omitempty"`
	// DataAttribuzioneValidita is never emitted; it is here so declared data decodes.
	DataAttribuzioneValidita string `json:"dataAttribuzioneValidita,omitempty"`
}

// luogo is TipoLuogoEvento / TipoLuogoNascita3000.
type luogo struct {
	LuogoEccezionale string    `json:"luogoEccezionale,omitempty"`
	Comune           *comune   `json:"comune,omitempty"`
	Localita         *localita `json:"localita,omitempty"`
}

type comune struct {
	NomeComune          string `json:"nomeComune,omitempty"`
	CodiceIstat         string `json:"codiceIstat,omitempty"`
	SiglaProvinciaIstat string `json:"siglaProvinciaIstat,omitempty"`
	DescrizioneLocalita string `json:"descrizioneLocalita,omitempty"`
}

type localita struct {
	DescrizioneLocalita string `json:"descrizioneLocalita,omitempty"`
	DescrizioneStato    string `json:"descrizioneStato,omitempty"`
	CodiceStato         string `json:"codiceStato,omitempty"`
	ProvinciaContea     string `json:"provinciaContea,omitempty"`
}

type residenza struct {
	TipoIndirizzo           string          `json:"tipoIndirizzo,omitempty"`
	NoteIndirizzo           string          `json:"noteIndirizzo,omitempty"`
	Presso                  string          `json:"presso,omitempty"`
	Indirizzo               *indirizzo      `json:"indirizzo,omitempty"`
	LocalitaEstera          *localitaEstera `json:"localitaEstera,omitempty"`
	DataDecorrenzaResidenza string          `json:"dataDecorrenzaResidenza,omitempty"`
}

type indirizzo struct {
	CAP          string        `json:"cap,omitempty"`
	Comune       *comune       `json:"comune,omitempty"`
	Frazione     string        `json:"frazione,omitempty"`
	Toponimo     *toponimo     `json:"toponimo,omitempty"`
	NumeroCivico *numeroCivico `json:"numeroCivico,omitempty"`
}

type toponimo struct {
	CodSpecie             string `json:"codSpecie,omitempty"`
	Specie                string `json:"specie,omitempty"`
	SpecieFonte           string `json:"specieFonte,omitempty"`
	CodToponimo           string `json:"codToponimo,omitempty"`
	DenominazioneToponimo string `json:"denominazioneToponimo,omitempty"`
	ToponimoFonte         string `json:"toponimoFonte,omitempty"`
}

type numeroCivico struct {
	CodiceCivico  string         `json:"codiceCivico,omitempty"`
	CivicoFonte   string         `json:"civicoFonte,omitempty"`
	Numero        string         `json:"numero,omitempty"`
	Metrico       string         `json:"metrico,omitempty"`
	ProgSNC       string         `json:"progSNC,omitempty"`
	Lettera       string         `json:"lettera,omitempty"`
	Esponente1    string         `json:"esponente1,omitempty"`
	Colore        string         `json:"colore,omitempty"`
	CivicoInterno *civicoInterno `json:"civicoInterno,omitempty"`
}

type civicoInterno struct {
	Corte        string `json:"corte,omitempty"`
	Scala        string `json:"scala,omitempty"`
	Interno1     string `json:"interno1,omitempty"`
	EspInterno1  string `json:"espInterno1,omitempty"`
	Interno2     string `json:"interno2,omitempty"`
	EspInterno2  string `json:"espInterno2,omitempty"`
	ScalaEsterna string `json:"scalaEsterna,omitempty"`
	Secondario   string `json:"secondario,omitempty"`
	Piano        string `json:"piano,omitempty"`
	Nui          string `json:"nui,omitempty"`
	Isolato      string `json:"isolato,omitempty"`
}

type localitaEstera struct {
	IndirizzoEstero *indirizzoEstero `json:"indirizzoEstero,omitempty"`
	Consolato       *consolato       `json:"consolato,omitempty"`
}

type indirizzoEstero struct {
	CAP      string          `json:"cap,omitempty"`
	Localita *localita       `json:"localita,omitempty"`
	Toponimo *toponimoEstero `json:"toponimo,omitempty"`
}

type toponimoEstero struct {
	Denominazione string `json:"denominazione,omitempty"`
	NumeroCivico  string `json:"numeroCivico,omitempty"`
}

type consolato struct {
	CodiceConsolato      string `json:"codiceConsolato,omitempty"`
	DescrizioneConsolato string `json:"descrizioneConsolato,omitempty"`
}

type identificativi struct {
	IDANPR string `json:"idANPR"`
}

type infoSoggettoEnte struct {
	ID     string `json:"id"`
	Chiave string `json:"chiave"`
	Valore string `json:"valore"`
	// Dettaglio explains a verification's N ("Dato non corrispondente", as ANPR answers C003:
	// italia/anpr#4661).
	Dettaglio string `json:"dettaglio,omitempty"`
}

type datiEvento struct {
	DataEvento      string `json:"dataEvento,omitempty"`
	SenzaGiorno     string `json:"senzaGiorno,omitempty"`
	SenzaGiornoMese string `json:"senzaGiornoMese,omitempty"`
	LuogoEvento     *luogo `json:"luogoEvento,omitempty"`
	// The act references are accepted in declared data and never compared or emitted.
	AttoEvento     json.RawMessage `json:"attoEvento,omitempty"`
	AttoEventoANPR json.RawMessage `json:"attoEventoANPR,omitempty"`
}

type legameSoggetto struct {
	TipoLegame            string `json:"tipoLegame,omitempty"`
	CodiceLegame          string `json:"codiceLegame,omitempty"`
	ProgressivoComponente string `json:"progressivoComponente,omitempty"`
	DataDecorrenza        string `json:"dataDecorrenza,omitempty"`
}

// statoCivile, matrimonio and cittadinanza follow the E002 superset (docs/anpr.md §2.2, [S13]);
// they are not in the two official files kept in docs/reference/anpr-openapi.
type statoCivile struct {
	StatoCivile     string `json:"statoCivile"`
	NoteStatoCivile string `json:"noteStatoCivile,omitempty"`
	StatoCivileND   string `json:"statoCivileND,omitempty"`
}

type matrimonio struct {
	Coniuge        *generalita `json:"coniuge,omitempty"`
	DatiMatrimonio *datiEvento `json:"datiMatrimonio,omitempty"`
}

type cittadinanza struct {
	DescrizioneStato string `json:"descrizioneStato,omitempty"`
	CodiceStato      string `json:"codiceStato,omitempty"`
	NoteStato        string `json:"noteStato,omitempty"`
	DataValidita     string `json:"dataValidita,omitempty"`
}

// vedovanza is TipoVedovanza: the death of the spouse that made the subject a widow(er).
type vedovanza struct {
	DatiMorteconiuge           *datiEvento `json:"datiMorteconiuge,omitempty"`
	OrdineMatrimonioPrecedente string      `json:"ordineMatrimonioPrecedente,omitempty"`
}
