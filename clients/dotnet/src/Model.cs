using System.Collections.Generic;
using System.Runtime.Serialization;

// The requests and answers of Varco's API (api/openapi.json). ANPR's blocks are typed from its
// official schemas (api/ANPR_SCHEMAS.md); members ANPR adds that are not named here are ignored.
namespace Varco.Client
{
    /// <summary>The body of POST /api/v1/anpr/{service}.</summary>
    [DataContract]
    public class QueryRequest
    {
        /// <summary>Codice catastale of the Comune whose convenzione applies, e.g. "H501".</summary>
        [DataMember(Name = "comune", EmitDefaultValue = false)] public string Comune;
        [DataMember(Name = "criteri", EmitDefaultValue = false)] public Criteri Criteri;
        /// <summary>The case reference (protocollo, fascicolo, verbale), sent to ANPR.</summary>
        [DataMember(Name = "motivo", EmitDefaultValue = false)] public string Motivo;
        /// <summary>YYYY-MM-DD; null means today in Europe/Rome.</summary>
        [DataMember(Name = "dataRiferimento", EmitDefaultValue = false)] public string DataRiferimento;
        /// <summary>The declared data of a verification service (C003–C014, C031).</summary>
        [DataMember(Name = "verifica", EmitDefaultValue = false)] public Verifica Verifica;

        public QueryRequest() { }
        public QueryRequest(string comune, Criteri criteri, string motivo) { Comune = comune; Criteri = criteri; Motivo = motivo; }
    }

    /// <summary>The subject: exactly one of IdANPR, CodiceFiscale and Generalita.</summary>
    [DataContract]
    public class Criteri
    {
        [DataMember(Name = "idANPR", EmitDefaultValue = false)] public string IdANPR;
        [DataMember(Name = "codiceFiscale", EmitDefaultValue = false)] public string CodiceFiscale;
        [DataMember(Name = "generalita", EmitDefaultValue = false)] public CriteriGeneralita Generalita;

        public static Criteri ByIdANPR(string id) { return new Criteri { IdANPR = id }; }
        public static Criteri ByCodiceFiscale(string cf) { return new Criteri { CodiceFiscale = cf }; }
        public static Criteri ByGeneralita(CriteriGeneralita g) { return new Criteri { Generalita = g }; }
    }

    /// <summary>A search by surname, name, sex (M/F) and birth date, the Comune of birth optional.</summary>
    [DataContract]
    public class CriteriGeneralita
    {
        [DataMember(Name = "cognome", EmitDefaultValue = false)] public string Cognome;
        [DataMember(Name = "nome", EmitDefaultValue = false)] public string Nome;
        [DataMember(Name = "sesso", EmitDefaultValue = false)] public string Sesso;
        [DataMember(Name = "dataNascita", EmitDefaultValue = false)] public string DataNascita;
        [DataMember(Name = "codiceIstatComuneNascita", EmitDefaultValue = false)] public string CodiceIstatComuneNascita;
        [DataMember(Name = "nomeComuneNascita", EmitDefaultValue = false)] public string NomeComuneNascita;
    }

    /// <summary>ANPR's TipoVerificaE002: each verification service takes its block (C008
    /// residenza, C003/C007/C031 generalita, C004 datiDecesso), the subject's generalita beside it.</summary>
    [DataContract]
    public class Verifica
    {
        [DataMember(Name = "generalita", EmitDefaultValue = false)] public Generalita Generalita;
        [DataMember(Name = "residenza", EmitDefaultValue = false)] public Residenza Residenza;
        [DataMember(Name = "datiDecesso", EmitDefaultValue = false)] public Evento DatiDecesso;
    }

    /// <summary>A successful answer: ANPR's data as Varco passes it on.</summary>
    [DataContract]
    public class QueryResponse
    {
        [DataMember(Name = "requestId")] public string RequestId;
        [DataMember(Name = "idOperazioneANPR")] public string IdOperazioneANPR;
        [DataMember(Name = "soggetti")] public List<Soggetto> Soggetti;
        [DataMember(Name = "anomalie")] public List<Anomalia> Anomalie;
    }

    /// <summary>ANPR's TipoDatiSoggettiEnte.</summary>
    [DataContract]
    public class Soggetto
    {
        [DataMember(Name = "generalita", EmitDefaultValue = false)] public Generalita Generalita;
        [DataMember(Name = "identificativi", EmitDefaultValue = false)] public Identificativi Identificativi;
        [DataMember(Name = "residenza", EmitDefaultValue = false)] public List<Residenza> Residenza;
        [DataMember(Name = "infoSoggettoEnte", EmitDefaultValue = false)] public List<InfoSoggetto> InfoSoggettoEnte;
        [DataMember(Name = "datiDecesso", EmitDefaultValue = false)] public Evento DatiDecesso;
        [DataMember(Name = "legameSoggetto", EmitDefaultValue = false)] public LegameSoggetto LegameSoggetto;
    }

