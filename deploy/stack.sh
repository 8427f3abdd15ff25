#!/usr/bin/env bash
# The production-shaped stack on one machine, with real processes and no Docker
# (docs/operations.md): PostgreSQL databases for Varco and Temporal on an existing server,
# Temporal's server (go.temporal.io/server at go.mod's version, with Varco's authorization:
# cmd/varco-temporal) on PostgreSQL persistence and visibility, its schema set up by Temporal's
# own temporal-sql-tool, the Temporal Web UI signing in through Varco, two `varco api` and two
# `varco worker` replicas, and `varco simulate` standing in for ANPR.
#
#   deploy/stack.sh up       build what is missing, start, wait for readiness, print addresses
#   deploy/stack.sh down     stop every process of the stack (the databases stay)
#   deploy/stack.sh reset    down, then drop the stack's databases and its state directory
#   deploy/stack.sh status   which processes run
#   deploy/stack.sh start|stop|kill NAME   one process (the reliability suite uses these)
#
# Everything lives in $STACK_DIR (default .stack/): bin/ (binaries, built once and reused),
# env (the generated keys, mode 0600), log/<name>.log, pid/<name>.pid, temporal/ (configs).
# The PostgreSQL server is shared and never stopped: only the stack's own databases are made.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

STACK_DIR=${STACK_DIR:-$ROOT/.stack}
BIN=$STACK_DIR/bin
PG_HOST=${STACK_PG_HOST:-127.0.0.1}
PG_PORT=${STACK_PG_PORT:-5432}
PG_USER=${STACK_PG_USER:-postgres}
VARCO_DB=${STACK_VARCO_DB:-varco_stack}
TEMPORAL_DB=${STACK_TEMPORAL_DB:-temporal_stack}
VISIBILITY_DB=${STACK_VISIBILITY_DB:-temporal_stack_visibility}
# Ports: away from varco dev's defaults, so both can run on one machine.
P=${STACK_PORT_BASE:-17000}
FRONTEND=$((P + 233)) UI=$((P + 1233)) API1=$((P + 1081)) API2=$((P + 1082)) SIM=$((P + 1090))

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
psqlc() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -qtA "$@"; }

build() {
  mkdir -p "$BIN"
  local tv
  tv=$(go list -m -f '{{.Version}}' go.temporal.io/server)
  # varco is rebuilt every time (incremental: seconds); the Temporal binaries only when missing
  # or of another version.
  log "building varco"
  go build -o "$BIN/varco" ./cmd/varco
  if [ ! -x "$BIN/varco-temporal" ] || [ "$(cat "$BIN/.temporal-version" 2>/dev/null)" != "$tv" ]; then
    log "building varco-temporal (Temporal server $tv with Varco's authorization; minutes on a cold cache)"
    go build -o "$BIN/varco-temporal" ./cmd/varco-temporal
    rm -f "$BIN/temporal-sql-tool"
  fi
  if [ ! -x "$BIN/temporal-sql-tool" ]; then
    # Temporal's own schema tool at the same version. Built from the server's module rather
    # than ours: it needs a dependency (urfave/cli v1) nothing in Varco uses.
    log "building temporal-sql-tool $tv"
    GOBIN=$BIN go install "go.temporal.io/server/cmd/tools/sql@$tv"
    mv "$BIN/sql" "$BIN/temporal-sql-tool"
  fi
  echo "$tv" > "$BIN/.temporal-version"
  if [ ! -x "$BIN/temporal-ui" ]; then
    # The stock ui-server binary at go.mod's version (its main needs urfave/cli v2, which
    # Varco does not: built from its own module, like the schema tool).
    local uv
    uv=$(go list -m -f '{{.Version}}' github.com/temporalio/ui-server/v2)
    log "building the Temporal Web UI server (ui-server $uv)"
    GOBIN=$BIN go install "github.com/temporalio/ui-server/v2/cmd/server@$uv"
    mv "$BIN/server" "$BIN/temporal-ui"
  fi
}

# keys writes the stack's keys once: every key Varco reads, from the same generators an
# operator uses (docs/operations.md).
keys() {
  local env=$STACK_DIR/env
  [ -s "$env" ] && return 0
  umask 077
  local r32='openssl rand -base64 32'
  {
    echo "VARCO_CODEC_KEY=$($r32)"
    echo "VARCO_TOKEN_KEY=$($r32)"
    echo "VARCO_SUBJECT_KEY=$($r32)"
    echo "VARCO_SEAL_KEY=$($r32)"
    echo "VARCO_AUDIT_KEY=$($r32)"
    echo "VARCO_SECRETS_KEY=$($r32)"
    echo "VARCO_TEMPORAL_JWT_KEY=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl pkcs8 -topk8 -nocrypt -outform DER | base64 -w0)"
    echo "VARCO_TEMPORAL_UI_CLIENT_SECRET=$(openssl rand -hex 32)"
    echo "VARCO_DEMO_PASSWORD=$(openssl rand -hex 12)"
    echo "VARCO_SIMULATOR_ADMIN_TOKEN=$(openssl rand -hex 16)"
  } > "$env"
  log "keys generated in $env"
}

