using System;
using System.Collections.Generic;

namespace Varco.Client
{
    /// <summary>An error answer of Varco (RFC 9457 problem+json). Match on <see cref="Code"/>,
    /// which is stable; quote <see cref="RequestId"/> to support.</summary>
    public class VarcoProblemException : Exception
    {
        public int Status { get; }
        public string Code { get; }
        public string Detail { get; }
        /// <summary>The request id when the request reached its workflow (it is audited), else null.</summary>
        public string RequestId { get; }
        /// <summary>The answer's Retry-After (429, 503), or TimeSpan.Zero.</summary>
        public TimeSpan RetryAfter { get; }
        /// <summary>invalid_batch: the positions of the bad rows (from 1), else empty.</summary>
        public IReadOnlyList<int> Lines { get; }

        public VarcoProblemException(int status, string code, string detail, string requestId, TimeSpan retryAfter,
            IReadOnlyList<int> lines = null)
            : base("varco: " + status + " " + code + (string.IsNullOrEmpty(detail) ? "" : ": " + detail)
                   + (string.IsNullOrEmpty(requestId) ? "" : " (request " + requestId + ")"))
        {
            Status = status; Code = code; Detail = detail; RequestId = requestId; RetryAfter = retryAfter;
            Lines = lines ?? new int[0];
        }
    }

    /// <summary>Thrown by calls that need a session before SignIn or after SignOut.</summary>
    public class NotSignedInException : InvalidOperationException
    {
        public NotSignedInException() : base("varco: not signed in") { }
    }
}
