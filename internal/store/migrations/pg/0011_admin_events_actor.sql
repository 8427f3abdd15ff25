-- The admin API records at most N refusals per user and minute (issue 10): it counts the
-- user's recent refusals at every refusal, which this index makes a short range read.
CREATE INDEX admin_events_actor_at_idx ON admin_events (actor_user_id, at);