# varco_env is what every varco process reads (each takes only its groups' variables).
varco_env() {
  set -a
  # shellcheck disable=SC1091
  . "$STACK_DIR/env"
  set +a
  export VARCO_DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$VARCO_DB?sslmode=disable"
  export VARCO_TEMPORAL_ADDR=127.0.0.1:$FRONTEND
  export VARCO_NAMESPACE=varco-system
  export VARCO_SIMULATOR_ADDR=127.0.0.1:$SIM
  export VARCO_OIDC_ISSUER=http://127.0.0.1:$API1/oidc
  export VARCO_TEMPORAL_UI_URL=http://127.0.0.1:$UI
  export VARCO_LOG_FORMAT=json
  export VARCO_DATA_DIR=$STACK_DIR/data
}

databases() {
  pg_isready -h "$PG_HOST" -p "$PG_PORT" -q || die "PostgreSQL does not answer at $PG_HOST:$PG_PORT"
  local db
  for db in "$VARCO_DB" "$TEMPORAL_DB" "$VISIBILITY_DB"; do
    if [ "$(psqlc -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$db'")" != 1 ]; then
      log "creating database $db"
      psqlc -d postgres -c "CREATE DATABASE $db"
    fi
  done
  local schema
  schema=$(go list -m -f '{{.Dir}}' go.temporal.io/server)/schema/postgresql/v12
  local tool=("$BIN/temporal-sql-tool" --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER")
  # setup-schema -v 0.0 creates the version table on a fresh database; update-schema then
  # applies every versioned step not yet applied (idempotent: also the upgrade path).
  for pair in "$TEMPORAL_DB:temporal" "$VISIBILITY_DB:visibility"; do
    db=${pair%%:*}
    if [ "$(psqlc -d "$db" -c "SELECT 1 FROM information_schema.tables WHERE table_name='schema_version'")" != 1 ]; then
      "${tool[@]}" --db "$db" setup-schema -v 0.0 >>"$STACK_DIR/log/schema.log" 2>&1
    fi
    "${tool[@]}" --db "$db" update-schema -d "$schema/${pair##*:}/versioned" >>"$STACK_DIR/log/schema.log" 2>&1 \
      || die "temporal schema of $db: see $STACK_DIR/log/schema.log"
  done
  varco_env
  "$BIN/varco" migrate >>"$STACK_DIR/log/migrate.log" 2>&1 || die "varco migrate: see $STACK_DIR/log/migrate.log"
  "$BIN/varco" demo seed >>"$STACK_DIR/log/migrate.log" 2>&1 || die "varco demo seed: see $STACK_DIR/log/migrate.log"
}

temporal_config() {
  local t=$STACK_DIR/temporal
  mkdir -p "$t"
  varco_env
  "$BIN/varco" temporal jwks > "$t/jwks.json"
  cat > "$t/dynamicconfig.yaml" <<EOF
# Per-shard task polling at the dev server's defaults (20/s) adds 50 ms steps to every
# workflow (docs/temporal.md): raised as on the embedded server.
history.transferProcessorMaxPollRPS: [{value: 10000}]
history.timerProcessorMaxPollRPS: [{value: 10000}]
history.visibilityProcessorMaxPollRPS: [{value: 10000}]
history.outboundProcessorMaxPollRPS: [{value: 10000}]
system.enableEagerWorkflowStart: [{value: true}]
# A Comune added while running gets its namespace within seconds.
system.namespaceCacheRefreshInterval: [{value: 2s}]
frontend.namespaceRPS.visibility: [{value: 100}]
EOF
  cat > "$t/temporal.yaml" <<EOF
# Generated by deploy/stack.sh. The shape of the stock server's config (temporal-server
# --config-file), read by cmd/varco-temporal.
log: {stdout: true, level: warn}
# Pools are per service (five in this process): 5 x (6 + 2) connections at most, so that
# the stack and the other users of a shared server (max_connections 100) fit together.
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
      sql: {pluginName: postgres12, databaseName: $TEMPORAL_DB, connectAddr: "$PG_HOST:$PG_PORT", connectProtocol: tcp,
            user: $PG_USER, maxConns: 6, maxIdleConns: 6, maxConnLifetime: 1h}
    visibility:
      sql: {pluginName: postgres12, databaseName: $VISIBILITY_DB, connectAddr: "$PG_HOST:$PG_PORT", connectProtocol: tcp,
            user: $PG_USER, maxConns: 2, maxIdleConns: 2, maxConnLifetime: 1h}
global:
  membership: {maxJoinDuration: 30s, broadcastAddress: 127.0.0.1}
  authorization:
    # Varco's tokens (ES256, kid ${VARCO_TEMPORAL_JWT_KEY_ID:-t1}): the JWKS from
    # \`varco temporal jwks\`, read from a file so that Temporal does not wait for an api.
    jwtKeyProvider: {keySourceURIs: ["file://$t/jwks.json"], refreshInterval: 1m}
    permissionsClaimName: permissions
    authorizer: default
    claimMapper: default
services:
  frontend: {rpc: {grpcPort: $FRONTEND, membershipPort: $((P - 67)), bindOnLocalHost: true, httpPort: $((P + 243))}}
  internal-frontend: {rpc: {grpcPort: $((P + 236)), membershipPort: $((P - 64)), bindOnLocalHost: true, httpPort: $((P + 246))}}
  history: {rpc: {grpcPort: $((P + 234)), membershipPort: $((P - 66)), bindOnLocalHost: true}}
  matching: {rpc: {grpcPort: $((P + 235)), membershipPort: $((P - 65)), bindOnLocalHost: true}}
  worker: {rpc: {grpcPort: $((P + 239)), membershipPort: $((P - 61)), bindOnLocalHost: true}}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: {enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "127.0.0.1:$FRONTEND"}
dcRedirectionPolicy: {policy: noop}
archival: {history: {state: disabled}, visibility: {state: disabled}}
namespaceDefaults: {archival: {history: {state: disabled}, visibility: {state: disabled}}}
dynamicConfigClient: {filepath: "$t/dynamicconfig.yaml", pollInterval: 10s}
EOF
  mkdir -p "$t/ui"
  cat > "$t/ui/stack.yaml" <<EOF
# The Temporal Web UI (ui-server), read-only, signing in through Varco's OpenID Provider.
temporalGrpcAddress: 127.0.0.1:$FRONTEND
host: 127.0.0.1
port: $UI
enableUi: true
defaultNamespace: comune-h501
auth:
  enabled: true
  redirectToProvider: true
  maxSessionDuration: 8h
  providers:
    - {label: Varco, type: oidc, providerUrl: "$VARCO_OIDC_ISSUER", clientId: temporal-ui,
       clientSecret: "$VARCO_TEMPORAL_UI_CLIENT_SECRET", scopes: [openid, profile, email],
       callbackUrl: "http://127.0.0.1:$UI/auth/sso/callback"}
codec: {endpoint: "http://127.0.0.1:$API1/codec", passAccessToken: false, includeCredentials: true}
cors: {cookieInsecure: true}
disableWriteActions: true
startWorkflowDisabled: true
workflowTerminateDisabled: true
workflowCancelDisabled: true
workflowSignalDisabled: true
workflowUpdateDisabled: true
workflowResetDisabled: true
workflowPauseDisabled: true
batchActionsDisabled: true
activityCommandsDisabled: true
hideLogs: true
disableNewsFetch: true
EOF
  chmod 600 "$t/ui/stack.yaml"
}

# cmdline NAME prints the command of one process of the stack.
cmdline() {
  case $1 in
    temporal) echo "$BIN/varco-temporal -config-file $STACK_DIR/temporal/temporal.yaml" ;;
    ui) echo "$BIN/temporal-ui --root $STACK_DIR/temporal --config ui --env stack start" ;;
    simulator) echo "$BIN/varco simulate -simulator-addr 127.0.0.1:$SIM" ;;
    api1) echo "$BIN/varco api -api-addr 127.0.0.1:$API1" ;;
    api2) echo "$BIN/varco api -api-addr 127.0.0.1:$API2" ;;
    worker1 | worker2) echo "$BIN/varco worker" ;;
    *) die "unknown process $1" ;;
  esac
}

