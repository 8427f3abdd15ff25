-- Core tables. Timestamps are stored by bun as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff+00:00',
-- which sorts and compares correctly as text.
CREATE TABLE comuni (
    code               TEXT PRIMARY KEY,
    istat_code         TEXT NOT NULL,
    name               TEXT NOT NULL,
    environment        TEXT NOT NULL CHECK (environment IN ('simulator', 'collaudo', 'esercizio')),
    pdnd_client_id     TEXT NOT NULL DEFAULT '',
    pdnd_kid           TEXT NOT NULL DEFAULT '',
    private_key_pem    TEXT NOT NULL DEFAULT '',
    purpose_ids        TEXT NOT NULL DEFAULT '{}',
    token_url          TEXT NOT NULL DEFAULT '',
    assertion_audience TEXT NOT NULL DEFAULT '',
    service_base_url   TEXT NOT NULL DEFAULT '',
    audience_base      TEXT NOT NULL DEFAULT '',
    operator_mode      TEXT NOT NULL CHECK (operator_mode IN ('end-user', 'comune-operator')),
    operator_id        TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX comuni_istat_code_key ON comuni (istat_code);

CREATE TABLE enti (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    codice_ipa TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX enti_codice_ipa_key ON enti (codice_ipa) WHERE codice_ipa <> '';

CREATE TABLE convenzioni (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    comune_code TEXT NOT NULL REFERENCES comuni (code),
    ente_id     INTEGER NOT NULL REFERENCES enti (id),
    services    TEXT NOT NULL DEFAULT '[]',
    valid_from  TIMESTAMP NOT NULL,
    valid_to    TIMESTAMP,
    daily_quota INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX convenzioni_comune_ente_idx ON convenzioni (comune_code, ente_id, valid_from);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE grants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    comune_code TEXT NOT NULL REFERENCES comuni (code),
    ente_id     INTEGER REFERENCES enti (id),
    role        TEXT NOT NULL CHECK (role IN ('TOP', 'ADMIN', 'AUTORIZZATO')),
    services    TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMP NOT NULL,
    CHECK ((role = 'TOP') = (ente_id IS NULL))
);
CREATE UNIQUE INDEX grants_user_comune_ente_role_key ON grants (user_id, comune_code, COALESCE(ente_id, 0), role);
-- A query names no Ente, so (user, Comune) must imply it: one AUTORIZZATO grant per Comune.
CREATE UNIQUE INDEX grants_one_autorizzato_key ON grants (user_id, comune_code) WHERE role = 'AUTORIZZATO';

CREATE TABLE audit_events (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id            TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    user_id               INTEGER NOT NULL DEFAULT 0,
    ente_id               INTEGER NOT NULL DEFAULT 0,
    comune_code           TEXT NOT NULL DEFAULT '',
    service               TEXT NOT NULL DEFAULT '',
    motivo                TEXT NOT NULL DEFAULT '',
    outcome               TEXT NOT NULL DEFAULT '',
    error_code            TEXT NOT NULL DEFAULT '',
    http_status           INTEGER NOT NULL DEFAULT 0,
    id_operazione_client  TEXT NOT NULL DEFAULT '',
    id_operazione_anpr    TEXT NOT NULL DEFAULT '',
    govway_transaction_id TEXT NOT NULL DEFAULT '',
    voucher_jti           TEXT NOT NULL DEFAULT '',
    correlation_id        TEXT NOT NULL DEFAULT '',
    duration_ms           INTEGER NOT NULL DEFAULT 0,
    workstation           TEXT NOT NULL DEFAULT '',
    subject_hash          TEXT NOT NULL DEFAULT '',
    reason                TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX audit_events_request_id_key ON audit_events (request_id);
CREATE INDEX audit_events_comune_created_idx ON audit_events (comune_code, created_at DESC, id DESC);
CREATE INDEX audit_events_user_created_idx ON audit_events (user_id, created_at DESC, id DESC);
CREATE INDEX audit_events_subject_hash_idx ON audit_events (subject_hash);
