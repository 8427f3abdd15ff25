-- Batch queries (issue 16): each subject of a batch is audited as a request of its own,
-- carrying the batch id, so a TOP can list a batch's records. '' for single queries.
ALTER TABLE audit_events ADD COLUMN batch_id TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_events_batch_idx ON audit_events (batch_id) WHERE batch_id <> '';
