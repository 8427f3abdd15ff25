package varco

import "encoding/json"

// QueryRequest is the body of an ANPR query (POST /api/v1/anpr/{service}).
type QueryRequest struct {
	// Comune is the codice catastale of the Comune whose convenzione applies, e.g. "H501".
	Comune  string  `json:"comune"`
	Criteri Criteri `json:"criteri"`
	// Motivo is the case reference (protocollo, fascicolo, verbale), sent to ANPR.
	Motivo string `json:"motivo"`
	// DataRiferimento is the reference day, YYYY-MM-DD; empty means today in Europe/Rome.
	DataRiferimento string `json:"dataRiferimento,omitempty"`
	// Verifica holds the declared data of a verification service (C003–C014, C031).
	Verifica *Verifica `json:"verifica,omitempty"`
}

// Criteri identifies the subject: set exactly one field.
type Criteri struct {
	IDANPR        string             `json:"idANPR,omitempty"`
	CodiceFiscale string             `json:"codiceFiscale,omitempty"`
	Generalita    *CriteriGeneralita `json:"generalita,omitempty"`
}

// CriteriGeneralita finds a person by surname, name, sex and birth date.
type CriteriGeneralita struct {
	Cognome                  string `json:"cognome"`
	Nome                     string `json:"nome"`
	Sesso                    string `json:"sesso"`       // "M" or "F"
	DataNascita              string `json:"dataNascita"` // YYYY-MM-DD
	CodiceIstatComuneNascita string `json:"codiceIstatComuneNascita,omitempty"`
	NomeComuneNascita        string `json:"nomeComuneNascita,omitempty"`
}

// Verifica is the declared data a verification service checks (ANPR's TipoVerificaE002):
// each service takes its own block (C008 residenza, C007 and C003 generalita, …) and may
// take the subject's generalita beside it. ANPR answers S or N in InfoSoggettoEnte. Blocks
// this package does not type go in Extra, as JSON objects.
type Verifica struct {
	Generalita  *Generalita                `json:"generalita,omitempty"`
	Residenza   *Residenza                 `json:"residenza,omitempty"`
	DatiDecesso *Evento                    `json:"datiDecesso,omitempty"`
	Extra       map[string]json.RawMessage `json:"-"`
}

