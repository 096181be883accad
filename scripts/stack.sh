#!/usr/bin/env bash
# Local stack for Plan Fabric: a real single-node Apache Kafka broker (KRaft,
# broker+controller in one JVM) fetched from Maven Central, plus a check that
# Postgres answers. No Docker needed (docker-compose.yml is the Docker variant).
#
#   bash scripts/stack.sh up       fetch jars (cached), format storage once, start Kafka, wait until it serves,
#                                  check Postgres
#   bash scripts/stack.sh down     stop the broker this script started (never touches Postgres)
#   bash scripts/stack.sh status   does Kafka answer? does Postgres answer? (exit 0 only if both do)
#   bash scripts/stack.sh reset    down + delete the Kafka data dir (keeps the jar cache and the credentials)
#   bash scripts/stack.sh acl <prefix>…        grant the standard ACL set (libs/kafka/src/acl.ts) for topic prefixes
#   bash scripts/stack.sh rotate [principal…]  new passwords for these principals (default: all), set on the running broker
#   bash scripts/stack.sh credentials          only write the credentials file (for docker-compose.yml)
#
# Authentication: the client listener is SASL_PLAINTEXT with SCRAM-SHA-512, one principal per service
# (admin, the super user, and the services of libs/config/src/kafka-credentials.ts), StandardAuthorizer
# with allow.everyone.if.no.acl.found=false and the ACLs of libs/kafka/src/acl.ts for the topic prefix
# `planfabric` (and FABRIC_TOPIC_PREFIX). Passwords are generated on the first `up` into
# $PLAN_FABRIC_HOME/kafka-credentials (mode 0600, `principal=password` lines), where the services read
# theirs; they are never printed. The controller listener stays PLAINTEXT on 127.0.0.1: the broker and
# this script reach it as ANONYMOUS, a super user. A data dir formatted before authentication is moved
# aside (kafka-data/logs.pre-auth-<time>) and formatted again.
#
# Environment:
#   PLAN_FABRIC_HOME       cache + data root            (default ~/.cache/plan-fabric)
#   KAFKA_PORT             client listener port         (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port        (default 9093)
#   KAFKA_BROKERS          if set to anything but 127.0.0.1:$KAFKA_PORT / localhost:$KAFKA_PORT,
#                          nothing is started: `up` only checks that those brokers answer
#   KAFKA_HEAP_OPTS        JVM heap flags               (default -Xms256m -Xmx1g)
#   KAFKA_START_TIMEOUT    seconds to wait for a serving broker (default 90)
#   DATABASE_URL           Postgres to check            (default postgres://postgres@127.0.0.1:5432/postgres)
#   JAVA_HOME              Java 17+ to run Kafka with   (default: `java` on PATH)
set -euo pipefail

# Newest Kafka 4.x on Maven Central whose broker runs on Java 17 (its classes target Java 17).
KAFKA_VERSION="4.4.0"
SCALA_BINARY_VERSION="2.13"
# slf4j -> log4j2 binding, so the broker logs (Kafka 4.x uses slf4j 1.7 + log4j2).
LOG4J_VERSION="2.25.5"
MAVEN_DEPENDENCY_PLUGIN_VERSION="3.8.1"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PF_HOME="${PLAN_FABRIC_HOME:-$HOME/.cache/plan-fabric}"
KAFKA_DIST_DIR="$PF_HOME/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_DIST_DIR/libs"
KAFKA_MARKER="$KAFKA_DIST_DIR/.complete"
DATA_DIR="$PF_HOME/kafka-data"
SERVER_PROPS="$DATA_DIR/server.properties"
LOG4J_CONFIG="$DATA_DIR/log4j2.properties"
CLUSTER_ID_FILE="$DATA_DIR/cluster-id"
PID_FILE="$DATA_DIR/kafka.pid"
CREDENTIALS_FILE="$PF_HOME/kafka-credentials"
# Users the broker of this data dir knows (one name a line); absent: formatted before authentication.
AUTH_MARKER="$DATA_DIR/scram-users"
ACL_MARKER="$DATA_DIR/acl-prefixes"
PRINCIPALS="admin sequencer projector planner enactor janitor operator dashboard audit naive"
LOG_FILE="$DATA_DIR/kafka.log"
KAFKA_LOG_DIRS="$DATA_DIR/logs"

KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
LOCAL_BROKERS="127.0.0.1:$KAFKA_PORT"
BROKERS="${KAFKA_BROKERS:-$LOCAL_BROKERS}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
READY_SCRIPT="$REPO_ROOT/scripts/kafka-ready.cjs"
ADMIN_SCRIPT="$REPO_ROOT/scripts/kafka-admin.ts"

say() { echo "stack: $*"; }
warn() { echo "stack: $*" >&2; }
die() {
  warn "$*"
  exit 1
}

# ---------------------------------------------------------------- helpers

is_local_brokers() {
  [[ "$BROKERS" == "$LOCAL_BROKERS" || "$BROKERS" == "localhost:$KAFKA_PORT" ]]
}

port_open() { # port -> 0 if something accepts TCP connections on 127.0.0.1:port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_owner() { # port -> "NAME pid N" of the listener, if ss can tell
  command -v ss >/dev/null 2>&1 || return 0
  ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 pid \2/p' | head -n 1
}

# pid of the broker this script started for this data dir, if it is alive.
# The command line must name our server.properties (guards against pid reuse);
# if the pid file is gone, the process is found by that command line instead.
running_pid() {
  local pid=""
  [[ -f "$PID_FILE" ]] && pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && is_our_broker "$pid"; then
    echo "$pid"
    return 0
  fi
  for pid in $(pgrep -f "kafka\.Kafka $SERVER_PROPS" 2>/dev/null || true); do
    if is_our_broker "$pid"; then
      echo "$pid" >"$PID_FILE"
      echo "$pid"
      return 0
    fi
  done
  return 1
}

is_our_broker() { # pid
  kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $SERVER_PROPS"
}

# One stack.sh at a time per PLAN_FABRIC_HOME (two concurrent `up`s would start two brokers).
take_lock() {
  mkdir -p "$PF_HOME"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$PF_HOME/.stack.lock"
  if ! flock -n 9; then
    say "another stack.sh is running for $PF_HOME; waiting for it ..."
    flock -w 180 9 || die "gave up waiting for the other stack.sh (lock $PF_HOME/.stack.lock)"
  fi
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || true
  fi
}

require_java() {
  JAVA="$(java_bin)"
  [[ -n "$JAVA" ]] || die "no java found. Kafka $KAFKA_VERSION needs Java 17+: apt-get install -y openjdk-17-jre-headless (or set JAVA_HOME)"
  local spec
  spec="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')"
  spec="${spec%%.*}"
  if [[ -z "$spec" || "$spec" == 1 || "$spec" -lt 17 ]]; then
    die "$JAVA is Java ${spec:-unknown}; Kafka $KAFKA_VERSION needs Java 17+: apt-get install -y openjdk-17-jre-headless (or set JAVA_HOME)"
  fi
}

require_kafkajs() {
  command -v node >/dev/null 2>&1 || die "no node found: the readiness check needs Node.js 20 (apt-get install -y nodejs, or use the project's Node)"
  [[ -f "$REPO_ROOT/node_modules/kafkajs/package.json" ]] && return 0
  # npm install may still be running in the repo: give it a while.
  if pgrep -f 'npm (install|ci)' >/dev/null 2>&1; then
    say "waiting for npm install to provide node_modules/kafkajs ..."
    local waited=0
    while [[ ! -f "$REPO_ROOT/node_modules/kafkajs/package.json" && $waited -lt 300 ]]; do
      sleep 5
      waited=$((waited + 5))
    done
  fi
  [[ -f "$REPO_ROOT/node_modules/kafkajs/package.json" ]] ||
    die "node_modules/kafkajs is missing: run \`npm install\` (or \`npm ci\`) in $REPO_ROOT first"
}

