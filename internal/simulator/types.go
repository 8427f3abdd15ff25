package simulator

// JSON shapes of the e002 operation, with the field names of the official OpenAPI files
// (/work/shared/anpr-openapi) and ANPR.md §2. Every optional field is omitempty: ANPR omits
// what it does not hold, and clients must not see empty placeholders.

type richiestaE002 struct {
	IDOperazioneClient string          `json:"idOperazioneClient"`
	CriteriRicerca     *criteriRicerca `json:"criteriRicerca"`
	DatiRichiesta      *datiRichiesta  `json:"datiRichiesta"`
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
	Cittadinanza     []cittadinanza     `json:"cittadinanza,omitempty"`
}

type generalita struct {
	CodiceFiscale        *codiceFiscale `json:"codiceFiscale,omitempty"`
	Cognome              string         `json:"cognome,omitempty"`
	Nome                 string         `json:"nome,omitempty"`
	Sesso                string         `json:"sesso,omitempty"`
	DataNascita          string         `json:"dataNascita,omitempty"`
	LuogoNascita         *luogo         `json:"luogoNascita,omitempty"`
	SoggettoAIRE         string         `json:"soggettoAIRE,omitempty"`
	AnnoEspatrio         string         `json:"annoEspatrio,omitempty"`
	IDSchedaSoggettoANPR string         `json:"idSchedaSoggettoANPR,omitempty"`
}

type codiceFiscale struct {
	CodFiscale string `json:"codFiscale"`
	ValiditaCF string `json:"validitaCF,omitempty"`
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
	Indirizzo               *indirizzo      `json:"indirizzo,omitempty"`
	LocalitaEstera          *localitaEstera `json:"localitaEstera,omitempty"`
	DataDecorrenzaResidenza string          `json:"dataDecorrenzaResidenza,omitempty"`
}

type indirizzo struct {
	CAP          string        `json:"cap,omitempty"`
	Comune       *comune       `json:"comune,omitempty"`
	Toponimo     *toponimo     `json:"toponimo,omitempty"`
	NumeroCivico *numeroCivico `json:"numeroCivico,omitempty"`
}

type toponimo struct {
	CodSpecie             string `json:"codSpecie,omitempty"`
	Specie                string `json:"specie,omitempty"`
	DenominazioneToponimo string `json:"denominazioneToponimo,omitempty"`
}

type numeroCivico struct {
	Numero        string         `json:"numero,omitempty"`
	Metrico       string         `json:"metrico,omitempty"`
	CivicoInterno *civicoInterno `json:"civicoInterno,omitempty"`
}

type civicoInterno struct {
	Scala    string `json:"scala,omitempty"`
	Interno1 string `json:"interno1,omitempty"`
}

type localitaEstera struct {
	IndirizzoEstero *indirizzoEstero `json:"indirizzoEstero,omitempty"`
	Consolato       *consolato       `json:"consolato,omitempty"`
}

type indirizzoEstero struct {
	Localita *localita       `json:"localita,omitempty"`
	Toponimo *toponimoEstero `json:"toponimo,omitempty"`
}

type toponimoEstero struct {
	Denominazione string `json:"denominazione,omitempty"`
	NumeroCivico  string `json:"numeroCivico,omitempty"`
}

type consolato struct {
	DescrizioneConsolato string `json:"descrizioneConsolato,omitempty"`
}

type identificativi struct {
	IDANPR string `json:"idANPR"`
}

type infoSoggettoEnte struct {
	ID     string `json:"id"`
	Chiave string `json:"chiave"`
	Valore string `json:"valore"`
}

type datiEvento struct {
	DataEvento  string `json:"dataEvento,omitempty"`
	LuogoEvento *luogo `json:"luogoEvento,omitempty"`
}

type legameSoggetto struct {
	TipoLegame            string `json:"tipoLegame,omitempty"`
	CodiceLegame          string `json:"codiceLegame,omitempty"`
	ProgressivoComponente string `json:"progressivoComponente,omitempty"`
	DataDecorrenza        string `json:"dataDecorrenza,omitempty"`
}

// statoCivile, matrimonio and cittadinanza follow the E002 superset (ANPR.md §2.2, [S36]);
// they are not in the two official files mirrored in /work/shared.
type statoCivile struct {
	StatoCivile string `json:"statoCivile"`
}

type matrimonio struct {
	Coniuge        *generalita `json:"coniuge,omitempty"`
	DatiMatrimonio *datiEvento `json:"datiMatrimonio,omitempty"`
}

type cittadinanza struct {
	DescrizioneStato string `json:"descrizioneStato,omitempty"`
	CodiceStato      string `json:"codiceStato,omitempty"`
}