running() { [ -f "$STACK_DIR/pid/$1.pid" ] && kill -0 "$(cat "$STACK_DIR/pid/$1.pid")" 2>/dev/null; }

start_one() {
  local name=$1
  running "$name" && return 0
  varco_env
  # shellcheck disable=SC2046
  nohup $(cmdline "$name") >>"$STACK_DIR/log/$name.log" 2>&1 </dev/null &
  echo $! > "$STACK_DIR/pid/$name.pid"
}

stop_one() {
  local name=$1 sig=${2:-TERM} pid
  running "$name" || { rm -f "$STACK_DIR/pid/$name.pid"; return 0; }
  pid=$(cat "$STACK_DIR/pid/$name.pid")
  kill "-$sig" "$pid" 2>/dev/null || true
  if [ "$sig" = KILL ]; then
    # Dead at once; no wait: an orphan's zombie lingers until init reaps it, which
    # `kill -0` cannot tell from a live process.
    rm -f "$STACK_DIR/pid/$name.pid"
    return 0
  fi
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$STACK_DIR/pid/$name.pid"
}

# wait_for NAME CHECK... waits up to a minute for CHECK to succeed while NAME runs.
wait_for() {
  local name=$1; shift
  for _ in $(seq 1 240); do
    "$@" >/dev/null 2>&1 && return 0
    running "$name" || die "$name exited: see $STACK_DIR/log/$name.log"
    sleep 0.25
  done
  die "$name not ready in a minute: see $STACK_DIR/log/$name.log"
}