kafka_answers() { # [timeout_ms] [--coordinators] -> quiet readiness probe; prints kafka-ready's line on success
  local timeout_ms="${1:-8000}"
  shift || true
  KAFKA_BROKERS="$BROKERS" KAFKA_CREDENTIALS_FILE="$CREDENTIALS_FILE" KAFKA_READY_TIMEOUT_MS="$timeout_ms" node "$READY_SCRIPT" "$@" 2>/dev/null
}

kafka_admin() { # scripts/kafka-admin.ts as admin of this stack's broker (passwords from the credentials file)
  (cd "$REPO_ROOT" && KAFKA_BROKERS="$BROKERS" KAFKA_CREDENTIALS_FILE="$CREDENTIALS_FILE" LOG_LEVEL=warn \
    node --import tsx "$ADMIN_SCRIPT" "$@")
}

# ---------------------------------------------------------------- credentials

new_password() { # 32 characters of base64url: nothing a properties file, JAAS or SCRAM would need quoted
  head -c 24 /dev/urandom | base64 | tr '+/' '-_'
}

# Adds a password for every principal the file lacks (all of them the first time). Mode 0600, never printed.
ensure_credentials() {
  local name added=""
  (
    umask 077
    [[ -f "$CREDENTIALS_FILE" ]] || printf '# Kafka SASL/SCRAM-SHA-512 passwords of the local stack (scripts/stack.sh), principal=password\n' >"$CREDENTIALS_FILE"
  )
  chmod 600 "$CREDENTIALS_FILE"
  for name in $PRINCIPALS; do
    if ! grep -q "^$name=" "$CREDENTIALS_FILE"; then
      printf '%s=%s\n' "$name" "$(new_password)" >>"$CREDENTIALS_FILE"
      added="$added $name"
    fi
  done
  [[ -z "$added" ]] || say "generated Kafka passwords for${added} in $CREDENTIALS_FILE (mode 0600)"
}

credential_of() { # principal -> its password, for the broker's own config only
  sed -n "s/^$1=//p" "$CREDENTIALS_FILE" | head -n 1
}

# The principals of the credentials file the broker does not know yet: created through the controller listener.
ensure_scram_users() {
  local name missing="" attempt
  for name in $PRINCIPALS; do
    grep -qx "$name" "$AUTH_MARKER" 2>/dev/null || missing="$missing $name"
  done
  [[ -n "$missing" ]] || return 0
  for attempt in $(seq 1 60); do
    if port_open "$KAFKA_CONTROLLER_PORT" && kafka_admin users "127.0.0.1:$KAFKA_CONTROLLER_PORT" $missing >/dev/null 2>"$DATA_DIR/scram.err"; then
      for name in $missing; do echo "$name" >>"$AUTH_MARKER"; done
      say "created SCRAM-SHA-512 users:$missing"
      return 0
    fi
    sleep 1
  done
  warn "could not create the SCRAM users through the controller on port $KAFKA_CONTROLLER_PORT:"
  cat "$DATA_DIR/scram.err" >&2
  exit 1
}

# The standard ACL set for the default prefix and FABRIC_TOPIC_PREFIX, once per data dir and prefix.
ensure_acls() {
  local prefix missing=""
  for prefix in planfabric ${FABRIC_TOPIC_PREFIX:-}; do
    grep -qxF "$prefix" "$ACL_MARKER" 2>/dev/null || missing="$missing $prefix"
  done
  [[ -n "$missing" ]] || return 0
  # shellcheck disable=SC2086 # a list of prefixes
  kafka_admin acl $missing || die "granting the ACLs for$missing failed"
  for prefix in $missing; do echo "$prefix" >>"$ACL_MARKER"; done
}

# ---------------------------------------------------------------- fetch

write_pom() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/stack.sh: the runtime classpath of a Kafka $KAFKA_VERSION broker. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.plan-fabric</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- core broker: kafka.Kafka and kafka.tools.StorageTool; pulls kafka-server, -raft, -metadata, -storage, coordinators -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_$SCALA_BINARY_VERSION</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-server</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- logging: slf4j 1.7 -> log4j2 -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

