-- Policy loading per Comune (issue 4: one Comune's policy loads in under 100 ms at 10,000 users).
--
-- An AUTORIZZATO's service profile is grants.services; the g2 Casbin facts repeated it, one row
-- per service. rbac now reads profiles from grants (one row per user) and checks them with a
-- matcher function, so the g2 facts go.
DELETE FROM casbin_rules WHERE ptype = 'g2';
CREATE INDEX grants_comune_role_idx ON grants (comune_code, role);

-- The policy version of each Comune: set to the new policy_version in the transaction that
-- changes the Comune's grants or profiles, so a replica reloads only the Comuni that changed
-- since the version it holds.
CREATE TABLE policy_domains (
    comune_code TEXT PRIMARY KEY,
    version     BIGINT NOT NULL
);
CREATE INDEX policy_domains_version_idx ON policy_domains (version);