    /// <summary>ANPR's TipoGeneralita.</summary>
    [DataContract]
    public class Generalita
    {
        [DataMember(Name = "codiceFiscale", EmitDefaultValue = false)] public CodiceFiscale CodiceFiscale;
        [DataMember(Name = "cognome", EmitDefaultValue = false)] public string Cognome;
        [DataMember(Name = "nome", EmitDefaultValue = false)] public string Nome;
        [DataMember(Name = "sesso", EmitDefaultValue = false)] public string Sesso;
        [DataMember(Name = "dataNascita", EmitDefaultValue = false)] public string DataNascita;
        [DataMember(Name = "senzaGiorno", EmitDefaultValue = false)] public string SenzaGiorno;
        [DataMember(Name = "senzaGiornoMese", EmitDefaultValue = false)] public string SenzaGiornoMese;
        [DataMember(Name = "luogoNascita", EmitDefaultValue = false)] public Luogo LuogoNascita;
        [DataMember(Name = "soggettoAIRE", EmitDefaultValue = false)] public string SoggettoAIRE;
        [DataMember(Name = "annoEspatrio", EmitDefaultValue = false)] public string AnnoEspatrio;
        [DataMember(Name = "idSchedaSoggettoANPR", EmitDefaultValue = false)] public string IdSchedaSoggettoANPR;
        [DataMember(Name = "note", EmitDefaultValue = false)] public string Note;
    }

    /// <summary>ANPR's TipoCodiceFiscale.</summary>
    [DataContract]
    public class CodiceFiscale
    {
        [DataMember(Name = "codFiscale", EmitDefaultValue = false)] public string CodFiscale;
        [DataMember(Name = "validitaCF", EmitDefaultValue = false)] public string ValiditaCF;
        [DataMember(Name = "dataAttribuzioneValidita", EmitDefaultValue = false)] public string DataAttribuzioneValidita;
    }

    /// <summary>ANPR's TipoLuogoEvento.</summary>
    [DataContract]
    public class Luogo
    {
        [DataMember(Name = "luogoEccezionale", EmitDefaultValue = false)] public string LuogoEccezionale;
        [DataMember(Name = "comune", EmitDefaultValue = false)] public Comune Comune;
    }

    /// <summary>ANPR's TipoComune.</summary>
    [DataContract]
    public class Comune
    {
        [DataMember(Name = "nomeComune", EmitDefaultValue = false)] public string NomeComune;
        [DataMember(Name = "codiceIstat", EmitDefaultValue = false)] public string CodiceIstat;
        [DataMember(Name = "siglaProvinciaIstat", EmitDefaultValue = false)] public string SiglaProvinciaIstat;
        [DataMember(Name = "descrizioneLocalita", EmitDefaultValue = false)] public string DescrizioneLocalita;
    }

    /// <summary>ANPR's TipoIdentificativi.</summary>
    [DataContract]
    public class Identificativi
    {
        [DataMember(Name = "idANPR", EmitDefaultValue = false)] public string IdANPR;
    }

    /// <summary>ANPR's TipoResidenza.</summary>
    [DataContract]
    public class Residenza
    {
        [DataMember(Name = "tipoIndirizzo", EmitDefaultValue = false)] public string TipoIndirizzo;
        [DataMember(Name = "noteIndirizzo", EmitDefaultValue = false)] public string NoteIndirizzo;
        [DataMember(Name = "indirizzo", EmitDefaultValue = false)] public Indirizzo Indirizzo;
        [DataMember(Name = "presso", EmitDefaultValue = false)] public string Presso;
        [DataMember(Name = "dataDecorrenzaResidenza", EmitDefaultValue = false)] public string DataDecorrenzaResidenza;
    }

    /// <summary>ANPR's TipoIndirizzo.</summary>
    [DataContract]
    public class Indirizzo
    {
        [DataMember(Name = "cap", EmitDefaultValue = false)] public string Cap;
        [DataMember(Name = "comune", EmitDefaultValue = false)] public Comune Comune;
        [DataMember(Name = "frazione", EmitDefaultValue = false)] public string Frazione;
        [DataMember(Name = "toponimo", EmitDefaultValue = false)] public Toponimo Toponimo;
    }

    /// <summary>ANPR's TipoToponimo.</summary>
    [DataContract]
    public class Toponimo
    {
        [DataMember(Name = "codSpecie", EmitDefaultValue = false)] public string CodSpecie;
        [DataMember(Name = "specie", EmitDefaultValue = false)] public string Specie;
        [DataMember(Name = "specieFonte", EmitDefaultValue = false)] public string SpecieFonte;
        [DataMember(Name = "codToponimo", EmitDefaultValue = false)] public string CodToponimo;
        [DataMember(Name = "denominazioneToponimo", EmitDefaultValue = false)] public string DenominazioneToponimo;
        [DataMember(Name = "toponimoFonte", EmitDefaultValue = false)] public string ToponimoFonte;
    }

