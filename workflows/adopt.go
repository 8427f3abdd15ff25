package workflows

import "github.com/varco-anpr/varco/internal/errcode"

// adopt makes the answer tell the committed record's story when an earlier attempt of this
// run (before a worker crash) wrote the record first: the record is never rewritten, so the
// answer follows it, and the client, GET /requests/{id} and the audit agree.
func adopt(res QueryResult, s AuditStory) QueryResult {
	if s.Outcome == res.Outcome && s.ErrorCode == res.ErrorCode {
		return res // the same story: keep this attempt's data
	}
	out := QueryResult{
		RequestID: res.RequestID, Outcome: s.Outcome, ErrorCode: s.ErrorCode, Detail: s.Reason,
		HTTPStatus: s.HTTPStatus, EnteID: res.EnteID, IDOperazioneANPR: s.IDOperazioneANPR,
	}
	if s.Outcome == OutcomeOK {
		// ANPR answered, as the record says, but this attempt does not hold the answer: the
		// outcome stays "ok" and the client is told the data is lost, not that none exists.
		out.ErrorCode, out.HTTPStatus = errcode.ANPRUnavailable, errcode.Status(errcode.ANPRUnavailable)
		out.Detail = "ANPR answered this request (idOperazioneANPR " + s.IDOperazioneANPR +
			", see the audit record) but the answer was lost when a worker stopped; repeat the request with a new Idempotency-Key to read the data again"
	}
	return out
}
