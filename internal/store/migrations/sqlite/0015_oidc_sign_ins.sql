-- The Temporal Web UI's sign-ins in progress (Varco is its OpenID Provider): the UI's authorize
-- request until the user signs in, then until the code is exchanged. Shared by every API
-- replica, so a sign-in may start on one and end on another behind a load balancer. `request`
-- is the authorize request as JSON (client, redirect URI, state, nonce, PKCE challenge: no
-- personal data); subject and username are set once the user has signed in. A row lives at
-- most ten minutes (api.authRequestTTL): expired rows are removed as new sign-ins start.
CREATE TABLE oidc_sign_ins (
    id         TEXT PRIMARY KEY,
    request    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    code       TEXT NULL UNIQUE,
    subject    TEXT NOT NULL DEFAULT '',
    username   TEXT NOT NULL DEFAULT '',
    auth_time  TIMESTAMP NULL
);
CREATE INDEX oidc_sign_ins_created_idx ON oidc_sign_ins (created_at);
