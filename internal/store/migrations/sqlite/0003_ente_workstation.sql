-- The workstation (ModI userLocation) told to ANPR for an Ente's operators when the
-- application sends no X-Varco-Postazione header.
ALTER TABLE enti ADD COLUMN default_workstation TEXT NOT NULL DEFAULT '';
