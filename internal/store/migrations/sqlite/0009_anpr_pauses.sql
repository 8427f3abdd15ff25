-- ANPR quota pauses shared by every worker (ANPR.md §6): after a 429 LimitExceeded, a
-- (PDND client, purposeId) pair makes no call until the next Rome midnight, on any replica.
CREATE TABLE anpr_pauses (
    pause_key    TEXT PRIMARY KEY,
    paused_until TIMESTAMP NOT NULL
);
