-- Batch queries (issue 16): one row per batch, one per subject answered. A batch names no
-- person: the subjects, the application's references and ANPR's answers live only in
-- batch_results.sealed, encrypted (secretbox, purpose "batch-result:<comune>"). The daily
-- retention removes the results of batches whose expires_at has passed; the batch row and the
-- audit records stay.
CREATE TABLE batches (
    id           TEXT PRIMARY KEY,
    comune_code  TEXT NOT NULL,
    user_id      BIGINT NOT NULL,
    ente_id      BIGINT NOT NULL DEFAULT 0,
    service      TEXT NOT NULL,
    motivo       TEXT NOT NULL,
    total        BIGINT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'running',
    waiting      TEXT NOT NULL DEFAULT '',
    waiting_until TIMESTAMPTZ NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    purged_at    TIMESTAMPTZ NULL
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
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (batch_id, idx)
);