    /// <summary>ANPR's TipoInfoSoggettoEnte: a verification's S/N is in Valore.</summary>
    [DataContract]
    public class InfoSoggetto
    {
        [DataMember(Name = "id", EmitDefaultValue = false)] public string Id;
        [DataMember(Name = "chiave", EmitDefaultValue = false)] public string Chiave;
        [DataMember(Name = "valore", EmitDefaultValue = false)] public string Valore;
        [DataMember(Name = "valoreTesto", EmitDefaultValue = false)] public string ValoreTesto;
        [DataMember(Name = "valoreData", EmitDefaultValue = false)] public string ValoreData;
        [DataMember(Name = "dettaglio", EmitDefaultValue = false)] public string Dettaglio;
    }

    /// <summary>ANPR's TipoDatiEvento.</summary>
    [DataContract]
    public class Evento
    {
        [DataMember(Name = "dataEvento", EmitDefaultValue = false)] public string DataEvento;
        [DataMember(Name = "senzaGiorno", EmitDefaultValue = false)] public string SenzaGiorno;
        [DataMember(Name = "senzaGiornoMese", EmitDefaultValue = false)] public string SenzaGiornoMese;
        [DataMember(Name = "luogoEvento", EmitDefaultValue = false)] public Luogo LuogoEvento;
    }

    /// <summary>ANPR's TipoLegameSoggettoCompleto.</summary>
    [DataContract]
    public class LegameSoggetto
    {
        [DataMember(Name = "tipoLegame", EmitDefaultValue = false)] public string TipoLegame;
        [DataMember(Name = "dataDecorrenza", EmitDefaultValue = false)] public string DataDecorrenza;
        [DataMember(Name = "codiceLegame", EmitDefaultValue = false)] public string CodiceLegame;
        [DataMember(Name = "progressivoComponente", EmitDefaultValue = false)] public string ProgressivoComponente;
        [DataMember(Name = "dataDecorrenzaLegame", EmitDefaultValue = false)] public string DataDecorrenzaLegame;
    }

    /// <summary>ANPR's TipoErroriAnomalia: a warning about a successful answer.</summary>
    [DataContract]
    public class Anomalia
    {
        [DataMember(Name = "codiceErroreAnomalia", EmitDefaultValue = false)] public string CodiceErroreAnomalia;
        [DataMember(Name = "tipoErroreAnomalia", EmitDefaultValue = false)] public string TipoErroreAnomalia;
        [DataMember(Name = "testoErroreAnomalia", EmitDefaultValue = false)] public string TestoErroreAnomalia;
        [DataMember(Name = "oggettoErroreAnomalia", EmitDefaultValue = false)] public string OggettoErroreAnomalia;
        [DataMember(Name = "campoErroreAnomalia", EmitDefaultValue = false)] public string CampoErroreAnomalia;
        [DataMember(Name = "valoreErroreAnomalia", EmitDefaultValue = false)] public string ValoreErroreAnomalia;
    }

    /// <summary>GET /api/v1/requests/{id}: Status "running" while the request runs.</summary>
    [DataContract]
    public class RequestOutcome
    {
        [DataMember(Name = "requestId")] public string RequestId;
        [DataMember(Name = "status")] public string Status;
        [DataMember(Name = "service")] public string Service;
        [DataMember(Name = "comune")] public string Comune;
        [DataMember(Name = "outcome")] public string Outcome;
        [DataMember(Name = "errorCode")] public string ErrorCode;
        [DataMember(Name = "idOperazioneANPR")] public string IdOperazioneANPR;
        [DataMember(Name = "soggetti")] public List<Soggetto> Soggetti;
        [DataMember(Name = "anomalie")] public List<Anomalia> Anomalie;
    }

    /// <summary>GET /status.</summary>
    [DataContract]
    public class Status
    {
        [DataMember(Name = "title")] public string Title;
        [DataMember(Name = "status")] public int StatusCode;
    }

    [DataContract]
    internal class Tokens
    {
        [DataMember(Name = "access_token")] public string AccessToken;
        [DataMember(Name = "refresh_token")] public string RefreshToken;
        [DataMember(Name = "expires_in")] public int ExpiresIn;
    }

    [DataContract]
    internal class SignInRequest
    {
        [DataMember(Name = "username")] public string Username;
        [DataMember(Name = "password")] public string Password;
    }

    [DataContract]
    internal class RefreshRequest
    {
        [DataMember(Name = "refresh_token")] public string RefreshToken;
    }

    [DataContract]
    internal class Problem
    {
        [DataMember(Name = "title")] public string Title;
        [DataMember(Name = "status")] public int Status;
        [DataMember(Name = "detail")] public string Detail;
        [DataMember(Name = "code")] public string Code;
        [DataMember(Name = "requestId")] public string RequestId;
        [DataMember(Name = "lines")] public List<int> Lines;
    }
}
