-- Indexes for the scoped audit search, reports and exports at scale (BenchmarkAuditSearch10M).
-- A TOP filtering by e-service, and an ADMIN (scope Comune + Ente), read their newest records
-- straight from an index in (created_at, id) order instead of filtering the Comune's records.
CREATE INDEX audit_events_comune_service_created_idx ON audit_events (comune_code, service, created_at DESC, id DESC);
CREATE INDEX audit_events_comune_ente_created_idx ON audit_events (comune_code, ente_id, created_at DESC, id DESC);