fetch_kafka() {
  local pom_text pom_sum
  pom_text="$(write_pom)"
  pom_sum="$(printf '%s' "$pom_text" | sha256sum | cut -d' ' -f1)"
  if [[ -f "$KAFKA_MARKER" && "$(cat "$KAFKA_MARKER")" == "$pom_sum" ]] && compgen -G "$KAFKA_LIBS/kafka_*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "no mvn found: it fetches Kafka's jars from Maven Central: apt-get install -y maven"

  say "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS (once) ..."
  mkdir -p "$KAFKA_DIST_DIR"
  printf '%s\n' "$pom_text" >"$KAFKA_DIST_DIR/pom.xml"
  rm -rf "$KAFKA_LIBS.tmp" "$KAFKA_MARKER"
  local started=$SECONDS
  # full plugin coordinates: with a bare "dependency:" prefix an unreachable repository
  # shows up as a puzzling "No plugin found for prefix" instead of the transfer error
  if ! mvn -q -B -f "$KAFKA_DIST_DIR/pom.xml" \
    "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN_VERSION:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g' >"$KAFKA_DIST_DIR/fetch.log"; then
    if grep -Eqi 'unknown ?host|could not transfer|connect(ion)? (refused|timed out)|connect to .* failed|network is unreachable|no route to host|temporary failure in name resolution' "$KAFKA_DIST_DIR/fetch.log"; then
      warn "Maven Central is unreachable (see $KAFKA_DIST_DIR/fetch.log); Kafka's jars cannot be fetched."
      warn "Check the network / Maven settings (~/.m2/settings.xml mirrors, proxies), then run this again."
    else
      warn "mvn failed to resolve Kafka $KAFKA_VERSION; last lines of $KAFKA_DIST_DIR/fetch.log:"
      tail -n 20 "$KAFKA_DIST_DIR/fetch.log" >&2
    fi
    exit 1
  fi
  rm -rf "$KAFKA_LIBS"
  mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
  echo "$pom_sum" >"$KAFKA_MARKER"
  say "fetched $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars in $((SECONDS - started)) s"
}

# ---------------------------------------------------------------- configure

write_config() {
  mkdir -p "$DATA_DIR" "$KAFKA_LOG_DIRS"
  # It holds the admin password (the broker's own SASL login): readable by this user only.
  rm -f "$SERVER_PROPS"
  (umask 077 && : >"$SERVER_PROPS")
  cat >>"$SERVER_PROPS" <<EOF
# Generated by scripts/stack.sh on every start; edit the script, not this file.
# Single-node KRaft: this one JVM is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_LOG_DIRS

# Clients authenticate with SCRAM-SHA-512 (users: $CREDENTIALS_FILE); the broker itself as admin.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(credential_of admin)";
# Whatever the ACLs (libs/kafka/src/acl.ts) do not allow is refused. ANONYMOUS is who connects over the
# PLAINTEXT controller listener on loopback (the broker registering itself, stack.sh creating users).
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:ANONYMOUS

# One broker: every internal topic must live with replication factor 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1

# Topics are created explicitly by the application.
auto.create.topics.enable=false
num.partitions=1
group.initial.rebalance.delay.ms=0
# transaction.max.timeout.ms / transactional.id.expiration.ms: Kafka defaults.
EOF

  cat >"$LOG4J_CONFIG" <<'EOF'
# Generated by scripts/stack.sh: everything to stdout, which stack.sh sends to kafka.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
EOF
}

kafka_java() { # run a Kafka main class with the cached classpath
  "$JAVA" -cp "$KAFKA_LIBS/*" \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$DATA_DIR" \
    "$@"
}

