using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Varco.Client
{
    /// <summary>
    /// One operator's session with Varco (docs/integration.md): sign-in and refresh serialised
    /// per session, typed ANPR queries with an Idempotency-Key (a new one when the caller gives
    /// none) and the workstation header, deadlines through CancellationToken and a per-exchange
    /// timeout, retries only where nothing can run twice, and problems as
    /// <see cref="VarcoProblemException"/>. Thread-safe; never share one between operators.
    /// </summary>
    public sealed class VarcoClient : IDisposable
    {
        private readonly HttpClient http;
        private readonly string baseUrl;
        private readonly string workstation;
        private readonly int retries;
        private readonly SemaphoreSlim session = new SemaphoreSlim(1, 1); // one sign-in or refresh at a time
        private string access, refresh;
        private DateTime expires = DateTime.MinValue;

        /// <param name="baseUrl">e.g. "https://varco.example.it"</param>
        /// <param name="workstation">the default Varco-Postazione, or null</param>
        /// <param name="timeout">deadline of each exchange; keep it above Varco's request timeout (10 s)</param>
        public VarcoClient(string baseUrl, string workstation = null, TimeSpan? timeout = null, int retries = 2, HttpClient http = null)
        {
            this.baseUrl = baseUrl.TrimEnd('/');
            this.workstation = workstation;
            this.retries = retries;
            this.http = http ?? new HttpClient();
            this.http.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        }

        public void Dispose() { http.Dispose(); session.Dispose(); }

        /// <summary>Exchanges the operator's username and password for the session's tokens.</summary>
        public async Task SignInAsync(string username, string password, CancellationToken ct = default(CancellationToken))
        {
            await session.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                Keep(await SendAsync<Tokens>(HttpMethod.Post, "/api/v1/auth/token", null,
                    new SignInRequest { Username = username, Password = password }, null, ct).ConfigureAwait(false));
            }
            finally { session.Release(); }
        }

        /// <summary>Exchanges the refresh token for a new pair now (queries refresh by themselves).</summary>
        public async Task RefreshAsync(CancellationToken ct = default(CancellationToken))
        {
            await session.WaitAsync(ct).ConfigureAwait(false);
            try { await RefreshLockedAsync(ct).ConfigureAwait(false); }
            finally { session.Release(); }
        }

        private async Task RefreshLockedAsync(CancellationToken ct)
        {
            if (refresh == null) throw new NotSignedInException();
            try
            {
                Keep(await SendAsync<Tokens>(HttpMethod.Post, "/api/v1/auth/refresh", null,
                    new RefreshRequest { RefreshToken = refresh }, null, ct).ConfigureAwait(false));
            }
            catch (VarcoProblemException e) when (e.Status == 401)
            {
                access = null; refresh = null; // spent, or the session ended: sign in again
                throw;
            }
        }

        private void Keep(Tokens t)
        {
            access = t.AccessToken;
            refresh = t.RefreshToken;
            expires = DateTime.UtcNow.AddSeconds(Math.Max(0, t.ExpiresIn - 30)); // refresh 30 s early
        }

        /// <summary>Revokes every token of the operator and forgets this session's.</summary>
        public async Task SignOutAsync(CancellationToken ct = default(CancellationToken))
        {
            await session.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (access == null) throw new NotSignedInException();
                await SendAsync<object>(HttpMethod.Post, "/api/v1/auth/logout", access, null, null, ct).ConfigureAwait(false);
            }
            finally { access = null; refresh = null; session.Release(); }
        }

        private async Task<string> TokenAsync(CancellationToken ct)
        {
            await session.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (access == null) throw new NotSignedInException();
                if (DateTime.UtcNow > expires) await RefreshLockedAsync(ct).ConfigureAwait(false);
                return access;
            }
            finally { session.Release(); }
        }

        /// <summary>Asks ANPR's service (e.g. "C020") through Varco. The same idempotencyKey
        /// answers the first request's answer and never calls ANPR twice; null makes a new one.</summary>
        public Task<QueryResponse> QueryAsync(string service, QueryRequest req, string idempotencyKey = null,
            string workstation = null, CancellationToken ct = default(CancellationToken))
        {
            var h = new System.Collections.Generic.Dictionary<string, string>
            {
                ["Idempotency-Key"] = idempotencyKey ?? "dotnet-" + Guid.NewGuid().ToString("N"),
            };
            var ws = workstation ?? this.workstation;
            if (ws != null) h["Varco-Postazione"] = ws;
            return AuthedAsync<QueryResponse>(HttpMethod.Post, "/api/v1/anpr/" + Uri.EscapeDataString(service), req, h, ct);
        }

        /// <summary>The outcome of an earlier request; Status "running" while it runs.</summary>
        public Task<RequestOutcome> RequestAsync(string requestId, CancellationToken ct = default(CancellationToken))
        {
            return AuthedAsync<RequestOutcome>(HttpMethod.Get, "/api/v1/requests/" + Uri.EscapeDataString(requestId), null, null, ct);
        }

        /// <summary>Submits a batch (202). A bad row refuses it whole: invalid_batch, with the
        /// rows in <see cref="VarcoProblemException.Lines"/>. The same idempotencyKey finds the
        /// first batch; null makes a new one.</summary>
        public Task<BatchAccepted> SubmitBatchAsync(BatchRequest req, string idempotencyKey = null,
            string workstation = null, CancellationToken ct = default(CancellationToken))
        {
            var h = new System.Collections.Generic.Dictionary<string, string>
            {
                ["Idempotency-Key"] = idempotencyKey ?? "dotnet-" + Guid.NewGuid().ToString("N"),
            };
            var ws = workstation ?? this.workstation;
            if (ws != null) h["Varco-Postazione"] = ws;
            return AuthedAsync<BatchAccepted>(HttpMethod.Post, "/api/v1/batches", req, h, ct);
        }

        /// <summary>A batch's status and progress.</summary>
        public Task<BatchStatus> BatchAsync(string batchId, CancellationToken ct = default(CancellationToken))
        {
            return AuthedAsync<BatchStatus>(HttpMethod.Get, "/api/v1/batches/" + Uri.EscapeDataString(batchId), null, null, ct);
        }

        /// <summary>Cancels a running batch; the results answered so far stay.</summary>
        public Task CancelBatchAsync(string batchId, CancellationToken ct = default(CancellationToken))
        {
            return AuthedAsync<BatchCancelled>(HttpMethod.Delete, "/api/v1/batches/" + Uri.EscapeDataString(batchId), null, null, ct);
        }

        /// <summary>Streams the results answered so far, in input order, one call of each per
        /// subject (JSON lines, read as they arrive: a 10,000-subject batch is never held whole).</summary>
        public async Task BatchResultsAsync(string batchId, Action<BatchResult> each, CancellationToken ct = default(CancellationToken))
        {
            string tok = await TokenAsync(ct).ConfigureAwait(false);
            using (var req = new HttpRequestMessage(HttpMethod.Get, baseUrl + "/api/v1/batches/" + Uri.EscapeDataString(batchId) + "/results"))
            {
                req.Headers.TryAddWithoutValidation("Accept", "application/x-ndjson, application/problem+json");
                req.Headers.TryAddWithoutValidation("Authorization", "Bearer " + tok);
                using (var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false))
                {
                    if ((int)resp.StatusCode >= 400) throw await ProblemOfAsync(resp).ConfigureAwait(false);
                    using (var reader = new StreamReader(await resp.Content.ReadAsStreamAsync().ConfigureAwait(false), Encoding.UTF8))
                    {
                        string line;
                        while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) != null)
                        {
                            if (line.Length > 0) each(Deserialize<BatchResult>(Encoding.UTF8.GetBytes(line)));
                        }
                    }
                }
            }
        }

        /// <summary>Whether Varco can serve requests (a 503 is a VarcoProblemException).</summary>
        public Task<Status> StatusAsync(CancellationToken ct = default(CancellationToken))
        {
            return SendAsync<Status>(HttpMethod.Get, "/status", null, null, null, ct);
        }

        // Sends with the session's token; refreshes once on 401; retries only a network failure,
        // 429 rate_limited and a 503 that reached no workflow (a query carries its
        // Idempotency-Key, so a retry finds the first answer instead of calling ANPR again).
        private async Task<T> AuthedAsync<T>(HttpMethod method, string path, object body,
            System.Collections.Generic.IDictionary<string, string> h, CancellationToken ct) where T : class
        {
            bool refreshed = false;
            for (int attempt = 0; ; attempt++)
            {
                string tok = await TokenAsync(ct).ConfigureAwait(false);
                TimeSpan wait;
                try
                {
                    return await SendAsync<T>(method, path, tok, body, h, ct).ConfigureAwait(false);
                }
                catch (VarcoProblemException e) when (e.Code == "unauthorized" && !refreshed)
                {
                    refreshed = true;
                    await session.WaitAsync(ct).ConfigureAwait(false);
                    try { if (tok == access) await RefreshLockedAsync(ct).ConfigureAwait(false); }
                    finally { session.Release(); }
                    attempt--;
                    continue;
                }
                catch (VarcoProblemException e) when (attempt < retries &&
                    (e.Code == "rate_limited" || (e.Code == "service_unavailable" && e.RequestId == null)))
                {
                    wait = e.RetryAfter > TimeSpan.Zero ? e.RetryAfter : TimeSpan.FromMilliseconds(200 << attempt);
                }
                catch (HttpRequestException) when (attempt < retries)
                {
                    wait = TimeSpan.FromMilliseconds(200 << attempt);
                }
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }

        private async Task<T> SendAsync<T>(HttpMethod method, string path, string token, object body,
            System.Collections.Generic.IDictionary<string, string> h, CancellationToken ct) where T : class
        {
            using (var req = new HttpRequestMessage(method, baseUrl + path))
            {
                req.Headers.TryAddWithoutValidation("Accept", "application/json, application/problem+json");
                if (token != null) req.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
                if (h != null) foreach (var kv in h) req.Headers.TryAddWithoutValidation(kv.Key, kv.Value);
                if (body != null) req.Content = new StringContent(Serialize(body), Encoding.UTF8, "application/json");
                using (var resp = await http.SendAsync(req, ct).ConfigureAwait(false))
                {
                    if ((int)resp.StatusCode >= 400) throw await ProblemOfAsync(resp).ConfigureAwait(false);
                    var raw = await resp.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                    if (typeof(T) == typeof(object) || raw.Length == 0) return null;
                    return Deserialize<T>(raw);
                }
            }
        }

        // ProblemOfAsync reads an error answer as the exception callers match on.
        private static async Task<VarcoProblemException> ProblemOfAsync(HttpResponseMessage resp)
        {
            var raw = await resp.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            int status = (int)resp.StatusCode;
            Problem p = null;
            try { p = Deserialize<Problem>(raw); } catch (Exception) { }
            p = p ?? new Problem();
            var retryAfter = resp.Headers.RetryAfter?.Delta ?? TimeSpan.Zero;
            var rid = p.RequestId;
            System.Collections.Generic.IEnumerable<string> ids; // not `out var`: mcs fails on it in an async method
            if (rid == null && resp.Headers.TryGetValues("Request-Id", out ids)) rid = ids.FirstOrDefault();
            return new VarcoProblemException(status, p.Code ?? "http_" + status, p.Detail, rid, retryAfter, p.Lines);
        }

        private static string Serialize(object o)
        {
            using (var ms = new MemoryStream())
            {
                new DataContractJsonSerializer(o.GetType()).WriteObject(ms, o);
                return Encoding.UTF8.GetString(ms.ToArray());
            }
        }

        private static T Deserialize<T>(byte[] raw)
        {
            using (var ms = new MemoryStream(raw))
            {
                return (T)new DataContractJsonSerializer(typeof(T)).ReadObject(ms);
            }
        }
    }
}