// MarshalJSON writes the typed blocks and those in Extra.
func (v Verifica) MarshalJSON() ([]byte, error) {
	type plain Verifica
	b, err := json.Marshal(plain(v))
	if err != nil || len(v.Extra) == 0 {
		return b, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, raw := range v.Extra {
		m[k] = raw
	}
	return json.Marshal(m)
}

// QueryResponse is ANPR's answer, as Varco passes it on.
type QueryResponse struct {
	RequestID        string     `json:"requestId"`
	IDOperazioneANPR string     `json:"idOperazioneANPR"`
	Soggetti         []Soggetto `json:"soggetti"`
	Anomalie         []Anomalia `json:"anomalie"`
}

// Soggetto is ANPR's TipoDatiSoggettiEnte: the blocks typed here are those of the official
// schemas (api/ANPR_SCHEMAS.md); Raw keeps the whole object, with the blocks of services
// these types do not cover (cittadinanza, statoCivile, …).
type Soggetto struct {
	Generalita       *Generalita     `json:"generalita,omitempty"`
	Identificativi   *Identificativi `json:"identificativi,omitempty"`
	Residenza        []Residenza     `json:"residenza,omitempty"`
	InfoSoggettoEnte []InfoSoggetto  `json:"infoSoggettoEnte,omitempty"`
	DatiDecesso      *Evento         `json:"datiDecesso,omitempty"`
	LegameSoggetto   *LegameSoggetto `json:"legameSoggetto,omitempty"`
	Raw              json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps the raw object beside the typed blocks.
func (s *Soggetto) UnmarshalJSON(b []byte) error {
	type plain Soggetto
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = Soggetto(p)
	s.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Generalita is ANPR's TipoGeneralita.
type Generalita struct {
	CodiceFiscale        *CodiceFiscale `json:"codiceFiscale,omitempty"`
	Cognome              string         `json:"cognome,omitempty"`
	SenzaCognome         string         `json:"senzaCognome,omitempty"`
	Nome                 string         `json:"nome,omitempty"`
	SenzaNome            string         `json:"senzaNome,omitempty"`
	Sesso                string         `json:"sesso,omitempty"`
	DataNascita          string         `json:"dataNascita,omitempty"`
	SenzaGiorno          string         `json:"senzaGiorno,omitempty"`
	SenzaGiornoMese      string         `json:"senzaGiornoMese,omitempty"`
	LuogoNascita         *Luogo         `json:"luogoNascita,omitempty"`
	SoggettoAIRE         string         `json:"soggettoAIRE,omitempty"`
	AnnoEspatrio         string         `json:"annoEspatrio,omitempty"`
	IDSchedaSoggettoANPR string         `json:"idSchedaSoggettoANPR,omitempty"`
	Note                 string         `json:"note,omitempty"`
}

// CodiceFiscale is ANPR's TipoCodiceFiscale.
type CodiceFiscale struct {
	CodFiscale               string `json:"codFiscale,omitempty"`
	ValiditaCF               string `json:"validitaCF,omitempty"`
	DataAttribuzioneValidita string `json:"dataAttribuzioneValidita,omitempty"`
}

// Luogo is ANPR's TipoLuogoEvento.
type Luogo struct {
	LuogoEccezionale string          `json:"luogoEccezionale,omitempty"`
	Comune           *Comune         `json:"comune,omitempty"`
	Localita         json.RawMessage `json:"localita,omitempty"`
}

// Comune is ANPR's TipoComune.
type Comune struct {
	NomeComune          string `json:"nomeComune,omitempty"`
	CodiceIstat         string `json:"codiceIstat,omitempty"`
	SiglaProvinciaIstat string `json:"siglaProvinciaIstat,omitempty"`
	DescrizioneLocalita string `json:"descrizioneLocalita,omitempty"`
}

// Identificativi is ANPR's TipoIdentificativi.
type Identificativi struct {
	IDANPR string `json:"idANPR,omitempty"`
}

// Residenza is ANPR's TipoResidenza.
type Residenza struct {
	TipoIndirizzo           string          `json:"tipoIndirizzo,omitempty"`
	NoteIndirizzo           string          `json:"noteIndirizzo,omitempty"`
	Indirizzo               *Indirizzo      `json:"indirizzo,omitempty"`
	LocalitaEstera          json.RawMessage `json:"localitaEstera,omitempty"`
	Presso                  string          `json:"presso,omitempty"`
	DataDecorrenzaResidenza string          `json:"dataDecorrenzaResidenza,omitempty"`
}

// Indirizzo is ANPR's TipoIndirizzo.
type Indirizzo struct {
	Cap          string          `json:"cap,omitempty"`
	Comune       *Comune         `json:"comune,omitempty"`
	Frazione     string          `json:"frazione,omitempty"`
	Toponimo     *Toponimo       `json:"toponimo,omitempty"`
	NumeroCivico json.RawMessage `json:"numeroCivico,omitempty"`
}

// Toponimo is ANPR's TipoToponimo.
type Toponimo struct {
	CodSpecie             string `json:"codSpecie,omitempty"`
	Specie                string `json:"specie,omitempty"`
	SpecieFonte           string `json:"specieFonte,omitempty"`
	CodToponimo           string `json:"codToponimo,omitempty"`
	DenominazioneToponimo string `json:"denominazioneToponimo,omitempty"`
	ToponimoFonte         string `json:"toponimoFonte,omitempty"`
}

// InfoSoggetto is ANPR's TipoInfoSoggettoEnte: a verification's S/N is in Valore.
type InfoSoggetto struct {
	ID          string `json:"id,omitempty"`
	Chiave      string `json:"chiave,omitempty"`
	Valore      string `json:"valore,omitempty"`
	ValoreTesto string `json:"valoreTesto,omitempty"`
	ValoreData  string `json:"valoreData,omitempty"`
	Dettaglio   string `json:"dettaglio,omitempty"`
}

// Evento is ANPR's TipoDatiEvento (a death, for datiDecesso).
type Evento struct {
	DataEvento      string          `json:"dataEvento,omitempty"`
	SenzaGiorno     string          `json:"senzaGiorno,omitempty"`
	SenzaGiornoMese string          `json:"senzaGiornoMese,omitempty"`
	LuogoEvento     *Luogo          `json:"luogoEvento,omitempty"`
	AttoEventoANPR  json.RawMessage `json:"attoEventoANPR,omitempty"`
}

// LegameSoggetto is ANPR's TipoLegameSoggettoCompleto (C021: the member's tie to the family).
type LegameSoggetto struct {
	TipoLegame            string `json:"tipoLegame,omitempty"`
	DataDecorrenza        string `json:"dataDecorrenza,omitempty"`
	CodiceLegame          string `json:"codiceLegame,omitempty"`
	ProgressivoComponente string `json:"progressivoComponente,omitempty"`
	DataDecorrenzaLegame  string `json:"dataDecorrenzaLegame,omitempty"`
}

// Anomalia is ANPR's TipoErroriAnomalia: a warning about a successful answer.
type Anomalia struct {
	CodiceErroreAnomalia  string `json:"codiceErroreAnomalia,omitempty"`
	TipoErroreAnomalia    string `json:"tipoErroreAnomalia,omitempty"`
	TestoErroreAnomalia   string `json:"testoErroreAnomalia,omitempty"`
	OggettoErroreAnomalia string `json:"oggettoErroreAnomalia,omitempty"`
	CampoErroreAnomalia   string `json:"campoErroreAnomalia,omitempty"`
	ValoreErroreAnomalia  string `json:"valoreErroreAnomalia,omitempty"`
}

// RequestOutcome is GET /api/v1/requests/{id}: the audit record, with the data for its
// author while they are retained.
type RequestOutcome struct {
	RequestID        string     `json:"requestId"`
	Status           string     `json:"status"`
	Service          string     `json:"service"`
	Comune           string     `json:"comune"`
	Outcome          string     `json:"outcome"`
	HTTPStatus       int        `json:"httpStatus"`
	ErrorCode        string     `json:"errorCode"`
	IDOperazioneANPR string     `json:"idOperazioneANPR"`
	Soggetti         []Soggetto `json:"soggetti"`
	Anomalie         []Anomalia `json:"anomalie"`
}

// Status is GET /status: problem+json, Status 200 when Varco can serve requests.
type Status struct {
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Code   string            `json:"code"`
	Checks map[string]string `json:"checks"`
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int    `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int    `json:"refresh_expires_in"`
}