format_storage() {
  if [[ -f "$KAFKA_LOG_DIRS/meta.properties" && ! -f "$AUTH_MARKER" ]]; then
    # Formatted by a stack.sh from before authentication: no users, no ACLs, clients without credentials.
    local aside
    aside="$DATA_DIR/logs.pre-auth-$(date +%Y%m%d-%H%M%S)"
    mv "$KAFKA_LOG_DIRS" "$aside"
    rm -f "$ACL_MARKER"
    warn "this Kafka data dir was formatted before authentication (SASL/SCRAM + ACLs) was added;"
    warn "  its topics are moved aside to $aside and the broker starts empty with authentication on."
    warn "  (delete that directory when you no longer need it; \`stack.sh reset\` deletes everything)"
    mkdir -p "$KAFKA_LOG_DIRS"
  fi
  if [[ -f "$KAFKA_LOG_DIRS/meta.properties" ]]; then
    return 0
  fi
  # a new cluster knows no users and no ACLs yet
  rm -f "$AUTH_MARKER" "$ACL_MARKER"
  local cluster_id
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(cat "$CLUSTER_ID_FILE")"
  else
    cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    [[ -n "$cluster_id" ]] || die "kafka.tools.StorageTool random-uuid printed nothing (classpath $KAFKA_LIBS)"
    echo "$cluster_id" >"$CLUSTER_ID_FILE"
  fi
  say "formatting Kafka storage in $KAFKA_LOG_DIRS (cluster id $cluster_id) ..."
  if ! kafka_java kafka.tools.StorageTool format --ignore-formatted \
    -t "$cluster_id" -c "$SERVER_PROPS" >"$DATA_DIR/format.log" 2>&1; then
    warn "formatting storage failed; $DATA_DIR/format.log says:"
    tail -n 20 "$DATA_DIR/format.log" >&2
    exit 1
  fi
  : >"$AUTH_MARKER"
}

# ---------------------------------------------------------------- start / wait

