package dev.varco.client;

import java.time.Duration;
import java.util.List;

/**
 * An error answer of Varco (RFC 9457 problem+json). Match on {@link #code()}, which is stable
 * (docs/integration.md lists each code and what to do); quote {@link #requestId()} to support.
 */
public class VarcoProblemException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final String detail;
    private final String requestId;
    private final Duration retryAfter;
    private final List<Integer> lines;

    public VarcoProblemException(int status, String code, String detail, String requestId, Duration retryAfter) {
        this(status, code, detail, requestId, retryAfter, List.of());
    }

    public VarcoProblemException(int status, String code, String detail, String requestId, Duration retryAfter, List<Integer> lines) {
        super("varco: " + status + " " + code + (detail == null || detail.isEmpty() ? "" : ": " + detail)
                + (requestId == null || requestId.isEmpty() ? "" : " (request " + requestId + ")"));
        this.status = status;
        this.code = code;
        this.detail = detail;
        this.requestId = requestId;
        this.retryAfter = retryAfter;
        this.lines = lines == null ? List.of() : List.copyOf(lines);
    }

    /** The HTTP status. */
    public int status() { return status; }
    /** The stable code, e.g. "subject_not_found". */
    public String code() { return code; }
    /** For people; never parse it. */
    public String detail() { return detail; }
    /** The request id when the request reached its workflow (it is audited), else null. */
    public String requestId() { return requestId; }
    /** The answer's Retry-After (429, 503), or Duration.ZERO. */
    public Duration retryAfter() { return retryAfter; }
    /** invalid_batch: the line numbers of the refused batch's bad rows. */
    public List<Integer> lines() { return lines; }
}
