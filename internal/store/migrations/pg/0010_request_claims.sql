-- The first run of each AnprQuery workflow claims its request id (activities.Authorize): a
-- second run with the same sealed input — a replay through Temporal's frontend, or a reset —
-- finds the id claimed by another run and makes no ANPR call. Rows outlive every request
-- deadline by far; the daily retention removes them after two days.
CREATE TABLE request_claims (
    request_id TEXT PRIMARY KEY,
    run_id     TEXT NOT NULL,
    claimed_at TIMESTAMP NOT NULL,
    -- Set by CallANPR just before it contacts ANPR: after a worker crash, the same run knows
    -- a call went out (operation_id names it) even though its answer was lost.
    operation_id TEXT NOT NULL DEFAULT '',
    called_at    TIMESTAMP NULL
);
CREATE INDEX request_claims_claimed_idx ON request_claims (claimed_at);
