#!/usr/bin/env bash
# scripts/brokers.sh — run real RabbitMQ, Kafka and RocketMQ on 127.0.0.1 without Docker.
#
#   scripts/brokers.sh up|down|status|restart|logs|install [rabbitmq|kafka|rocketmq|rocketmq-acl|all]   (default: all)
#
#   up       install what is missing, start the broker(s) with fresh data, return when each one
#            really works (Kafka: produce+consume, RocketMQ: send+pull, RabbitMQ: await_startup
#            + AMQP handshake). Quick when already up. Exits non-zero and prints the log tail on failure.
#   down     stop the broker(s) (data stays under .brokers/ until the next `up`).
#   restart  stop and start one broker KEEPING its data (for reliability tests; for RocketMQ the
#            broker process, and the name server only when it is down).
#   status   print each broker's state.
#   logs     tail the broker's logs.
#   install  only download/install what is missing (no start).
#   mqadmin ARGS...  RocketMQ's admin tool (e.g. mqadmin clusterList -n 127.0.0.1:9876).
#
# Three-node clusters for the failover tests (scripts/brokers/clusters.sh, docs/clusters.md):
#   up|down|status kafka-cluster|rabbitmq-cluster|rocketmq-cluster|clusters
#   kill|stop|restart|status|logs NODE   NODE: kafka-1..3, rabbitmq-1..3, rocketmq-ns, rocketmq-a, rocketmq-b
#            (kill = SIGKILL, stop = graceful; restart keeps the node's data). `all` does not include the clusters.
#   controller kafka-cluster        print the node that is the active KRaft controller
#   rabbitmq-queue QUEUE            print the nodes of a queue's leader and of its consumers
#
# Kafka also listens, for the adapter's TLS/SASL tests, on SASL_PLAINTEXT 9094, SSL 9095 (client
# certificate required) and SASL_SSL 9096, user unimq / unimq-secret, certificates from a CA the
# script makes in .brokers/kafka/tls/ (docs/brokers.md). PLAINTEXT 9092 is what the rest uses.
# RabbitMQ also listens on AMQPS 5671 (client certificate required), certificates from a CA the
# script makes in .brokers/rabbitmq/tls/ (docs/rabbitmq.md).
#
# RocketMQ also runs a second, secured cluster for the adapter's ACL tests (`rocketmq-acl`, part of
# `all`): its own name server on 9886 and a broker on 10931 with ACL 2.0 authentication on (RocketMQ
# 5.3.3 dropped ACL 1.0 / plain_acl.yml), one super user unimq / unimq-rocketmq-secret. Its own name
# server keeps it out of the routes (and the TBW102 template) the unsecured tests see on 9876.
#
# Pinned versions: RabbitMQ from Debian (3.10.x), Kafka 3.9.1 (KRaft, one node) and RocketMQ 5.3.3
# as jars from Maven Central (scripts/brokers/{kafka,rocketmq}/pom.xml). Everything downloaded or
# written (Maven repository, jars, configs, data, logs, pids) lives under .brokers/ at the repo root:
# `scripts/brokers.sh down && rm -rf .brokers` leaves the machine as it was (except the Debian
# packages rabbitmq-server/erlang, and maven/JDK if the script had to install them).
#
# Environment knobs (all optional):
#   UNIMQ_BROKERS_DIR      state folder (default: <repo>/.brokers)
#   UNIMQ_BROKERS_M2       Maven local repository (default: $UNIMQ_BROKERS_DIR/m2)
#   UNIMQ_BROKERS_TIMEOUT  seconds to wait for one broker to become ready (default: 600; a JVM broker on
#                          2 busy cores took over 180 s to start and answer its health check)
#   UNIMQ_CLUSTERS_DIR     state folder of the three-node clusters (default: $UNIMQ_BROKERS_DIR/clusters)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
B="${UNIMQ_BROKERS_DIR:-$ROOT/.brokers}"
M2="${UNIMQ_BROKERS_M2:-$B/m2}"
TIMEOUT="${UNIMQ_BROKERS_TIMEOUT:-600}"
export DEBIAN_FRONTEND=noninteractive

KAFKA_VERSION=3.9.1
ROCKETMQ_VERSION=5.3.3
RABBITMQ_SERIES=3.10

HOST=127.0.0.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
# Secured Kafka listeners (for the adapter's TLS/SASL tests; PLAINTEXT above is what the rest uses).
# A local test broker, so fixed, well-known credentials (internal/brokertest has the same defaults).
KAFKA_SASL_PORT=9094     # SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
KAFKA_SSL_PORT=9095      # SSL with client certificates required (mutual TLS)
KAFKA_SASL_SSL_PORT=9096 # SASL_SSL: TLS (server certificate only) + the same SASL mechanisms
KAFKA_SASL_USER=unimq
KAFKA_SASL_PASSWORD=unimq-secret
RABBIT_PORT=5672
RABBIT_TLS_PORT=5671 # AMQPS, verify_peer + fail_if_no_peer_cert (mutual TLS), for the adapter's TLS tests
RABBIT_DIST_PORT=25672
RABBIT_NODE=unimq@localhost
NAMESRV_PORT=9876
RMQ_BROKER_PORT=10911
# The secured RocketMQ cluster (ACL 2.0 authentication): its own name server and broker (the broker
# also listens on its port - 2 (VIP channel) and port + 1 (HA)). Fixed local test credentials;
# internal/brokertest has the same defaults.
RMQ_ACL_NAMESRV_PORT=9886
RMQ_ACL_BROKER_PORT=10931
RMQ_ACL_USER=unimq
RMQ_ACL_SECRET=unimq-rocketmq-secret