start_broker() {
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  rm -f "$PID_FILE"
  # setsid: the broker lives on after this shell (and its process group) exits.
  # setsid may fork, so the inner shell writes its own pid ($$) and then execs java:
  # the pid file holds the JVM's pid either way. 9>&-: the broker must not keep the lock.
  # shellcheck disable=SC2016,SC2086 # $$ is for the inner shell; KAFKA_HEAP_OPTS is a list of flags
  setsid bash -c 'echo $$ >"$0" && exec "$@"' "$PID_FILE" \
    "$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$DATA_DIR" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$SERVER_PROPS" </dev/null >"$LOG_FILE" 2>&1 9>&- &
  local waited=0
  while [[ ! -s "$PID_FILE" ]] && ((waited < 50)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  [[ -s "$PID_FILE" ]] || die "Kafka did not start (no pid written); see $LOG_FILE"
  say "started Kafka $KAFKA_VERSION (pid $(cat "$PID_FILE")), log $LOG_FILE"
}

wait_until_serving() { # pid -> waits until a metadata request succeeds and the coordinators answer
  local pid="$1" started=$SECONDS last_note=$SECONDS line
  printf 'stack: waiting up to %ss for Kafka at %s to serve metadata ' "$KAFKA_START_TIMEOUT" "$BROKERS"
  while true; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo
      warn "Kafka (pid $pid) exited during startup; last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2
      [[ "$(cat "$PID_FILE" 2>/dev/null)" == "$pid" ]] && rm -f "$PID_FILE"
      exit 1
    fi
    # metadata first (fails fast), then warm the group + transaction coordinators
    # (see scripts/kafka-ready.cjs for why kafkajs needs that)
    if port_open "$KAFKA_PORT" && kafka_answers 5000 >/dev/null &&
      line="$(kafka_answers 20000 --coordinators)"; then
      echo
      say "Kafka ready at $BROKERS after $((SECONDS - started))s (${line#kafka-ready: })"
      return 0
    fi
    if ((SECONDS - started >= KAFKA_START_TIMEOUT)); then
      echo
      warn "Kafka did not serve within ${KAFKA_START_TIMEOUT}s; it is still running (pid $pid)."
      warn "Look at $LOG_FILE, then \`bash scripts/stack.sh down\` (or reset)."
      tail -n 20 "$LOG_FILE" >&2
      exit 1
    fi
    if ((SECONDS - last_note >= 3)); then
      printf '.'
      last_note=$SECONDS
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------- postgres

redacted_url() { # a connection string with its password (if any) shown as ***
  sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$1"
}

check_postgres() { # -> 0 if Postgres answers; prints a plain line either way
  local shown
  shown="$(redacted_url "$DATABASE_URL")"
  if ! command -v psql >/dev/null 2>&1; then
    warn "Postgres: psql is not installed, cannot check $shown: apt-get install -y postgresql-client"
    return 1
  fi
  if psql "$DATABASE_URL" -XAtqc 'select 1' >/dev/null 2>&1; then
    say "Postgres answers at $shown"
    return 0
  fi
  warn "Postgres does not answer at $shown"
  if [[ "$DATABASE_URL" =~ @(127\.0\.0\.1|localhost)(:|/) ]]; then
    if [[ -d /etc/postgresql ]]; then
      warn "  start the local cluster: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
    else
      warn "  no local PostgreSQL server is installed: apt-get install -y postgresql, then start it with"
      warn "  pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start"
    fi
  else
    warn "  check that the server in DATABASE_URL is up and reachable from here"
  fi
  return 1
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local pg_ok=0
  if ! is_local_brokers; then
    say "KAFKA_BROKERS=$BROKERS is not the local broker: starting nothing, only checking it"
    require_kafkajs
    local line
    if line="$(kafka_answers 10000)"; then
      say "Kafka answers at $BROKERS (${line#kafka-ready: })"
    else
      warn "Kafka does not answer at $BROKERS: $(KAFKA_BROKERS="$BROKERS" node "$READY_SCRIPT" 2>&1 | tail -n 1)"
      check_postgres || true
      exit 1
    fi
    check_postgres || exit 1
    return 0
  fi

  local pid
  if pid="$(running_pid)"; then
    if port_open "$KAFKA_PORT"; then
      if [[ ! -f "$AUTH_MARKER" ]]; then
        say "Kafka already running at $BROKERS (pid $pid), WITHOUT authentication (started by a stack.sh from before SASL/ACLs);"
        say "  \`bash scripts/stack.sh down && bash scripts/stack.sh up\` switches it over (its topics are moved aside)"
      else
        say "Kafka already running at $BROKERS (pid $pid)"
      fi
      check_postgres || exit 1
      return 0
    fi
    # our process is alive but not listening yet: probably still starting
    require_kafkajs
    [[ -f "$AUTH_MARKER" ]] && ensure_scram_users
    wait_until_serving "$pid"
    [[ -f "$AUTH_MARKER" ]] && ensure_acls
    check_postgres || exit 1
    return 0
  fi
  rm -f "$PID_FILE"

  local port owner
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$port"; then
      owner="$(port_owner "$port")"
      die "port $port on 127.0.0.1 is taken by something else${owner:+ ($owner)}, not by a broker stack.sh started." \
        "Stop it, or choose free ports with KAFKA_PORT / KAFKA_CONTROLLER_PORT (and point the app at KAFKA_BROKERS=127.0.0.1:<KAFKA_PORT>)."
    fi
  done

  require_kafkajs
  require_java
  fetch_kafka
  ensure_credentials
  write_config
  format_storage
  start_broker
  ensure_scram_users
  wait_until_serving "$(cat "$PID_FILE")"
  ensure_acls
  check_postgres || pg_ok=1
  return "$pg_ok"
}

cmd_down() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    if port_open "$KAFKA_PORT"; then
      say "no Kafka started by stack.sh is running; port $KAFKA_PORT is used by something else$(o="$(port_owner "$KAFKA_PORT")"; [[ -n "$o" ]] && echo " ($o)"), left alone"
    else
      say "no Kafka started by stack.sh is running"
    fi
    return 0
  fi
  say "stopping Kafka (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < 30)); do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "Kafka (pid $pid) still running after 30 s: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PID_FILE"
  say "stopped Kafka $KAFKA_VERSION (pid $pid) after ${waited}s; data kept in $DATA_DIR"
}

cmd_status() {
  local rc=0 pid line
  if is_local_brokers && pid="$(running_pid)"; then
    say "Kafka $KAFKA_VERSION started by stack.sh is running (pid $pid, data $DATA_DIR)"
  fi
  if [[ -f "$REPO_ROOT/node_modules/kafkajs/package.json" ]] && command -v node >/dev/null 2>&1; then
    if line="$(kafka_answers 8000)"; then
      say "Kafka answers at $BROKERS (${line#kafka-ready: })"
    else
      say "Kafka does not answer at $BROKERS"
      rc=1
    fi
  elif port_open "${BROKERS##*:}"; then
    say "Kafka port ${BROKERS##*:} is open (kafkajs not installed, so no metadata check: run npm install)"
  else
    say "Kafka does not answer at $BROKERS"
    rc=1
  fi
  check_postgres || rc=1
  return "$rc"
}

cmd_reset() {
  cmd_down
  case "$DATA_DIR" in
    "" | / | "$HOME" | "$PF_HOME") die "refusing to delete data dir '$DATA_DIR'" ;;
  esac
  if [[ -d "$DATA_DIR" ]]; then
    rm -rf "$DATA_DIR"
    say "deleted Kafka data dir $DATA_DIR (jar cache $KAFKA_DIST_DIR kept)"
  else
    say "no Kafka data dir at $DATA_DIR; nothing to delete"
  fi
}

