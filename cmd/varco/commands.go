package main

import (
	"flag"

	"github.com/varco-anpr/varco/internal/config"
)

// The groups of the processes of a production deployment.
var (
	groupsAPI = []config.Group{config.GroupCommon, config.GroupDatabase, config.GroupHTTP, config.GroupTemporal,
		config.GroupPayload, config.GroupAuditSigning, config.GroupObservability, config.GroupBatch}
	groupsWorker = []config.Group{config.GroupCommon, config.GroupDatabase, config.GroupTemporal, config.GroupPayload,
		config.GroupAuditSigning, config.GroupSecrets, config.GroupANPR, config.GroupObservability, config.GroupBatch}
	groupsDB = []config.Group{config.GroupCommon, config.GroupDatabase}
)

func withGroups(base []config.Group, more ...config.Group) []config.Group {
	return append(append([]config.Group{}, base...), more...)
}

func init() {
	register(
		&command{name: "api", args: "[flags]", short: "the HTTP API (needs a Temporal cluster and the database)",
			groups: groupsAPI, run: runAPI, long: `
Serves the HTTP API: it authenticates the applications' users, starts one AnprQuery workflow
per request on the Comune's namespace and answers when its audit record is committed. It needs
a Temporal cluster, the database (migrated by varco migrate) and the keys below.

Examples:
  varco api -database-url postgres://varco@db:5432/varco -temporal-addr temporal:7233 -api-addr :8080
  VARCO_SEAL_KEY=... VARCO_CODEC_KEY=... varco api`},
		&command{name: "worker", args: "[flags]", short: "the Temporal worker running AnprQuery (the ANPR calls and the audit)",
			groups: groupsWorker, run: runWorker, long: `
Runs a worker on every Comune's namespace (following Comuni added later) and the system
namespace's audit retention: it authorizes, calls ANPR with the Comune's PDND credentials and
writes the audit. A worker may hold only the seal's public keys (-seal-public-keys).

Examples:
  varco worker -database-url postgres://varco@db:5432/varco -temporal-addr temporal:7233
  varco worker -anpr-ca-bundle /etc/varco/anpr-collaudo-ca.pem`},
		&command{name: "migrate", args: "[flags]", short: "apply the database migrations and exit",
			groups: groupsDB, run: runMigrate, long: `
Applies the embedded migrations to the database (SQLite or PostgreSQL) and exits.

Examples:
  varco migrate -database-url postgres://varco@db:5432/varco?sslmode=require
  varco migrate                      # the SQLite file of varco dev, in -data-dir`},
		&command{name: "comune add", args: "-code H501 -istat 058091 -name ROMA [-environment simulator|collaudo|esercizio] [flags]",
			short: "register a Comune (installation operator)", groups: withGroups(groupsDB, config.GroupSecrets, config.GroupTemporal),
			flags: func(fs *flag.FlagSet) commandFunc {
				f := &comuneFlags{}
				f.register(fs, true)
				return runComuneAdd(f)
			}, long: `
Registers a Comune and, with temporal-jwt-key set, its namespace on the Temporal cluster
(retention, search attributes; idempotent). In the simulator environment a PDND client, key and one purpose per
e-service are generated, so it can query the simulator at once; in collaudo or esercizio set
its PDND credentials with varco comune set-anpr.

Examples:
  varco comune add -code F205 -istat 015146 -name MILANO
  varco comune add -code F205 -istat 015146 -name MILANO -environment collaudo`},
		&command{name: "comune set-anpr", args: "-code H501 -client-id UUID -kid KID -private-key FILE -purpose C020=ID ... [flags]",
			short: "set a Comune's PDND credentials and ANPR purposes", groups: withGroups(groupsDB, config.GroupSecrets),
			flags: func(fs *flag.FlagSet) commandFunc {
				f := &comuneFlags{}
				f.register(fs, false)
				return runComuneSetANPR(f)
			}, long: `
Sets a Comune's ANPR access profile: its PDND client, key id, private key (stored sealed with
the secrets key, never printed) and one purpose per e-service, its environment and the operator
identity told to ANPR.

Examples:
  varco comune set-anpr -code F205 -environment collaudo -client-id 6f1c... -kid k-2026 \
      -private-key pdnd.pem -purpose C020=0b7e... -purpose C030=91aa...
  varco comune set-anpr -code F205 -operator-mode comune-operator -operator-id ANAG-F205-01`},
		&command{name: "comune list", args: "[flags]", short: "list the Comuni, their environment and purposes",
			groups: groupsDB, run: runComuneList, long: `
Lists the Comuni: code, ISTAT code, name, environment, operator mode and e-services.

Example:
  varco comune list -database-url postgres://varco@db:5432/varco`},
		&command{name: "user add", args: "-username NAME -role TOP|ADMIN|AUTORIZZATO -comune H501 [-ente ID] [-services C020,C030]",
			short: "add a user and their grant; prints a one-time password", groups: groupsDB,
			flags: func(fs *flag.FlagSet) commandFunc {
				f := &userFlags{}
				f.register(fs)
				return runUserAdd(f)
			}, long: `
Adds a user with one grant and prints a one-time initial password. The installation operator
creates each Comune's first TOP this way; TOPs and ADMINs then use the admin API.

Examples:
  varco user add -username anagrafe.roma -display-name "Ufficio Anagrafe" -role TOP -comune H501
  varco user add -username vigile.rossi -role AUTORIZZATO -comune H501 -ente 3 -services C020,C030`},
		&command{name: "audit verify", args: "[-comune H501] [-anchors FILE] [flags]",
			short:  "check the audit hash chains, signed checkpoints and anchors (read-only)",
			groups: withGroups(groupsDB, config.GroupAuditPublic), flags: auditVerifyFlags, long: `
Walks each Comune's audit hash chain and checks its signed checkpoints and, with -anchors, the
anchors kept outside the database; it reports the first broken link and exits non-zero. It only
reads: the database is opened read-only (a role with SELECT alone is enough, on a copy or a
replica), never migrated, and the checkpoints are checked with public keys (-audit-public-keys,
printed by varco audit key). No private key is needed.

Examples:
  varco audit verify                                  # the SQLite database of varco dev
  varco audit verify -comune H501 -anchors anchors.jsonl
  varco audit verify -database-url 'postgres://auditor@replica:5432/varco?sslmode=require' \
      -audit-public-keys "a2=BASE64...,a1=BASE64..."`},
		&command{name: "audit anchor", args: "[-comune H501] [flags]",
			short:  "sign each Comune's chain head and print it (JSON lines) to keep elsewhere",
			groups: withGroups(groupsDB, config.GroupAuditSigning), flags: auditAnchorFlags, long: `
Signs each Comune's current chain head with the audit key and prints it as one JSON line. Keep
the output outside the database (the auditor's archive, a timestamping service) and check it
later with varco audit verify -anchors FILE.

Example:
  varco audit anchor >> /archive/varco-anchors.jsonl`},
		&command{name: "audit key", args: "[flags]", short: "print the audit signing key's public key (<id>=<base64>)",
			groups: withGroups(groupsDB, config.GroupAuditSigning), run: runAuditKey, long: `
Prints the audit signing key's public key as <key id>=<base64>: give it to auditors
(-audit-public-keys of varco audit verify), and keep it in -audit-retired-keys before rotating
to a new key, so the checkpoints signed so far keep verifying.

Example:
  varco audit key >> audit-public-keys.txt`},
		&command{name: "seal key", args: "[flags]", short: "print the seal key's public key (<id>=<base64>) for the workers",
			groups: withGroups(groupsDB, config.GroupPayload), run: runSealKey, long: `
Prints the public half of the seal key the api signs every workflow input with, as
<key id>=<base64>: give it to workers that hold no private key (-seal-public-keys), and, when
rotating, to every worker before the api replicas get the new seal-key.

Example:
  VARCO_SEAL_KEY=... VARCO_SEAL_KEY_ID=s2 varco seal key >> seal-public-keys.txt`},
		&command{name: "audit reconcile", args: "[-day YYYY-MM-DD] [-calls FILE] [flags]",
			short:  "list the calls ANPR received that no audit record names",
			groups: withGroups(groupsDB, config.GroupSimulator), flags: auditReconcileFlags, long: `
Joins one day of the audit with the calls ANPR received — in TEST the simulator's log (from
-simulator-addr), or a JSON file of calls — and lists the calls no record names; it exits
non-zero when there is one.

Examples:
  varco audit reconcile -day 2026-12-01
  varco audit reconcile -day 2026-12-01 -calls govway-calls.json`},
		&command{name: "temporal token", args: "[-permissions temporal-system:admin] [-ttl 1h] [flags]",
			short:  "print a token for Temporal's frontend, signed with temporal-jwt-key",
			groups: withGroups(groupsDB, config.GroupTemporal), flags: temporalTokenFlags, long: `
Prints a token Temporal's frontend accepts, for the installation operator's temporal CLI,
signed with temporal-jwt-key. There is no default credential: whoever holds the key (or runs
this on the host of varco dev) mints one, for up to a day.

Examples:
  TOKEN=$(varco temporal token -ttl 1h)
  temporal workflow list --namespace comune-h501 --grpc-meta "authorization=Bearer $TOKEN"
  varco temporal token -permissions comune-h501:read -subject auditor`},
	)
}