# frontend_ready: Temporal's frontend accepts connections (the replicas' readiness checks
# that it answers their authenticated calls).
frontend_ready() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$FRONTEND"; }
http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }
# worker_ready: the worker logged that it serves the demo Comune's namespace.
worker_ready() { grep -q '"namespace ready".*comune-h501' "$STACK_DIR/log/$1.log"; }

up() {
  mkdir -p "$STACK_DIR/log" "$STACK_DIR/pid" "$STACK_DIR/data"
  build
  if [ ! -s "$STACK_DIR/env" ]; then
    # New keys: databases left by an earlier stack (another checkout, or a removed .stack)
    # hold data sealed and signed with keys that are gone, so they start afresh too.
    drop_databases
  fi
  keys
  databases
  temporal_config
  start_one temporal
  wait_for temporal frontend_ready
  start_one simulator
  wait_for simulator http_ok "http://127.0.0.1:$SIM/.well-known/varco-simulator.json"
  start_one worker1
  start_one worker2
  start_one api1
  start_one api2
  wait_for api1 http_ok "http://127.0.0.1:$API1/readyz"
  wait_for api2 http_ok "http://127.0.0.1:$API2/readyz"
  wait_for worker1 worker_ready worker1
  wait_for worker2 worker_ready worker2
  start_one ui
  wait_for ui http_ok "http://127.0.0.1:$UI/"
  cat <<EOF

Varco stack up (state in $STACK_DIR; logs in $STACK_DIR/log, pids in $STACK_DIR/pid):
  API replicas        http://127.0.0.1:$API1  http://127.0.0.1:$API2
  Temporal frontend   127.0.0.1:$FRONTEND (JWT required: $BIN/varco temporal token)
  Temporal Web UI     http://127.0.0.1:$UI (sign in through Varco as demo-top)
  ANPR simulator      http://127.0.0.1:$SIM
  workers             worker1, worker2
  PostgreSQL          $PG_HOST:$PG_PORT: $VARCO_DB, $TEMPORAL_DB, $VISIBILITY_DB
  demo users          demo-top, demo-admin, demo-operatore; password: VARCO_DEMO_PASSWORD in $STACK_DIR/env
Try:
  . deploy/stack.sh env; deploy/stack.sh query
Stop: make stack-down
EOF
}

down() {
  local n
  for n in ui api1 api2 worker1 worker2 simulator temporal; do stop_one "$n"; done
  log "stopped"
}

status() {
  local n
  for n in temporal simulator worker1 worker2 api1 api2 ui; do
    if running "$n"; then echo "$n running (pid $(cat "$STACK_DIR/pid/$n.pid"))"; else echo "$n stopped"; fi
  done
}

# query sends one C020 query as demo-operatore through api1 and prints the answer.
query() {
  varco_env
  local url=${1:-http://127.0.0.1:$API1} tok
  tok=$(curl -fsS "$url/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\":\"demo-operatore\",\"password\":\"$VARCO_DEMO_PASSWORD\"}" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$tok" ] || die "sign-in as demo-operatore failed"
  curl -sS -w '\nHTTP %{http_code}\n' "$url/api/v1/anpr/C020" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -d '{"comune":"H501","criteri":{"idANPR":"AF41450AS"},"motivo":"PROT-2026-1"}'
}

drop_databases() {
  pg_isready -h "$PG_HOST" -p "$PG_PORT" -q || die "PostgreSQL does not answer at $PG_HOST:$PG_PORT"
  local db
  for db in "$VARCO_DB" "$TEMPORAL_DB" "$VISIBILITY_DB"; do
    psqlc -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  done
}

reset() {
  down
  drop_databases
  rm -rf "$STACK_DIR/env" "$STACK_DIR/log" "$STACK_DIR/pid" "$STACK_DIR/temporal" "$STACK_DIR/data"
  log "databases dropped, state removed (binaries kept in $BIN)"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  reset) reset ;;
  status) status ;;
  query) shift; query "$@" ;;
  env) varco_env ;; # `. deploy/stack.sh env` exports the stack's VARCO_* settings
  start) start_one "$2" ;;
  stop) stop_one "$2" ;;
  kill) stop_one "$2" KILL ;;
  ports) echo "FRONTEND=$FRONTEND UI=$UI API1=$API1 API2=$API2 SIM=$SIM" ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
