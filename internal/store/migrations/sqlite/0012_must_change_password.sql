-- First-login password change (issue 12): a user created with, or reset to, a one-time
-- password must choose their own before the console lets them do anything else. Existing
-- users keep the password they have (FALSE).
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
