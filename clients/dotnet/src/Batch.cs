using System.Collections.Generic;
using System.Runtime.Serialization;

// Batch queries (docs/api.md, "Batch queries"): many subjects, one service, one durable job.
namespace Varco.Client
{
    /// <summary>The body of POST /api/v1/batches: up to 10,000 subjects of one consultation service.</summary>
    [DataContract]
    public class BatchRequest
    {
        [DataMember(Name = "service", EmitDefaultValue = false)] public string Service;
        [DataMember(Name = "comune", EmitDefaultValue = false)] public string Comune;
        [DataMember(Name = "motivo", EmitDefaultValue = false)] public string Motivo;
        /// <summary>YYYY-MM-DD; null means today in Europe/Rome.</summary>
        [DataMember(Name = "dataRiferimento", EmitDefaultValue = false)] public string DataRiferimento;
        [DataMember(Name = "soggetti", EmitDefaultValue = false)] public List<BatchEntry> Soggetti = new List<BatchEntry>();

        public BatchRequest() { }
        public BatchRequest(string service, string comune, string motivo) { Service = service; Comune = comune; Motivo = motivo; }
    }

    /// <summary>One subject: its idANPR or codice fiscale, and the application's reference,
    /// returned with its result.</summary>
    [DataContract]
    public class BatchEntry
    {
        [DataMember(Name = "codiceFiscale", EmitDefaultValue = false)] public string CodiceFiscale;
        [DataMember(Name = "idANPR", EmitDefaultValue = false)] public string IdANPR;
        [DataMember(Name = "riferimento", EmitDefaultValue = false)] public string Riferimento;

        public static BatchEntry ByIdANPR(string id, string reference) { return new BatchEntry { IdANPR = id, Riferimento = reference }; }
        public static BatchEntry ByCodiceFiscale(string cf, string reference) { return new BatchEntry { CodiceFiscale = cf, Riferimento = reference }; }
    }

    /// <summary>The answer of POST /api/v1/batches (202).</summary>
    [DataContract]
    public class BatchAccepted
    {
        [DataMember(Name = "batchId")] public string BatchId;
        [DataMember(Name = "status")] public string Status;
        [DataMember(Name = "total")] public int Total;
    }

    /// <summary>GET /api/v1/batches/{id}: Status "running", "completed", "cancelled" or
    /// "refused"; Waiting "quota" or "anpr_pause" while the batch waits (it never fails for it).</summary>
    [DataContract]
    public class BatchStatus
    {
        [DataMember(Name = "batchId")] public string BatchId;
        [DataMember(Name = "status")] public string Status;
        [DataMember(Name = "service")] public string Service;
        [DataMember(Name = "comune")] public string Comune;
        [DataMember(Name = "createdAt")] public string CreatedAt;
        [DataMember(Name = "total")] public int Total;
        [DataMember(Name = "done")] public int Done;
        [DataMember(Name = "ok")] public int Ok;
        [DataMember(Name = "notFound")] public int NotFound;
        [DataMember(Name = "failed")] public int Failed;
        [DataMember(Name = "denied")] public int Denied;
        [DataMember(Name = "waiting")] public string Waiting;
        [DataMember(Name = "waitingUntil")] public string WaitingUntil;
        [DataMember(Name = "estimatedEnd")] public string EstimatedEnd;
        [DataMember(Name = "resultsUntil")] public string ResultsUntil;
    }

    /// <summary>One line of GET /api/v1/batches/{id}/results, in input order.</summary>
    [DataContract]
    public class BatchResult
    {
        [DataMember(Name = "line")] public int Line;
        [DataMember(Name = "reference")] public string Reference;
        [DataMember(Name = "criteria")] public BatchEntry Criteria;
        [DataMember(Name = "requestId")] public string RequestId;
        /// <summary>"ok", "denied", "not_found", "failed" or "cancelled".</summary>
        [DataMember(Name = "outcome")] public string Outcome;
        [DataMember(Name = "errorCode")] public string ErrorCode;
        [DataMember(Name = "detail")] public string Detail;
        [DataMember(Name = "idOperazioneANPR")] public string IdOperazioneANPR;
        [DataMember(Name = "soggetti")] public List<Soggetto> Soggetti;
        [DataMember(Name = "anomalie")] public List<Anomalia> Anomalie;
    }

    [DataContract]
    internal class BatchCancelled
    {
        [DataMember(Name = "batchId")] public string BatchId;
        [DataMember(Name = "status")] public string Status;
    }
}
