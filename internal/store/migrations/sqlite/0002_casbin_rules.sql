-- Casbin facts (grouping rules g and g2). The role templates (p) live in rbac/policy.csv.
CREATE TABLE casbin_rules (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    ptype TEXT NOT NULL,
    v0    TEXT NOT NULL DEFAULT '',
    v1    TEXT NOT NULL DEFAULT '',
    v2    TEXT NOT NULL DEFAULT '',
    v3    TEXT NOT NULL DEFAULT '',
    v4    TEXT NOT NULL DEFAULT '',
    v5    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX casbin_rules_key ON casbin_rules (ptype, v0, v1, v2, v3, v4, v5);
-- Filtered loading per Comune: the domain is v2 in g and g2 rules.
CREATE INDEX casbin_rules_domain_idx ON casbin_rules (v2);