cmd_acl() { # prefix…
  (($# > 0)) || die "usage: bash scripts/stack.sh acl <topic prefix>…"
  [[ -f "$CREDENTIALS_FILE" ]] || die "no $CREDENTIALS_FILE: \`bash scripts/stack.sh up\` creates it (and the broker's users)"
  require_kafkajs
  kafka_admin acl "$@"
  if is_local_brokers; then
    local prefix
    for prefix in "$@"; do grep -qxF "$prefix" "$ACL_MARKER" 2>/dev/null || echo "$prefix" >>"$ACL_MARKER"; done
  fi
}

cmd_rotate() { # [principal…]: new passwords, set on the running local broker; restart the services afterwards
  is_local_brokers || die "rotate changes the local broker's users; for KAFKA_BROKERS=$BROKERS use its own admin tools"
  local pid
  pid="$(running_pid)" || die "the local Kafka is not running: \`bash scripts/stack.sh up\` first"
  [[ -f "$AUTH_MARKER" ]] || die "the running Kafka has no authentication yet: \`bash scripts/stack.sh down && bash scripts/stack.sh up\`"
  local names="${*:-$PRINCIPALS}" name tmp
  for name in $names; do
    [[ " $PRINCIPALS " == *" $name "* ]] || die "unknown principal '$name' (one of: $PRINCIPALS)"
  done
  require_kafkajs
  tmp="$(mktemp "$PF_HOME/.kafka-credentials.XXXXXX")"
  chmod 600 "$tmp"
  while IFS= read -r line; do
    name="${line%%=*}"
    if [[ "$line" != \#* && " $names " == *" $name "* ]]; then
      printf '%s=%s\n' "$name" "$(new_password)"
    else
      printf '%s\n' "$line"
    fi
  done <"$CREDENTIALS_FILE" >"$tmp"
  # shellcheck disable=SC2086 # a list of names
  CREDENTIALS_FILE="$tmp" kafka_admin users "127.0.0.1:$KAFKA_CONTROLLER_PORT" $names >/dev/null || {
    rm -f "$tmp"
    die "the broker refused the new passwords; nothing changed"
  }
  mv -f "$tmp" "$CREDENTIALS_FILE"
  say "new passwords for $names are set on the broker and in $CREDENTIALS_FILE; restart the services that use them"
  if [[ " $names " == *" admin "* ]]; then
    # The broker logs in to itself as admin (transaction markers): restart it with the new password.
    say "admin changed: restarting the broker with its new login ..."
    cmd_down
    cmd_up
  fi
}

usage() {
  echo "usage: bash scripts/stack.sh up|down|status|reset|acl <prefix>…|rotate [principal…]|credentials" >&2
  exit 2
}

case "${1:-}" in
  up)
    take_lock
    cmd_up
    ;;
  down)
    take_lock
    cmd_down
    ;;
  status) cmd_status ;;
  reset)
    take_lock
    cmd_reset
    ;;
  acl)
    shift
    cmd_acl "$@"
    ;;
  credentials)
    take_lock
    ensure_credentials
    ;;
  rotate)
    shift
    take_lock
    cmd_rotate "$@"
    ;;
  *) usage ;;
esac
