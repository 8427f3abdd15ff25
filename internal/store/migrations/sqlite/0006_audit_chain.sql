-- Audit archive (issue 5): the per-Comune hash chain, the encrypted subject, signed
-- checkpoints, append-only triggers and the retention period of each Comune.
--
-- Rows written before this migration get their place in their Comune's chain (seq, by id)
-- but no hash: auditlog.Verify reports them as an unchained prefix instead of inventing a
-- hash now that would vouch for data nobody protected when it was written.
ALTER TABLE audit_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN subject_hash_cf TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN subject_sealed TEXT NOT NULL DEFAULT '';
UPDATE audit_events SET seq = (SELECT n FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY comune_code ORDER BY id) AS n FROM audit_events) x WHERE x.id = audit_events.id);
CREATE UNIQUE INDEX audit_events_comune_seq_key ON audit_events (comune_code, seq);
CREATE INDEX audit_events_subject_hash_cf_idx ON audit_events (subject_hash_cf) WHERE subject_hash_cf <> '';

-- The last link of each Comune's chain. InsertAudit reads and moves it in the record's own
-- transaction; Verify compares it with the last record to catch a truncated tail.
CREATE TABLE audit_chain_heads (
    comune_code TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL
);
INSERT INTO audit_chain_heads (comune_code, seq, hash) SELECT comune_code, MAX(seq), '' FROM audit_events GROUP BY comune_code;

-- Ed25519-signed statements "the chain of comune had this hash at seq" (auditlog).
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    comune    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    signature TEXT NOT NULL,
    key_id    TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_checkpoints_comune_seq_key ON audit_checkpoints (comune, seq);

-- SQLite has no session settings: the retention purge (store.PurgeAudit) inserts a row here
-- in its own transaction, deletes, and removes the row before committing. The trigger allows
-- a DELETE only of that Comune's records older than the row's cutoff. This keeps the code and
-- mistakes from deleting; whoever owns the file can still do anything, which the chain and
-- the checkpoints then reveal.
CREATE TABLE audit_purge_guard (
    comune_code TEXT PRIMARY KEY,
    before      TIMESTAMP NOT NULL
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard g WHERE g.comune_code = OLD.comune_code AND OLD.created_at < g.before) BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: UPDATE refused'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: DELETE refused'); END;

-- Months of audit each Comune keeps (auditlog.PurgeExpired); never under 6.
ALTER TABLE comuni ADD COLUMN audit_retention_months INTEGER NOT NULL DEFAULT 24 CHECK (audit_retention_months >= 6);
