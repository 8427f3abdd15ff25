package dev.varco.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One operator's session with Varco (docs/integration.md): sign-in and refresh serialised per
 * session, typed ANPR queries with an Idempotency-Key (one is made when the caller gives none)
 * and the workstation header, a deadline per call, retries only where nothing can run twice,
 * and problems as {@link VarcoProblemException}. Thread-safe; never share one between operators.
 */
public final class VarcoClient {
    private final HttpClient http;
    private final String base;
    private final String workstation;
    private final Duration timeout;
    private final int retries;
    private final ObjectMapper json = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Object session = new Object(); // serialises sign-in, refresh and sign-out
    private String access;
    private String refresh;
    private Instant expires = Instant.EPOCH;

    private VarcoClient(Builder b) {
        this.base = b.baseUrl.replaceAll("/+$", "");
        this.workstation = b.workstation;
        this.timeout = b.timeout;
        this.retries = b.retries;
        this.http = b.http != null ? b.http : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** A builder for the Varco at baseUrl, e.g. "https://varco.example.it". */
    public static Builder builder(String baseUrl) { return new Builder(baseUrl); }

    /** Options of a client. */
    public static final class Builder {
        private final String baseUrl;
        private String workstation;
        private Duration timeout = Duration.ofSeconds(30);
        private int retries = 2;
        private HttpClient http;

        private Builder(String baseUrl) { this.baseUrl = baseUrl; }
        /** The default Varco-Postazione (the operator's workstation, ModI userLocation). */
        public Builder workstation(String ws) { this.workstation = ws; return this; }
        /** Deadline of each HTTP exchange; keep it above Varco's request timeout (10 s). */
        public Builder timeout(Duration d) { this.timeout = d; return this; }
        /** Retries of a safe request (default 2). */
        public Builder retries(int n) { this.retries = n; return this; }
        public Builder httpClient(HttpClient h) { this.http = h; return this; }
        public VarcoClient build() { return new VarcoClient(this); }
    }

    /** Thrown by calls that need a session before signIn or after signOut. */
    public static final class NotSignedInException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        NotSignedInException() { super("varco: not signed in"); }
    }

