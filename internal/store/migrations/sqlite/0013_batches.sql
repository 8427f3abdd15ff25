-- Batch queries (issue 16): one row per batch, one per subject answered. A batch names no
-- person: the subjects, the application's references and ANPR's answers live only in
-- batch_results.sealed, encrypted (secretbox, purpose "batch-result:<comune>"). The daily
-- retention removes the results of batches whose expires_at has passed; the batch row and the
-- audit records stay.
CREATE TABLE batches (
    id           TEXT PRIMARY KEY,
    comune_code  TEXT NOT NULL,
    user_id      INTEGER NOT NULL,
    ente_id      INTEGER NOT NULL DEFAULT 0,
    service      TEXT NOT NULL,
    motivo       TEXT NOT NULL,
    total        INTEGER NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'running',
    waiting      TEXT NOT NULL DEFAULT '',
    waiting_until TIMESTAMP NULL,
    created_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NULL,
    expires_at   TIMESTAMP NOT NULL,
    purged_at    TIMESTAMP NULL
);
CREATE INDEX batches_user_idx ON batches (user_id, created_at);
CREATE INDEX batches_expires_idx ON batches (expires_at) WHERE purged_at IS NULL;

CREATE TABLE batch_results (
    batch_id    TEXT NOT NULL REFERENCES batches (id),
    idx         INTEGER NOT NULL,
    request_id  TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    error_code  TEXT NOT NULL,
    sealed      TEXT NOT NULL,
    -- FALSE from the result's write until the subject's audit record is committed: a worker
    -- that stops in between leaves what the retried attempt needs to write that record.
    audited     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, idx)
);
