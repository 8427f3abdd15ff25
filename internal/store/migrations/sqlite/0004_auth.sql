-- Authentication hardening (docs/authentication.md).
-- token_version: access tokens carry the version they were issued at; bumping it revokes them
-- all, checked on the user row the API reads on every request anyway (no extra lookup).
-- failed_logins / last_failed_login_at: consecutive password failures, kept in the database
-- so that every API replica applies the same lockout.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_failed_login_at TIMESTAMP;

-- Refresh tokens: only the SHA-256 of each is stored. Every sign-in starts a family; rotation
-- revokes the presented token, records its successor in replaced_by, and keeps the family's
-- expiry and the level of assurance of that sign-in (loa). replaced_by is informational (no
-- foreign key) so expired rows can go in any order.
CREATE TABLE refresh_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    family_id   TEXT NOT NULL,
    loa         TEXT NOT NULL DEFAULT '',
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    replaced_by INTEGER
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
