-- The run of each AnprQuery workflow that called ANPR for a sealed request id, and the
-- call's operation id, written in one statement just before the call (activities.CallANPR).
-- Authorize reads it: another run holding the id is a replay, refused with no ANPR call; this
-- run holding it means its task is retried after a worker crash, with a call already sent.
-- Rows outlive every request deadline by far; the daily retention removes them after two days.
CREATE TABLE request_claims (
    request_id TEXT PRIMARY KEY,
    run_id     TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    operation_id TEXT NOT NULL DEFAULT '',
    called_at    TIMESTAMP NULL
);
CREATE INDEX request_claims_claimed_idx ON request_claims (claimed_at);