    /** Exchanges the operator's username and password for the session's tokens (the password is not kept). */
    public void signIn(String username, String password) throws IOException, InterruptedException, VarcoProblemException {
        synchronized (session) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("username", username);
            body.put("password", password);
            keep(send("POST", "/api/v1/auth/token", null, body, Map.of(), Model.Tokens.class));
        }
    }

    /** Exchanges the refresh token for a new pair now (queries refresh by themselves). */
    public void refresh() throws IOException, InterruptedException, VarcoProblemException {
        synchronized (session) {
            refreshLocked();
        }
    }

    private void refreshLocked() throws IOException, InterruptedException, VarcoProblemException {
        if (refresh == null) throw new NotSignedInException();
        try {
            keep(send("POST", "/api/v1/auth/refresh", null, Map.of("refresh_token", refresh), Map.of(), Model.Tokens.class));
        } catch (VarcoProblemException e) {
            if (e.status() == 401) { access = null; refresh = null; } // spent or ended: sign in again
            throw e;
        }
    }

    private void keep(Model.Tokens t) {
        access = t.access_token;
        refresh = t.refresh_token;
        expires = Instant.now().plusSeconds(Math.max(0, t.expires_in - 30)); // refresh 30 s early
    }

    /** Revokes every token of the operator and forgets this session's. */
    public void signOut() throws IOException, InterruptedException, VarcoProblemException {
        synchronized (session) {
            if (access == null) throw new NotSignedInException();
            try {
                send("POST", "/api/v1/auth/logout", access, null, Map.of(), Void.class);
            } finally {
                access = null;
                refresh = null;
            }
        }
    }

    private String token() throws IOException, InterruptedException, VarcoProblemException {
        synchronized (session) {
            if (access == null) throw new NotSignedInException();
            if (Instant.now().isAfter(expires)) refreshLocked();
            return access;
        }
    }

    /** Asks ANPR's service (e.g. "C020") through Varco, with a new Idempotency-Key. */
    public Model.QueryResponse query(String service, Model.QueryRequest req)
            throws IOException, InterruptedException, VarcoProblemException {
        return query(service, req, null, null);
    }

    /**
     * Asks ANPR's service through Varco. The same idempotencyKey answers the first request's
     * answer and never calls ANPR twice; null makes a new one. workstation null is the client's.
     */
    public Model.QueryResponse query(String service, Model.QueryRequest req, String idempotencyKey, String workstation)
            throws IOException, InterruptedException, VarcoProblemException {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Idempotency-Key", idempotencyKey != null ? idempotencyKey : "java-" + UUID.randomUUID());
        String ws = workstation != null ? workstation : this.workstation;
        if (ws != null) h.put("Varco-Postazione", ws);
        return authed("POST", "/api/v1/anpr/" + enc(service), req, h, Model.QueryResponse.class);
    }

    /** The outcome of an earlier request; status "running" while it runs. */
    public Model.RequestOutcome request(String requestId) throws IOException, InterruptedException, VarcoProblemException {
        return authed("GET", "/api/v1/requests/" + enc(requestId), null, Map.of(), Model.RequestOutcome.class);
    }

    /**
     * Submits a batch. The same idempotencyKey finds the first batch instead of starting another;
     * null makes a new one. A batch with bad rows is refused whole: the exception's
     * {@code lines()} lists them.
     */
    public Model.BatchAccepted submitBatch(Model.BatchRequest req, String idempotencyKey)
            throws IOException, InterruptedException, VarcoProblemException {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Idempotency-Key", idempotencyKey != null ? idempotencyKey : "java-" + UUID.randomUUID());
        if (workstation != null) h.put("Varco-Postazione", workstation);
        return authed("POST", "/api/v1/batches", req, h, Model.BatchAccepted.class);
    }

    /** A batch's status and progress. */
    public Model.BatchStatus batch(String batchId) throws IOException, InterruptedException, VarcoProblemException {
        return authed("GET", "/api/v1/batches/" + enc(batchId), null, Map.of(), Model.BatchStatus.class);
    }

    /** Cancels a running batch; the results answered so far stay. */
    public void cancelBatch(String batchId) throws IOException, InterruptedException, VarcoProblemException {
        authed("DELETE", "/api/v1/batches/" + enc(batchId), null, Map.of(), Void.class);
    }

    /** Streams a batch's results, in input order, to each; they are never all held at once. */
    public void batchResults(String batchId, java.util.function.Consumer<Model.BatchResult> each)
            throws IOException, InterruptedException, VarcoProblemException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/v1/batches/" + enc(batchId) + "/results"))
                .timeout(timeout).header("Accept", "application/x-ndjson, application/problem+json")
                .header("Authorization", "Bearer " + token()).GET().build();
        HttpResponse<java.util.stream.Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
        try (java.util.stream.Stream<String> lines = resp.body()) {
            if (resp.statusCode() >= 400) {
                Model.Problem p = json.readValue(String.join("\n", (Iterable<String>) lines::iterator), Model.Problem.class);
                throw new VarcoProblemException(resp.statusCode(), p.code, p.detail, p.requestId, Duration.ZERO, p.lines);
            }
            for (java.util.Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.isEmpty()) each.accept(json.readValue(line, Model.BatchResult.class));
            }
        }
    }

    /** Whether Varco can serve requests (a 503 is a VarcoProblemException). */
    public Model.Status status() throws IOException, InterruptedException, VarcoProblemException {
        return send("GET", "/status", null, null, Map.of(), Model.Status.class);
    }

    /**
     * Sends with the session's token; refreshes once on 401; retries only a network failure,
     * 429 rate_limited and a 503 that reached no workflow (a query carries its
     * Idempotency-Key, so a retry finds the first answer instead of calling ANPR again).
     */
    private <T> T authed(String method, String path, Object body, Map<String, String> h, Class<T> type)
            throws IOException, InterruptedException, VarcoProblemException {
        boolean refreshed = false;
        for (int attempt = 0; ; attempt++) {
            String tok = token();
            try {
                return send(method, path, tok, body, h, type);
            } catch (VarcoProblemException e) {
                if (e.code().equals("unauthorized") && !refreshed) {
                    refreshed = true;
                    synchronized (session) {
                        if (tok.equals(access)) refreshLocked();
                    }
                    attempt--;
                    continue;
                }
                boolean safe = e.code().equals("rate_limited")
                        || (e.code().equals("service_unavailable") && e.requestId() == null);
                if (!safe || attempt >= retries) throw e;
                Thread.sleep(Math.max(e.retryAfter().toMillis(), 200L << attempt));
            } catch (IOException e) {
                if (attempt >= retries) throw e;
                Thread.sleep(200L << attempt);
            }
        }
    }

    private <T> T send(String method, String path, String token, Object body, Map<String, String> h, Class<T> type)
            throws IOException, InterruptedException, VarcoProblemException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Accept", "application/json, application/problem+json");
        if (body != null) {
            rb.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
        } else {
            rb.method(method, HttpRequest.BodyPublishers.noBody());
        }
        if (token != null) rb.header("Authorization", "Bearer " + token);
        h.forEach(rb::header);
        HttpResponse<byte[]> resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() >= 400) {
            Duration retryAfter = resp.headers().firstValue("Retry-After").map(s -> {
                try { return Duration.ofSeconds(Long.parseLong(s)); } catch (NumberFormatException e) { return Duration.ZERO; }
            }).orElse(Duration.ZERO);
            Model.Problem p;
            try {
                p = json.readValue(resp.body(), Model.Problem.class);
            } catch (IOException e) {
                p = new Model.Problem();
            }
            if (p.code == null) p.code = "http_" + resp.statusCode();
            String rid = p.requestId != null ? p.requestId : resp.headers().firstValue("Request-Id").orElse(null);
            throw new VarcoProblemException(resp.statusCode(), p.code, p.detail, rid, retryAfter, p.lines);
        }
        if (type == Void.class || resp.body().length == 0) return null;
        return json.readValue(resp.body(), type);
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }
}