log() { printf '[brokers %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# small helpers

# port_open PORT: is something listening on 127.0.0.1:PORT?
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# wait_port_closed PORT SECONDS
wait_port_closed() {
  local end=$((SECONDS + $2))
  while port_open "$1"; do
    ((SECONDS < end)) || return 1
    sleep 0.5
  done
}

# marker_pids MARKER: pids of processes whose command line carries "unimq.broker=MARKER"
# (every JVM this script starts has -Dunimq.broker=NAME, the Erlang VM has -unimq_broker NAME).
# Only processes of this PID namespace count (a test run in its own namespace is left alone).
marker_pids() {
  local p myns
  myns=$(readlink /proc/$$/ns/pid)
  for p in $(pgrep -f -- "unimq[._]broker[= ]$1( |\$)"); do
    [[ "$(readlink "/proc/$p/ns/pid" 2>/dev/null)" == "$myns" ]] && echo "$p"
  done
  return 0
}

# alive PIDFILE...: one of the processes recorded by start_bg still runs. (Used while waiting for
# a start: right after the start its command line may briefly not show the marker, during exec.)
alive() {
  local f
  for f in "$@"; do
    [[ -f $f ]] && kill -0 "$(cat "$f" 2>/dev/null)" 2>/dev/null && return 0
  done
  return 1
}

# foreign_pids MARKER: unimq brokers started from another state folder (another checkout, e.g.
# CI's fresh clone while a developer's brokers run). `up` stops them and starts its own, since
# the ports are the machine's.
foreign_pids() {
  local p
  for p in $(marker_pids "$1"); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$B/" || echo "$p"
  done
}

# take_over NAME MARKER PORT...: stop the foreign unimq brokers of MARKER.
take_over() {
  local name=$1 marker=$2 f p; shift 2
  f=$(foreign_pids "$marker" | tr '\n' ' ')
  [[ -n ${f// /} ]] || return 0
  log "$name: a unimq broker of another folder runs (pid ${f% }): stopping it to run the one of $B"
  # shellcheck disable=SC2086
  stop_pids "$name" $f
  for p in "$@"; do wait_port_closed "$p" 15 || true; done
}

# stop_pids NAME PIDS...: TERM, wait up to 30 s, then KILL.
stop_pids() {
  local name=$1; shift
  [[ $# -gt 0 ]] || return 0
  log "stopping $name (pid $*)"
  kill -TERM "$@" 2>/dev/null || true
  local end=$((SECONDS + 30)) p alive
  while :; do
    alive=()
    for p in "$@"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
    [[ ${#alive[@]} -eq 0 ]] && return 0
    if ((SECONDS >= end)); then
      log "$name did not stop in 30 s, killing ${alive[*]}"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      return 0
    fi
    sleep 0.3
  done
}

# start_bg PIDFILE LOGFILE CMD...: start CMD detached (own session, no stdin) so that it
# survives this script; record its pid.
start_bg() {
  local pidfile=$1 logfile=$2; shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  printf '\n===== %s start: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$logfile"
  # 9>&-: the broker must not inherit the lock held by `locked` (it would keep it forever)
  setsid nohup "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  echo $! >"$pidfile"
}

tail_log() {
  local f
  for f in "$@"; do
    [[ -f $f ]] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 60 "$f" >&2
  done
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  if [[ $APT_UPDATED == 0 ]]; then
    log "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  apt-get install -y -qq --no-install-recommends "$@" >&2 || die "apt-get install $* failed"
}

need_java() {
  [[ ${JAVA_OK:-} == 1 ]] && return 0
  # a JDK: the health checks are single-file Java source programs (need the jdk.compiler module)
  if ! command -v java >/dev/null || ! java --list-modules 2>/dev/null | grep -q '^jdk.compiler'; then
    apt_install openjdk-17-jdk-headless
  fi
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  [[ ${v:-0} -ge 11 ]] || die "Java 11+ needed (found: $(java -version 2>&1 | head -1))"
  export JAVA_OK=1 # checked once per run (a JVM start costs seconds on a loaded machine)
}

need_mvn() {
  need_java
  if ! command -v mvn >/dev/null; then apt_install maven; fi
}

# install_jars NAME: copy the pinned jars of scripts/brokers/NAME/pom.xml into $B/NAME/lib
# (skipped when the lib folder was made from the same pom).
install_jars() {
  local name=$1 pom="$ROOT/scripts/brokers/$1/pom.xml" lib="$B/$1/lib" sum
  sum=$(sha256sum "$pom" | cut -d' ' -f1)
  if [[ -f $lib/.pom.sha256 && "$(cat "$lib/.pom.sha256")" == "$sum" ]]; then return 0; fi
  need_mvn
  log "downloading $name jars from Maven Central into $lib"
  rm -rf "$lib"
  mkdir -p "$lib" "$M2"
  if ! mvn -B -q -Dstyle.color=never -f "$pom" -Dmaven.repo.local="$M2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >"$B/$name-mvn.log" 2>&1; then
    tail_log "$B/$name-mvn.log"
    rm -rf "$lib"
    die "mvn could not fetch the $name jars"
  fi
  echo "$sum" >"$lib/.pom.sha256"
}

# ---------------------------------------------------------------------------------------------
# Kafka 3.9.1, KRaft, one node with broker+controller roles

KD="$B/kafka"
kafka_java() { # kafka_java HEAP CLASS ARGS... (foreground, for the tools)
  local heap=$1; shift
  java "-Xmx$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KD/conf/tools-log4j.properties" \
    -cp "$KD/lib/*" "$@"
}

KTLS="$KD/tls"

# kafka_tls: a throw-away CA, a server certificate (127.0.0.1 and localhost) and a client
# certificate under $KTLS, made once with openssl (kept across `up`, like the jars):
#   ca.pem                      the CA certificate (clients' tls_ca, the broker's truststore)
#   server.pem                  server key + certificate chain (the broker's PEM keystore)
#   client-cert.pem client-key.pem   client certificate and key (tls_cert/tls_key, mutual TLS)
#   client.pem                  client key + certificate chain (Java clients' PEM keystore)
kafka_tls() {
  [[ -f $KTLS/ca.pem && -f $KTLS/server.pem && -f $KTLS/client.pem ]] && return 0
  command -v openssl >/dev/null || apt_install openssl
  log "kafka: generating a test CA and certificates in $KTLS"
  mkdir -p "$KD"
  local d; d=$(mktemp -d "$KD/tls.tmp.XXXXXX")
  if ! (
    # (set -e does not apply inside an `if` condition: every step checks itself)
    cd "$d" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 3650 \
      -subj "/CN=unimq test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" || exit 1
    printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$HOST" >server.ext
    printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >client.ext
    for who in server client; do
      openssl req -newkey rsa:2048 -nodes -keyout "$who-key.pem" -out "$who.csr" -subj "/CN=unimq-kafka-$who" || exit 1
      openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 8)" \
        -days 3650 -extfile "$who.ext" -out "$who-cert.pem" || exit 1
      cat "$who-key.pem" "$who-cert.pem" ca.pem >"$who.pem" || exit 1
    done
    openssl verify -CAfile ca.pem server-cert.pem client-cert.pem || exit 1
    rm -f ./*.csr ./*.ext
  ) >"$d/openssl.log" 2>&1; then
    tail_log "$d/openssl.log"
    rm -rf "$d"
    die "kafka: could not generate the test certificates"
  fi
  chmod 600 "$d"/*key.pem "$d/server.pem" "$d/client.pem"
  rm -rf "$KTLS"
  mv "$d" "$KTLS"
}

kafka_write_conf() {
  mkdir -p "$KD/conf" "$KD/logs"
  local jaas_scram='org.apache.kafka.common.security.scram.ScramLoginModule required;'
  local jaas_plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USER=\"$KAFKA_SASL_PASSWORD\";"
  cat >"$KD/conf/server.properties" <<EOF
# written by scripts/brokers.sh — edits are overwritten
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT,SASL_PLAINTEXT://$HOST:$KAFKA_SASL_PORT,SSL://$HOST:$KAFKA_SSL_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT,SASL_PLAINTEXT://$HOST:$KAFKA_SASL_PORT,SSL://$HOST:$KAFKA_SSL_PORT,SASL_SSL://$HOST:$KAFKA_SASL_SSL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
# secured listeners (tests only): SASL users $KAFKA_SASL_USER (PLAIN: here; SCRAM: created by the
# health check, kafka_health), TLS from $KTLS; no authorizer, so every user may do everything
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=$jaas_plain
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=$jaas_scram
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$jaas_scram
listener.name.sasl_ssl.plain.sasl.jaas.config=$jaas_plain
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$jaas_scram
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$jaas_scram
ssl.keystore.type=PEM
ssl.keystore.location=$KTLS/server.pem
ssl.truststore.type=PEM
ssl.truststore.location=$KTLS/ca.pem
listener.name.ssl.ssl.client.auth=required
log.dirs=$KD/data
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
num.network.threads=2
num.io.threads=4
log.segment.bytes=67108864
log.retention.hours=2
log.retention.check.interval.ms=300000
EOF
  cat >"$KD/conf/log4j.properties" <<EOF
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.controller=INFO
log4j.logger.org.apache.kafka.controller=INFO
EOF
  cat >"$KD/conf/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.logger.org.apache.kafka.clients.NetworkClient=ERROR
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
  # Java client settings for each secured listener (the health check uses them; so can
  # kafka-console-producer --producer.config): SASL PLAIN/SCRAM on SASL_PLAINTEXT, mutual TLS on
  # SSL, SCRAM-SHA-512 over TLS on SASL_SSL.
  local m f
  for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
    f="$KD/conf/client-sasl-$(tr 'A-Z' 'a-z' <<<"$m").properties"
    kafka_client_sasl "$m" >"$f"
    printf 'bootstrap.servers=%s\nsecurity.protocol=SASL_PLAINTEXT\n' "$HOST:$KAFKA_SASL_PORT" >>"$f"
  done
  cat >"$KD/conf/client-ssl.properties" <<EOF
bootstrap.servers=$HOST:$KAFKA_SSL_PORT
security.protocol=SSL
ssl.truststore.type=PEM
ssl.truststore.location=$KTLS/ca.pem
ssl.keystore.type=PEM
ssl.keystore.location=$KTLS/client.pem
EOF
  f="$KD/conf/client-sasl-ssl.properties"
  kafka_client_sasl SCRAM-SHA-512 >"$f"
  cat >>"$f" <<EOF
bootstrap.servers=$HOST:$KAFKA_SASL_SSL_PORT
security.protocol=SASL_SSL
ssl.truststore.type=PEM
ssl.truststore.location=$KTLS/ca.pem
EOF
}

kafka_client_sasl() { # kafka_client_sasl MECHANISM: the sasl.* lines of a Java client
  local module=org.apache.kafka.common.security.scram.ScramLoginModule
  [[ $1 == PLAIN ]] && module=org.apache.kafka.common.security.plain.PlainLoginModule
  printf 'sasl.mechanism=%s\nsasl.jaas.config=%s required username="%s" password="%s";\n' \
    "$1" "$module" "$KAFKA_SASL_USER" "$KAFKA_SASL_PASSWORD"
}

kafka_pids() { marker_pids kafka; }

# kafka_conf_sum: fingerprint of the broker's configuration and certificate.
kafka_conf_sum() { cat "$KD/conf/server.properties" "$KTLS/server.pem" | sha256sum | cut -d' ' -f1; }

kafka_ports() { echo $KAFKA_PORT $KAFKA_CONTROLLER_PORT $KAFKA_SASL_PORT $KAFKA_SSL_PORT $KAFKA_SASL_SSL_PORT; }

# kafka_health quick|roundtrip SECONDS [plain]: scripts/brokers/kafka/KafkaHealth.java, one JVM:
# quick = an admin call (describeCluster); roundtrip = produce one record to a new auto-created
# topic and consume it back with a consumer group. Then, unless "plain" (a broker this script
# does not run), it creates the SCRAM credentials of the test user where missing (idempotent:
# a data folder formatted before they existed gets them too) and makes an admin call through
# every secured listener (client-*.properties), retrying until SCRAM users reach the broker.
kafka_health() {
  local secure=()
  if [[ ${3:-} != plain ]]; then
    secure=(--scram "$KAFKA_SASL_USER" "$KAFKA_SASL_PASSWORD")
    local f
    for f in sasl-plain sasl-scram-sha-256 sasl-scram-sha-512 ssl sasl-ssl; do
      secure+=(--check "$KD/conf/client-$f.properties")
    done
  fi
  kafka_java 128m "$ROOT/scripts/brokers/kafka/KafkaHealth.java" "$1" "$HOST:$KAFKA_PORT" "$2" "${secure[@]}" \
    >"$KD/logs/health.log" 2>&1
}

kafka_start() { # kafka_start fresh|keep
  install_jars kafka
  need_java
  kafka_tls
  kafka_write_conf
  if [[ $1 == fresh ]]; then rm -rf "$KD/data"; fi
  if [[ ! -f $KD/data/meta.properties ]]; then
    local cid
    # A base64url id that starts with '-' is read by StorageTool as an option (1 fresh start in 64).
    cid=-
    while [[ $cid == -* ]]; do cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
    log "kafka: formatting storage (cluster id $cid)"
    kafka_java 256m kafka.tools.StorageTool format -t "$cid" -c "$KD/conf/server.properties" \
      >>"$KD/logs/kafka.log" 2>&1 || { tail_log "$KD/logs/kafka.log"; die "kafka storage format failed"; }
  fi
  local p
  for p in $(kafka_ports); do
    port_open "$p" && die "port $p is taken by another program (not a unimq broker); stop it first"
  done
  log "kafka $KAFKA_VERSION: starting on $HOST:$KAFKA_PORT (secured listeners: SASL $KAFKA_SASL_PORT, TLS $KAFKA_SSL_PORT, SASL+TLS $KAFKA_SASL_SSL_PORT)"
  # what it runs with: `up` restarts a running broker whose configuration changed since
  kafka_conf_sum >"$KD/conf/.started.sha256"
  start_bg "$KD/kafka.pid" "$KD/logs/kafka.log" \
    java -Dunimq.broker=kafka -Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:MaxDirectMemorySize=256m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KD/conf/log4j.properties" -Dkafka.logs.dir="$KD/logs" \
    -cp "$KD/lib/*" kafka.Kafka "$KD/conf/server.properties"
}

kafka_wait_ready() {
  local end=$((SECONDS + TIMEOUT))
  until port_open $KAFKA_PORT; do
    if ! alive "$KD/kafka.pid" && [[ -z "$(kafka_pids)" ]]; then tail_log "$KD/logs/kafka.log"; die "kafka exited during start-up"; fi
    ((SECONDS < end)) || { tail_log "$KD/logs/kafka.log"; die "kafka not listening after ${TIMEOUT}s"; }
    sleep 0.5
  done
  if ! kafka_health roundtrip $((end - SECONDS > 10 ? end - SECONDS : 10)); then
    tail_log "$KD/logs/kafka.log" "$KD/logs/health.log"
    die "kafka health check failed (produce/consume round trip, SCRAM users or a SASL/TLS listener; see $KD/logs/health.log)"
  fi
  log "kafka ready on $HOST:$KAFKA_PORT (produce/consume round trip ok; SASL/TLS listeners ok)"
}

kafka_up() {
  # shellcheck disable=SC2046
  take_over kafka kafka $(kafka_ports)
  if [[ -n "$(kafka_pids)" ]] || port_open $KAFKA_PORT; then
    [[ -f $KD/lib/.pom.sha256 ]] || install_jars kafka # (a pom change applies at the next start)
    if [[ -z "$(kafka_pids)" ]]; then
      # not ours (e.g. docker-compose.yml): use it if it works; it has no secured listeners
      if kafka_health quick 10 plain; then log "kafka: using the Kafka already answering on $HOST:$KAFKA_PORT (not managed by this script; no SASL/TLS listeners)"; return 0; fi
    else
      kafka_tls
      kafka_write_conf
      if [[ "$(cat "$KD/conf/.started.sha256" 2>/dev/null)" != "$(kafka_conf_sum)" ]]; then
        log "kafka: runs with an older configuration (before this version of brokers.sh): restarting it, keeping its data"
        kafka_down
        kafka_start keep
        kafka_wait_ready
        return 0
      fi
      if kafka_health quick 10; then log "kafka already up on $HOST:$KAFKA_PORT"; return 0; fi
      kafka_wait_ready
      return 0
    fi
  fi
  kafka_start fresh
  kafka_wait_ready
}

kafka_down() {
  stop_pids kafka $(kafka_pids)
  wait_port_closed $KAFKA_PORT 10 || log "warning: port $KAFKA_PORT still open"
  rm -f "$KD/kafka.pid"
}

kafka_restart() {
  kafka_down
  kafka_start keep
  kafka_wait_ready
}

kafka_status() {
  local p; p=$(kafka_pids | tr '\n' ' ')
  if [[ -n $p ]]; then
    if port_open $KAFKA_PORT; then echo "kafka     up        pid ${p% }  $HOST:$KAFKA_PORT  (Kafka $KAFKA_VERSION KRaft; SASL $KAFKA_SASL_PORT, TLS $KAFKA_SSL_PORT, SASL+TLS $KAFKA_SASL_SSL_PORT)"
    else echo "kafka     starting  pid ${p% }"; fi
  elif port_open $KAFKA_PORT; then echo "kafka     external  something else listens on $HOST:$KAFKA_PORT"
  else echo "kafka     down"; fi
}

kafka_install() { install_jars kafka; need_java; }

kafka_logs() { tail -n "${LINES_:-100}" "$KD/logs/kafka.log"; }

# ---------------------------------------------------------------------------------------------
# RocketMQ 5.3.3: name server + one broker (remoting protocol; no proxy)

RD="$B/rocketmq"
RMQ_SERVER_OPTS=(-XX:+UseG1GC -XX:G1HeapRegionSize=4m -XX:SoftRefLRUPolicyMSPerMB=0 -XX:+ExitOnOutOfMemoryError)
RMQ_JAVA_OPTS=(
  -XX:-OmitStackTraceInFastThrow -Djava.awt.headless=true
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true
)

rmq_env() { # environment for every RocketMQ JVM: its home and where its logback files write
  export ROCKETMQ_HOME="$RD"
}

mqadmin() { # mqadmin SUBCOMMAND ARGS... (foreground)
  rmq_env
  java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${RMQ_JAVA_OPTS[@]}" \
    -Duser.home="$RD/home" -Drocketmq.home.dir="$RD" -Drocketmq.client.logUseSlf4j=false \
    -Drocketmq.client.logLevel=WARN -Drocketmq.client.logRoot="$RD/home/logs/rocketmqlogs" \
    -cp "$RD/lib/*" org.apache.rocketmq.tools.command.MQAdminStartup "$@"
}

rmq_write_conf() {
  mkdir -p "$RD/conf" "$RD/logs" "$RD/home"
  cat >"$RD/conf/namesrv.conf" <<EOF
# written by scripts/brokers.sh — edits are overwritten
listenPort=$NAMESRV_PORT
bindAddress=$HOST
# the name server's own client would otherwise probe <first non-loopback IP>:$NAMESRV_PORT every
# few seconds (and fail, since we listen on $HOST only)
scanAvailableNameSrv=false
EOF
  cat >"$RD/conf/broker.conf" <<EOF
# written by scripts/brokers.sh — edits are overwritten
brokerClusterName=DefaultCluster
brokerName=broker-a
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
namesrvAddr=$HOST:$NAMESRV_PORT
brokerIP1=$HOST
listenPort=$RMQ_BROKER_PORT
bindAddress=$HOST
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
defaultTopicQueueNums=4
enablePropertyFilter=true
# store: small files instead of the 1 GiB commit log / 100 MiB timer log / 400 MiB index defaults
storePathRootDir=$RD/store
storePathCommitLog=$RD/store/commitlog
mappedFileSizeCommitLog=67108864
mappedFileSizeConsumeQueue=600000
mappedFileSizeTimerLog=16777216
maxHashSlotNum=100000
maxIndexNum=400000
# keep 2 h of messages, clean up every hour (a test broker: the data only grows otherwise)
deleteWhen=00;01;02;03;04;05;06;07;08;09;10;11;12;13;14;15;16;17;18;19;20;21;22;23
fileReservedTime=2
diskMaxUsedSpaceRatio=95
# timer (delay at any time) messages: on by default in 5.x, kept on; delay levels stay default
timerWheelEnable=true
# transactions: check back half messages whose outcome is unknown after 3 s, every 3 s (defaults
# 6 s / 30 s), so that the tests of the broker's check-back finish quickly
transactionTimeOut=3000
transactionCheckInterval=3000
# slow CI machines: be patient before answering "system busy"
waitTimeMillsInSendQueue=3000
osPageCacheBusyTimeOutMills=5000
EOF
}

namesrv_pids() { marker_pids rocketmq-namesrv; }
rmqbroker_pids() { marker_pids rocketmq-broker; }
rmq_pids() { { namesrv_pids; rmqbroker_pids; } | tr '\n' ' '; }

# rmq_health quick|roundtrip SECONDS: scripts/brokers/rocketmq/RocketMQHealth.java, one JVM:
# quick = the broker is registered at the name server with our address; roundtrip = create a
# new topic, send one message and pull it back.
rmq_health() {
  rmq_env
  java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${RMQ_JAVA_OPTS[@]}" \
    -Duser.home="$RD/home" -Drocketmq.home.dir="$RD" -Drocketmq.client.logUseSlf4j=false \
    -cp "$RD/lib/*" "$ROOT/scripts/brokers/rocketmq/RocketMQHealth.java" \
    "$1" "$HOST:$NAMESRV_PORT" "$HOST:$RMQ_BROKER_PORT" "$2" >"$RD/logs/health.log" 2>&1
}

rmq_start_namesrv() {
  port_open $NAMESRV_PORT && die "port $NAMESRV_PORT is taken by another program (not a unimq broker); stop it first"
  rmq_env
  log "rocketmq $ROCKETMQ_VERSION: starting name server on $HOST:$NAMESRV_PORT"
  start_bg "$RD/namesrv.pid" "$RD/logs/namesrv.out" \
    java -Dunimq.broker=rocketmq-namesrv -Xms128m -Xmx256m "${RMQ_SERVER_OPTS[@]}" "${RMQ_JAVA_OPTS[@]}" \
    -Duser.home="$RD/home" -Drocketmq.home.dir="$RD" \
    -cp "$RD/lib/*" org.apache.rocketmq.namesrv.NamesrvStartup -c "$RD/conf/namesrv.conf"
}

rmq_start_broker() {
  port_open $RMQ_BROKER_PORT && die "port $RMQ_BROKER_PORT is taken by another program (not a unimq broker); stop it first"
  rmq_env
  log "rocketmq $ROCKETMQ_VERSION: starting broker on $HOST:$RMQ_BROKER_PORT"
  start_bg "$RD/broker.pid" "$RD/logs/broker.out" \
    java -Dunimq.broker=rocketmq-broker -Xms256m -Xmx512m -XX:MaxDirectMemorySize=256m \
    "${RMQ_SERVER_OPTS[@]}" "${RMQ_JAVA_OPTS[@]}" -Duser.home="$RD/home" -Drocketmq.home.dir="$RD" \
    -cp "$RD/lib/*" org.apache.rocketmq.broker.BrokerStartup -c "$RD/conf/broker.conf"
}

rmq_logfiles() {
  echo "$RD/logs/namesrv.out" "$RD/logs/broker.out" \
    "$RD/home/logs/rocketmqlogs/namesrv.log" "$RD/home/logs/rocketmqlogs/broker.log"
}

rmq_start() { # rmq_start fresh|keep
  install_jars rocketmq
  need_java
  rmq_write_conf
  if [[ $1 == fresh ]]; then rm -rf "$RD/store" "$RD/home"; mkdir -p "$RD/home"; fi
  [[ -n "$(namesrv_pids)" ]] || rmq_start_namesrv
  local end=$((SECONDS + TIMEOUT))
  until port_open $NAMESRV_PORT; do
    alive "$RD/namesrv.pid" || [[ -n "$(namesrv_pids)" ]] || { tail_log $(rmq_logfiles); die "rocketmq name server exited during start-up"; }
    ((SECONDS < end)) || { tail_log $(rmq_logfiles); die "rocketmq name server not listening after ${TIMEOUT}s"; }
    sleep 0.5
  done
  [[ -n "$(rmqbroker_pids)" ]] || rmq_start_broker
}

rmq_wait_ready() {
  local end=$((SECONDS + TIMEOUT))
  until port_open $RMQ_BROKER_PORT; do
    if { ! alive "$RD/broker.pid" && [[ -z "$(rmqbroker_pids)" ]]; } ||
      { ! alive "$RD/namesrv.pid" && [[ -z "$(namesrv_pids)" ]]; }; then
      tail_log $(rmq_logfiles); die "rocketmq exited during start-up"
    fi
    ((SECONDS < end)) || { tail_log $(rmq_logfiles); die "rocketmq broker not listening after ${TIMEOUT}s"; }
    sleep 0.5
  done
  if ! rmq_health roundtrip $((end - SECONDS > 10 ? end - SECONDS : 10)); then
    tail_log $(rmq_logfiles)
    grep HEALTH "$RD/logs/health.log" >&2 || tail_log "$RD/logs/health.log"
    die "rocketmq send/pull round trip failed"
  fi
  log "rocketmq ready: name server $HOST:$NAMESRV_PORT, broker $HOST:$RMQ_BROKER_PORT (send/pull round trip ok)"
}

rocketmq_up() {
  take_over rocketmq-broker rocketmq-broker $RMQ_BROKER_PORT
  take_over rocketmq-namesrv rocketmq-namesrv $NAMESRV_PORT
  if [[ -n "$(rmq_pids | tr -d ' ')" ]] || port_open $NAMESRV_PORT || port_open $RMQ_BROKER_PORT; then
    [[ -f $RD/lib/.pom.sha256 ]] || install_jars rocketmq # (a pom change applies at the next start)
    rmq_write_conf
    if rmq_health quick 10; then log "rocketmq already up on $HOST:$NAMESRV_PORT / $HOST:$RMQ_BROKER_PORT"; return 0; fi
    if [[ -n "$(namesrv_pids)" && -n "$(rmqbroker_pids)" ]]; then rmq_wait_ready; return 0; fi
    # half up (e.g. only the name server): start over
    rocketmq_down
  fi
  rmq_start fresh
  rmq_wait_ready
}

rocketmq_down() {
  stop_pids rocketmq-broker $(rmqbroker_pids)
  stop_pids rocketmq-namesrv $(namesrv_pids)
  wait_port_closed $RMQ_BROKER_PORT 10 || log "warning: port $RMQ_BROKER_PORT still open"
  wait_port_closed $NAMESRV_PORT 10 || log "warning: port $NAMESRV_PORT still open"
  rm -f "$RD/namesrv.pid" "$RD/broker.pid"
}

# restart rocketmq: the broker (the one with data) is restarted; the name server too only when it
# is not up.
rocketmq_restart() {
  if [[ -n "$(namesrv_pids)" ]] && port_open $NAMESRV_PORT; then
    stop_pids rocketmq-broker $(rmqbroker_pids)
    wait_port_closed $RMQ_BROKER_PORT 10 || log "warning: port $RMQ_BROKER_PORT still open"
    rm -f "$RD/broker.pid"
  else
    rocketmq_down
  fi
  rmq_start keep
  rmq_wait_ready
}

rocketmq_status() {
  local n b; n=$(namesrv_pids | tr '\n' ' '); b=$(rmqbroker_pids | tr '\n' ' ')
  if [[ -n $n ]]; then echo "rocketmq  namesrv   pid ${n% }  $HOST:$NAMESRV_PORT $(port_open $NAMESRV_PORT && echo listening || echo 'not listening')"
  elif port_open $NAMESRV_PORT; then echo "rocketmq  namesrv   external: something else listens on $HOST:$NAMESRV_PORT"
  else echo "rocketmq  namesrv   down"; fi
  if [[ -n $b ]]; then echo "rocketmq  broker    pid ${b% }  $HOST:$RMQ_BROKER_PORT $(port_open $RMQ_BROKER_PORT && echo listening || echo 'not listening')  (RocketMQ $ROCKETMQ_VERSION)"
  elif port_open $RMQ_BROKER_PORT; then echo "rocketmq  broker    external: something else listens on $HOST:$RMQ_BROKER_PORT"
  else echo "rocketmq  broker    down"; fi
}

rocketmq_install() { install_jars rocketmq; need_java; }

rocketmq_logs() { local f; for f in $(rmq_logfiles); do [[ -f $f ]] && { echo "==> $f <=="; tail -n "${LINES_:-100}" "$f"; }; done; return 0; }

# ---------------------------------------------------------------------------------------------
# The secured RocketMQ cluster: name server + one broker with ACL 2.0 authentication (the remoting
# protocol's AccessKey/Signature request fields, which rocketmq-client-go v2.1.2 sends, are checked
# against the broker's users). Jars shared with the plain cluster ($RD/lib); state under $RAD.

RAD="$B/rocketmq-acl"

rmq_acl_write_conf() {
  mkdir -p "$RAD/conf" "$RAD/logs" "$RAD/home"
  cat >"$RAD/conf/namesrv.conf" <<EOF
# written by scripts/brokers.sh — edits are overwritten
listenPort=$RMQ_ACL_NAMESRV_PORT
bindAddress=$HOST
scanAvailableNameSrv=false
EOF
  cat >"$RAD/conf/broker.conf" <<EOF
# written by scripts/brokers.sh — edits are overwritten
brokerClusterName=AclCluster
brokerName=broker-acl
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
namesrvAddr=$HOST:$RMQ_ACL_NAMESRV_PORT
brokerIP1=$HOST
listenPort=$RMQ_ACL_BROKER_PORT
bindAddress=$HOST
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
defaultTopicQueueNums=4
storePathRootDir=$RAD/store
storePathCommitLog=$RAD/store/commitlog
mappedFileSizeCommitLog=16777216
mappedFileSizeConsumeQueue=600000
mappedFileSizeTimerLog=16777216
maxHashSlotNum=10000
maxIndexNum=40000
deleteWhen=00;01;02;03;04;05;06;07;08;09;10;11;12;13;14;15;16;17;18;19;20;21;22;23
fileReservedTime=2
diskMaxUsedSpaceRatio=95
waitTimeMillsInSendQueue=3000
osPageCacheBusyTimeOutMills=5000
# ACL 2.0: every request must be signed by a known user (test credentials, local broker only)
authenticationEnabled=true
authenticationProvider=org.apache.rocketmq.auth.authentication.provider.DefaultAuthenticationProvider
authenticationMetadataProvider=org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider
authConfigPath=$RAD/store/auth
initAuthenticationUser={"username":"$RMQ_ACL_USER","password":"$RMQ_ACL_SECRET"}
innerClientAuthenticationCredentials={"accessKey":"$RMQ_ACL_USER","secretKey":"$RMQ_ACL_SECRET"}
EOF
}

rmq_acl_namesrv_pids() { marker_pids rocketmq-acl-namesrv; }
rmq_acl_broker_pids() { marker_pids rocketmq-acl-broker; }
rmq_acl_logfiles() {
  echo "$RAD/logs/namesrv.out" "$RAD/logs/broker.out" \
    "$RAD/home/logs/rocketmqlogs/namesrv.log" "$RAD/home/logs/rocketmqlogs/broker.log"
}

# rmq_acl_start fresh|keep
rmq_acl_start() {
  install_jars rocketmq
  need_java
  rmq_acl_write_conf
  if [[ $1 == fresh ]]; then rm -rf "$RAD/store" "$RAD/home"; mkdir -p "$RAD/home"; fi
  export ROCKETMQ_HOME="$RAD"
  if [[ -z "$(rmq_acl_namesrv_pids)" ]]; then
    port_open $RMQ_ACL_NAMESRV_PORT && die "port $RMQ_ACL_NAMESRV_PORT is taken by another program; stop it first"
    log "rocketmq-acl: starting name server on $HOST:$RMQ_ACL_NAMESRV_PORT"
    start_bg "$RAD/namesrv.pid" "$RAD/logs/namesrv.out" \
      java -Dunimq.broker=rocketmq-acl-namesrv -Xms64m -Xmx128m "${RMQ_SERVER_OPTS[@]}" "${RMQ_JAVA_OPTS[@]}" \
      -Duser.home="$RAD/home" -Drocketmq.home.dir="$RAD" \
      -cp "$RD/lib/*" org.apache.rocketmq.namesrv.NamesrvStartup -c "$RAD/conf/namesrv.conf"
  fi
  local end=$((SECONDS + TIMEOUT))
  until port_open $RMQ_ACL_NAMESRV_PORT; do
    alive "$RAD/namesrv.pid" || [[ -n "$(rmq_acl_namesrv_pids)" ]] || { tail_log $(rmq_acl_logfiles); die "rocketmq-acl name server exited during start-up"; }
    ((SECONDS < end)) || { tail_log $(rmq_acl_logfiles); die "rocketmq-acl name server not listening after ${TIMEOUT}s"; }
    sleep 0.5
  done
  if [[ -z "$(rmq_acl_broker_pids)" ]]; then
    port_open $RMQ_ACL_BROKER_PORT && die "port $RMQ_ACL_BROKER_PORT is taken by another program; stop it first"
    log "rocketmq-acl: starting broker (ACL 2.0 authentication) on $HOST:$RMQ_ACL_BROKER_PORT"
    start_bg "$RAD/broker.pid" "$RAD/logs/broker.out" \
      java -Dunimq.broker=rocketmq-acl-broker -Xms128m -Xmx256m -XX:MaxDirectMemorySize=128m \
      "${RMQ_SERVER_OPTS[@]}" "${RMQ_JAVA_OPTS[@]}" -Duser.home="$RAD/home" -Drocketmq.home.dir="$RAD" \
      -cp "$RD/lib/*" org.apache.rocketmq.broker.BrokerStartup -c "$RAD/conf/broker.conf"
  fi
}

# rmq_acl_health SECONDS: the broker is registered at its name server (the name server is not
# secured; the authenticated round trip is what the adapter's tests check).
rmq_acl_health() {
  ROCKETMQ_HOME="$RAD" java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${RMQ_JAVA_OPTS[@]}" \
    -Duser.home="$RAD/home" -Drocketmq.home.dir="$RAD" -Drocketmq.client.logUseSlf4j=false \
    -cp "$RD/lib/*" "$ROOT/scripts/brokers/rocketmq/RocketMQHealth.java" \
    quick "$HOST:$RMQ_ACL_NAMESRV_PORT" "$HOST:$RMQ_ACL_BROKER_PORT" "$1" >"$RAD/logs/health.log" 2>&1
}

rmq_acl_wait_ready() {
  local end=$((SECONDS + TIMEOUT))
  until port_open $RMQ_ACL_BROKER_PORT; do
    if { ! alive "$RAD/broker.pid" && [[ -z "$(rmq_acl_broker_pids)" ]]; } ||
      { ! alive "$RAD/namesrv.pid" && [[ -z "$(rmq_acl_namesrv_pids)" ]]; }; then
      tail_log $(rmq_acl_logfiles); die "rocketmq-acl exited during start-up"
    fi
    ((SECONDS < end)) || { tail_log $(rmq_acl_logfiles); die "rocketmq-acl broker not listening after ${TIMEOUT}s"; }
    sleep 0.5
  done
  if ! rmq_acl_health $((end - SECONDS > 10 ? end - SECONDS : 10)); then
    tail_log $(rmq_acl_logfiles) "$RAD/logs/health.log"
    die "rocketmq-acl broker not registered at its name server"
  fi
  log "rocketmq-acl ready: name server $HOST:$RMQ_ACL_NAMESRV_PORT, broker $HOST:$RMQ_ACL_BROKER_PORT (ACL user $RMQ_ACL_USER)"
}

rocketmq_acl_up() {
  take_over rocketmq-acl-broker rocketmq-acl-broker $RMQ_ACL_BROKER_PORT
  take_over rocketmq-acl-namesrv rocketmq-acl-namesrv $RMQ_ACL_NAMESRV_PORT
  local n b; n=$(rmq_acl_namesrv_pids); b=$(rmq_acl_broker_pids)
  if [[ -n $n && -n $b ]]; then
    rmq_acl_write_conf
    if rmq_acl_health 10; then log "rocketmq-acl already up on $HOST:$RMQ_ACL_NAMESRV_PORT / $HOST:$RMQ_ACL_BROKER_PORT"; return 0; fi
    rmq_acl_wait_ready; return 0
  fi
  if [[ -n $n || -n $b ]]; then rocketmq_acl_down; fi # half up: start over
  rmq_acl_start fresh
  rmq_acl_wait_ready
}

rocketmq_acl_down() {
  stop_pids rocketmq-acl-broker $(rmq_acl_broker_pids)
  stop_pids rocketmq-acl-namesrv $(rmq_acl_namesrv_pids)
  wait_port_closed $RMQ_ACL_BROKER_PORT 10 || log "warning: port $RMQ_ACL_BROKER_PORT still open"
  wait_port_closed $RMQ_ACL_NAMESRV_PORT 10 || log "warning: port $RMQ_ACL_NAMESRV_PORT still open"
  rm -f "$RAD/namesrv.pid" "$RAD/broker.pid"
}

rocketmq_acl_restart() {
  rocketmq_acl_down
  rmq_acl_start keep
  rmq_acl_wait_ready
}

rocketmq_acl_status() {
  local n b; n=$(rmq_acl_namesrv_pids | tr '\n' ' '); b=$(rmq_acl_broker_pids | tr '\n' ' ')
  if [[ -n $n ]]; then echo "rocketmq-acl namesrv pid ${n% }  $HOST:$RMQ_ACL_NAMESRV_PORT $(port_open $RMQ_ACL_NAMESRV_PORT && echo listening || echo 'not listening')"
  else echo "rocketmq-acl namesrv down"; fi
  if [[ -n $b ]]; then echo "rocketmq-acl broker  pid ${b% }  $HOST:$RMQ_ACL_BROKER_PORT $(port_open $RMQ_ACL_BROKER_PORT && echo listening || echo 'not listening')  (ACL 2.0 authentication)"
  else echo "rocketmq-acl broker  down"; fi
}

rocketmq_acl_install() { install_jars rocketmq; need_java; }

rocketmq_acl_logs() { local f; for f in $(rmq_acl_logfiles); do [[ -f $f ]] && { echo "==> $f <=="; tail -n "${LINES_:-100}" "$f"; }; done; return 0; }

# ---------------------------------------------------------------------------------------------
# RabbitMQ 3.10.x from Debian, as its own node (unimq@localhost) with data under .brokers/

QD="$B/rabbitmq"
RABBIT_SBIN=/usr/lib/rabbitmq/bin

rabbit_env() {
  # HOME holds the Erlang cookie used by the node and by rabbitmqctl. The cookie is a fixed,
  # well-known value so that any checkout's script can manage the node; the Erlang distribution
  # only listens on 127.0.0.1.
  export HOME="$QD/home"
  export RABBITMQ_NODENAME=$RABBIT_NODE
  export RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS=$HOST
  export RABBITMQ_NODE_PORT=$RABBIT_PORT
  export RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
  export ERL_EPMD_ADDRESS=$HOST
  export RABBITMQ_CONF_ENV_FILE="$QD/conf/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$QD/conf/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$QD/conf/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$QD/conf/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$QD/mnesia"
  export RABBITMQ_LOG_BASE="$QD/logs"
  export RABBITMQ_PID_FILE="$QD/rabbitmq.pid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-unimq_broker rabbitmq -kernel inet_dist_use_interface {127,0,0,1}"
}

rabbitmqctl_() { (rabbit_env; "$RABBIT_SBIN/rabbitmqctl" -n $RABBIT_NODE "$@"); }

rabbit_install() {
  if [[ ! -x $RABBIT_SBIN/rabbitmq-server ]]; then
    apt_install rabbitmq-server
    # Debian starts the packaged node (rabbit@host, on all interfaces) when it can; this script
    # runs its own node, so stop and disable the packaged service.
    if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
      systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
    else
      service rabbitmq-server stop >/dev/null 2>&1 || true
      command -v update-rc.d >/dev/null && update-rc.d rabbitmq-server disable >/dev/null 2>&1 || true
    fi
    local beam; beam=$(pgrep -u rabbitmq -f beam.smp || true)
    [[ -z $beam ]] || stop_pids "packaged rabbitmq-server" $beam
  fi
  local v
  v=$(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo unknown)
  [[ $v == $RABBITMQ_SERIES.* ]] || log "warning: rabbitmq-server $v installed, expected $RABBITMQ_SERIES.x"
}

# test_pki DIR LABEL: a throw-away CA, a server certificate (127.0.0.1 and localhost) and a client
# certificate under DIR, made once with openssl (kept across `up`):
#   ca.pem                          the CA certificate (clients' tls_ca, the broker's cacertfile)
#   server-cert.pem server-key.pem  the broker's certificate and key
#   client-cert.pem client-key.pem  client certificate and key (tls_cert/tls_key, mutual TLS)
test_pki() {
  local dir=$1 label=$2
  [[ -f $dir/ca.pem && -f $dir/server-key.pem && -f $dir/client-key.pem ]] && return 0
  command -v openssl >/dev/null || apt_install openssl
  log "$label: generating a test CA and certificates in $dir"
  mkdir -p "$(dirname "$dir")"
  local d; d=$(mktemp -d "$dir.tmp.XXXXXX")
  if ! (
    cd "$d" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 3650 \
      -subj "/CN=unimq $label test CA" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" || exit 1
    printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$HOST" >server.ext
    printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >client.ext
    for who in server client; do
      openssl req -newkey rsa:2048 -nodes -keyout "$who-key.pem" -out "$who.csr" -subj "/CN=unimq-$label-$who" || exit 1
      openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 8)" \
        -days 3650 -extfile "$who.ext" -out "$who-cert.pem" || exit 1
    done
    openssl verify -CAfile ca.pem server-cert.pem client-cert.pem || exit 1
    rm -f ./*.csr ./*.ext ca-key.pem
  ) >"$d/openssl.log" 2>&1; then
    tail_log "$d/openssl.log"
    rm -rf "$d"
    die "$label: could not generate the test certificates"
  fi
  chmod 600 "$d"/*key.pem
  rm -rf "$dir"
  mv "$d" "$dir"
}

QTLS="$QD/tls"

# rabbit_conf_sum: what the node's configuration is (config files and certificates); `up` restarts
# a running node whose configuration changed since it started (e.g. the TLS listener was added).
rabbit_conf_sum() {
  cat "$QD/conf/rabbitmq.conf" "$QD/conf/advanced.config" "$QD/conf/enabled_plugins" \
    "$QTLS/ca.pem" "$QTLS/server-cert.pem" 2>/dev/null | sha256sum | cut -d' ' -f1
}

rabbit_write_conf() {
  test_pki "$QTLS" rabbitmq
  mkdir -p "$QD/conf" "$QD/home" "$QD/logs"
  : >"$QD/conf/rabbitmq-env.conf"
  echo '[].' >"$QD/conf/enabled_plugins"
  echo '[].' >"$QD/conf/advanced.config"
  cat >"$QD/conf/rabbitmq.conf" <<EOF
# written by scripts/brokers.sh — edits are overwritten
listeners.tcp.default = $HOST:$RABBIT_PORT
loopback_users.guest = true
default_user = guest
default_pass = guest
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.absolute = 1GB
log.file.level = info
log.console = false
listeners.ssl.default = $HOST:$RABBIT_TLS_PORT
ssl_options.cacertfile = $QTLS/ca.pem
ssl_options.certfile = $QTLS/server-cert.pem
ssl_options.keyfile = $QTLS/server-key.pem
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = true
ssl_options.versions.1 = tlsv1.3
ssl_options.versions.2 = tlsv1.2
EOF
  if [[ ! -f $QD/home/.erlang.cookie ]]; then
    echo -n UNIMQLOCALTESTBROKERCOOKIE >"$QD/home/.erlang.cookie"
  fi
  chmod 400 "$QD/home/.erlang.cookie"
}

rabbit_pids() { marker_pids rabbitmq; }

# amqp_handshake: send the AMQP 0-9-1 protocol header and expect a Connection.Start method frame.
amqp_handshake() {
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "AMQP\x00\x00\x09\x01" >&3
    head -c 11 <&3 | od -An -tx1 | tr -d " \n" | grep -q "^010000........000a000a" ' "$HOST" "$RABBIT_PORT" 2>/dev/null
}

rabbit_quick_check() {
  rabbitmqctl_ status >/dev/null 2>&1 && amqp_handshake
}

rabbit_start() { # rabbit_start fresh|keep
  rabbit_install
  rabbit_write_conf
  if [[ $1 == fresh ]]; then rm -rf "$QD/mnesia"; fi
  port_open $RABBIT_PORT && die "port $RABBIT_PORT is taken by another program (not this script's RabbitMQ node); stop it first (e.g. service rabbitmq-server stop)"
  port_open $RABBIT_TLS_PORT && die "port $RABBIT_TLS_PORT is taken by another program (not this script's RabbitMQ node); stop it first"
  log "rabbitmq $(dpkg-query -W -f='${Version}' rabbitmq-server): starting node $RABBIT_NODE on $HOST:$RABBIT_PORT (AMQPS $RABBIT_TLS_PORT)"
  rabbit_conf_sum >"$QD/conf/.started.sha256"
  (rabbit_env; start_bg "$QD/rabbitmq.pid.launcher" "$QD/logs/startup.log" "$RABBIT_SBIN/rabbitmq-server")
}

rabbit_wait_ready() {
  local end=$((SECONDS + TIMEOUT)) left
  until rabbitmqctl_ status >/dev/null 2>&1; do
    alive "$QD/rabbitmq.pid.launcher" || [[ -n "$(rabbit_pids)" ]] || { tail_log "$QD/logs/startup.log" "$QD/logs/$RABBIT_NODE.log"; die "rabbitmq exited during start-up"; }
    ((SECONDS < end)) || { tail_log "$QD/logs/startup.log" "$QD/logs/$RABBIT_NODE.log"; die "rabbitmq not up after ${TIMEOUT}s"; }
    sleep 1
  done
  left=$((end - SECONDS)); ((left > 5)) || left=5
  rabbitmqctl_ await_startup --timeout "$left" >/dev/null 2>&1 ||
    { tail_log "$QD/logs/startup.log" "$QD/logs/$RABBIT_NODE.log"; die "rabbitmqctl await_startup failed"; }
  until amqp_handshake; do
    ((SECONDS < end)) || { tail_log "$QD/logs/$RABBIT_NODE.log"; die "rabbitmq does not answer AMQP on $HOST:$RABBIT_PORT"; }
    sleep 0.5
  done
  until port_open $RABBIT_TLS_PORT; do
    ((SECONDS < end)) || { tail_log "$QD/logs/$RABBIT_NODE.log"; die "rabbitmq does not listen for AMQPS on $HOST:$RABBIT_TLS_PORT"; }
    sleep 0.5
  done
  log "rabbitmq ready on $HOST:$RABBIT_PORT (await_startup + AMQP handshake ok; AMQPS on $RABBIT_TLS_PORT)"
}

rabbitmq_up() {
  if [[ -n "$(foreign_pids rabbitmq)" ]]; then
    rabbit_write_conf                          # our copy of the (fixed) Erlang cookie
    rabbitmqctl_ stop >/dev/null 2>&1 || true # same node name and cookie: a clean stop
    take_over rabbitmq rabbitmq $RABBIT_PORT
  fi
  if [[ -n "$(rabbit_pids)" ]] || port_open $RABBIT_PORT; then
    rabbit_install; rabbit_write_conf
    if [[ -n "$(rabbit_pids)" && "$(cat "$QD/conf/.started.sha256" 2>/dev/null)" != "$(rabbit_conf_sum)" ]]; then
      log "rabbitmq: runs with an older configuration (before this version of brokers.sh): restarting it, keeping its data"
      rabbitmq_down
      rabbit_start keep
      rabbit_wait_ready
      return 0
    fi
    if rabbit_quick_check; then log "rabbitmq already up on $HOST:$RABBIT_PORT"; return 0; fi
    if [[ -n "$(rabbit_pids)" ]]; then rabbit_wait_ready; return 0; fi
    if amqp_handshake; then
      log "rabbitmq: using the RabbitMQ already answering on $HOST:$RABBIT_PORT (not managed by this script)"
      return 0
    fi
  fi
  rabbit_start fresh
  rabbit_wait_ready
}

rabbitmq_down() {
  local p; p=$(rabbit_pids)
  [[ -n $p ]] || return 0
  log "stopping rabbitmq node $RABBIT_NODE"
  rabbitmqctl_ stop >/dev/null 2>&1 || true
  stop_pids rabbitmq $(rabbit_pids)
  wait_port_closed $RABBIT_PORT 10 || log "warning: port $RABBIT_PORT still open"
  # epmd (Erlang port mapper) was started by the node; stop it when no Erlang node is left.
  if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then
    epmd -kill >/dev/null 2>&1 || true
  fi
  rm -f "$QD/rabbitmq.pid" "$QD/rabbitmq.pid.launcher"
}

rabbitmq_restart() {
  rabbitmq_down
  rabbit_start keep
  rabbit_wait_ready
}

rabbitmq_status() {
  local p; p=$(rabbit_pids | tr '\n' ' ')
  if [[ -n $p ]]; then
    if amqp_handshake; then echo "rabbitmq  up        pid ${p% }  $HOST:$RABBIT_PORT  (node $RABBIT_NODE, RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null))"
    else echo "rabbitmq  starting  pid ${p% }"; fi
  elif amqp_handshake; then echo "rabbitmq  external  a RabbitMQ not managed here answers on $HOST:$RABBIT_PORT"
  elif port_open $RABBIT_PORT; then echo "rabbitmq  external  something else listens on $HOST:$RABBIT_PORT"
  else echo "rabbitmq  down"; fi
}

rabbitmq_install() { rabbit_install; }

rabbitmq_logs() {
  local f
  for f in "$QD/logs/startup.log" "$QD/logs/$RABBIT_NODE.log"; do
    [[ -f $f ]] && { echo "==> $f <=="; tail -n "${LINES_:-100}" "$f"; }
  done
  return 0
}

# ---------------------------------------------------------------------------------------------

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# locked NAME CMD...: run CMD holding the lock of broker NAME (waits up to 15 min for it).
locked() {
  local name=$1; shift
  mkdir -p "$B/locks"
  (
    flock -w 900 9 || die "could not lock $B/locks/$name in 15 min (another brokers.sh still running?)"
    "$@"
  ) 9>"$B/locks/$name"
}

main() {
  local cmd=${1:-} what=${2:-all}
  [[ -n $cmd ]] || usage
  if [[ $cmd == mqadmin ]]; then # scripts/brokers.sh mqadmin clusterList -n 127.0.0.1:9876
    shift
    mqadmin "$@"
    return
  fi
  # three-node clusters and their nodes (scripts/brokers/clusters.sh, docs/clusters.md)
  case $cmd:$what in
    kill:* | controller:* | rabbitmq-queue:* | *:*-cluster | *:clusters | *:kafka-[123] | *:rabbitmq-[123] | *:rocketmq-ns | *:rocketmq-[ab])
      # shellcheck source=brokers/clusters.sh
      source "$ROOT/scripts/brokers/clusters.sh"
      cluster_main "$cmd" "$what"
      return
      ;;
  esac
  local brokers
  case $what in
    all) brokers=(rabbitmq kafka rocketmq rocketmq_acl) ;;
    rabbitmq | rabbit | amqp) brokers=(rabbitmq) ;;
    kafka) brokers=(kafka) ;;
    rocketmq | rocket) brokers=(rocketmq) ;;
    rocketmq-acl | rocketmq_acl) brokers=(rocketmq_acl) ;;
    *) usage ;;
  esac
  mkdir -p "$B"
  local b start=$SECONDS
  case $cmd in
    up | down | restart | install)
      # One run at a time per broker (tests call `restart` while others may call `up`).
      command -v flock >/dev/null || die "flock (util-linux) is needed"
      ;;
  esac
  case $cmd in
    up | restart | install) [[ " ${brokers[*]} " != *" kafka "* && " ${brokers[*]} " != *" rocketmq"* ]] || need_java ;;
  esac
  case $cmd in
    up)
      for b in "${brokers[@]}"; do locked "$b" "${b}_up"; done
      log "up ${what} done in $((SECONDS - start))s"
      ;;
    install)
      for b in "${brokers[@]}"; do locked "$b" "${b}_install"; done
      log "install ${what} done in $((SECONDS - start))s"
      ;;
    down) for b in "${brokers[@]}"; do locked "$b" "${b}_down"; done ;;
    restart)
      for b in "${brokers[@]}"; do locked "$b" "${b}_restart"; done
      log "restart ${what} done in $((SECONDS - start))s"
      ;;
    status) for b in "${brokers[@]}"; do "${b}_status"; done ;;
    logs) for b in "${brokers[@]}"; do "${b}_logs"; done ;;
    *) usage ;;
  esac
}

# Sourced (e.g. to try a configuration on a throw-away node): define the functions only.
[[ ${BASH_SOURCE[0]} != "$0" ]] || main "$@"
