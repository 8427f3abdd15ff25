package dev.varco.client;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The requests and answers of Varco's API (api/openapi.json). ANPR's blocks are typed from
 * ANPR's official schemas (api/ANPR_SCHEMAS.md); blocks of services those schemas do not cover
 * (cittadinanza, statoCivile, …) are kept in {@code other()} as JSON.
 */
public final class Model {
    private Model() {}

    /** Fields ANPR may add that these types do not name, kept rather than dropped. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public abstract static class Open {
        private final Map<String, JsonNode> other = new LinkedHashMap<>();
        @JsonAnySetter public void set(String name, JsonNode value) { other.put(name, value); }
        @JsonAnyGetter public Map<String, JsonNode> other() { return other; }
    }

    /** The body of POST /api/v1/anpr/{service}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class QueryRequest {
        /** Codice catastale of the Comune whose convenzione applies, e.g. "H501". */
        public String comune;
        public Criteri criteri;
        /** The case reference (protocollo, fascicolo, verbale), sent to ANPR. */
        public String motivo;
        /** YYYY-MM-DD; null means today in Europe/Rome. */
        public String dataRiferimento;
        /** The declared data of a verification service (C003–C014, C031). */
        public Verifica verifica;

        public QueryRequest() {}
        public QueryRequest(String comune, Criteri criteri, String motivo) {
            this.comune = comune; this.criteri = criteri; this.motivo = motivo;
        }
    }

    /** The subject: exactly one of idANPR, codiceFiscale and generalita. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class Criteri {
        public String idANPR;
        public String codiceFiscale;
        public CriteriGeneralita generalita;

        public static Criteri byIdANPR(String id) { Criteri c = new Criteri(); c.idANPR = id; return c; }
        public static Criteri byCodiceFiscale(String cf) { Criteri c = new Criteri(); c.codiceFiscale = cf; return c; }
        public static Criteri byGeneralita(CriteriGeneralita g) { Criteri c = new Criteri(); c.generalita = g; return c; }
    }

    /** A search by surname, name, sex (M/F) and birth date, the Comune of birth optional. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class CriteriGeneralita {
        public String cognome, nome, sesso, dataNascita, codiceIstatComuneNascita, nomeComuneNascita;
    }

    /**
     * ANPR's TipoVerificaE002: each verification service takes its block (C003, C007, C031
     * generalita; C004 datiDecesso; C008 residenza; …), the subject's generalita beside it.
     * Blocks not typed here go through {@code set(name, json)}.
     */
    public static final class Verifica extends Open {
        public Generalita generalita;
        public Residenza residenza;
        public Evento datiDecesso;
    }

    /** A successful answer: ANPR's data as Varco passes it on. */
    public static final class QueryResponse extends Open {
        public String requestId;
        public String idOperazioneANPR;
        public List<Soggetto> soggetti = new ArrayList<>();
        public List<Anomalia> anomalie = new ArrayList<>();
    }

    /** ANPR's TipoDatiSoggettiEnte. */
    public static final class Soggetto extends Open {
        public Generalita generalita;
        public Identificativi identificativi;
        public List<Residenza> residenza;
        public List<InfoSoggetto> infoSoggettoEnte;
        public Evento datiDecesso;
        public LegameSoggetto legameSoggetto;
    }

    /** ANPR's TipoGeneralita. */
    public static final class Generalita extends Open {
        public CodiceFiscale codiceFiscale;
        public String cognome, senzaCognome, nome, senzaNome, sesso, dataNascita, senzaGiorno, senzaGiornoMese;
        public Luogo luogoNascita;
        public String soggettoAIRE, annoEspatrio, idSchedaSoggettoANPR, note;
    }

    /** ANPR's TipoCodiceFiscale. */
    public static final class CodiceFiscale extends Open {
        public String codFiscale, validitaCF, dataAttribuzioneValidita;
    }

    /** ANPR's TipoLuogoEvento. */
    public static final class Luogo extends Open {
        public String luogoEccezionale;
        public Comune comune;
    }

    /** ANPR's TipoComune. */
    public static final class Comune extends Open {
        public String nomeComune, codiceIstat, siglaProvinciaIstat, descrizioneLocalita;
    }

    /** ANPR's TipoIdentificativi. */
    public static final class Identificativi extends Open {
        public String idANPR;
    }

    /** ANPR's TipoResidenza. */
    public static final class Residenza extends Open {
        public String tipoIndirizzo, noteIndirizzo, presso, dataDecorrenzaResidenza;
        public Indirizzo indirizzo;
    }

    /** ANPR's TipoIndirizzo. */
    public static final class Indirizzo extends Open {
        public String cap, frazione;
        public Comune comune;
        public Toponimo toponimo;
    }

    /** ANPR's TipoToponimo. */
    public static final class Toponimo extends Open {
        public String codSpecie, specie, specieFonte, codToponimo, denominazioneToponimo, toponimoFonte;
    }

    /** ANPR's TipoInfoSoggettoEnte: a verification's S/N is in valore. */
    public static final class InfoSoggetto extends Open {
        public String id, chiave, valore, valoreTesto, valoreData, dettaglio;
    }

    /** ANPR's TipoDatiEvento. */
    public static final class Evento extends Open {
        public String dataEvento, senzaGiorno, senzaGiornoMese;
        public Luogo luogoEvento;
    }

    /** ANPR's TipoLegameSoggettoCompleto. */
    public static final class LegameSoggetto extends Open {
        public String tipoLegame, dataDecorrenza, codiceLegame, progressivoComponente, dataDecorrenzaLegame;
    }

    /** ANPR's TipoErroriAnomalia: a warning about a successful answer. */
    public static final class Anomalia extends Open {
        public String codiceErroreAnomalia, tipoErroreAnomalia, testoErroreAnomalia,
                oggettoErroreAnomalia, campoErroreAnomalia, valoreErroreAnomalia;
    }

    /** GET /api/v1/requests/{id}: status "running" while the request runs. */
    public static final class RequestOutcome extends Open {
        public String requestId, status, service, comune, outcome, errorCode, idOperazioneANPR;
        public List<Soggetto> soggetti;
        public List<Anomalia> anomalie;
    }

    /** GET /status. */
    public static final class Status extends Open {
        public String title, code;
        public int status;
        public Map<String, String> checks;
    }

    static final class Tokens extends Open {
        public String access_token, token_type, refresh_token;
        public int expires_in, refresh_expires_in;
    }

    static final class Problem extends Open {
        public String type, title, detail, code, requestId;
        public int status;
        public List<Integer> lines;
    }

    /** The body of POST /api/v1/batches: up to 10,000 subjects for one service, Comune, motivo. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class BatchRequest {
        public String service, comune, motivo, dataRiferimento;
        public List<BatchEntry> soggetti = new ArrayList<>();

        public BatchRequest() {}
        public BatchRequest(String service, String comune, String motivo) {
            this.service = service; this.comune = comune; this.motivo = motivo;
        }
    }

    /** One subject of a batch, by codice fiscale or idANPR, with the application's reference. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static final class BatchEntry {
        public String codiceFiscale, idANPR, riferimento;

        public static BatchEntry byCodiceFiscale(String cf, String riferimento) {
            BatchEntry e = new BatchEntry(); e.codiceFiscale = cf; e.riferimento = riferimento; return e;
        }
        public static BatchEntry byIdANPR(String id, String riferimento) {
            BatchEntry e = new BatchEntry(); e.idANPR = id; e.riferimento = riferimento; return e;
        }
    }

    /** The answer to a batch's submission. */
    public static final class BatchAccepted extends Open {
        public String batchId, status;
        public int total;
    }

    /** A batch's status and progress. */
    public static final class BatchStatus extends Open {
        public String batchId, status, service, comune, createdAt, waiting, waitingUntil, estimatedEnd, finishedAt, resultsUntil;
        public int total, done, ok, notFound, failed, denied;
        public boolean purged;
    }

    /** One subject's result, in input order. */
    public static final class BatchResult extends Open {
        public int line;
        public String reference, requestId, outcome, errorCode, detail, idOperazioneANPR;
        public Criteri criteria;
        public List<Soggetto> soggetti = new ArrayList<>();
        public List<Anomalia> anomalie = new ArrayList<>();
    }
}
