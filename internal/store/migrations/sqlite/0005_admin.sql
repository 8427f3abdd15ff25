-- Administration (issue 4): the admin audit, the policy version every replica polls, daily
-- quota counters, the per-user quota of a grant and the Comune that registered an Ente.
CREATE TABLE admin_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TIMESTAMP NOT NULL,
    actor_user_id INTEGER NOT NULL DEFAULT 0,
    comune        TEXT NOT NULL DEFAULT '',
    ente_id       INTEGER NOT NULL DEFAULT 0,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL DEFAULT '',
    object_id     TEXT NOT NULL DEFAULT '',
    "before"      TEXT NOT NULL DEFAULT '',
    "after"       TEXT NOT NULL DEFAULT '',
    outcome       TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    error_code    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX admin_events_comune_at_idx ON admin_events (comune, at DESC, id DESC);

-- One row; bumped in the same transaction as every grant, profile or suspension change, so
-- a replica that sees a new number knows its in-memory policy is stale.
CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO policy_version (id, version) VALUES (1, 0);

-- Allowed queries per scope ("grant:<id>", "convenzione:<id>") and Europe/Rome day.
CREATE TABLE quota_counters (
    scope TEXT NOT NULL,
    day   TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (scope, day)
);

ALTER TABLE grants ADD COLUMN daily_quota INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enti ADD COLUMN created_by_comune TEXT NOT NULL DEFAULT '';
