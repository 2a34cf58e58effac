# scripts/brokers/clusters.sh — sourced by scripts/brokers.sh: three-node broker clusters on one
# machine for the failover tests (internal/failover, docs/clusters.md). Uses brokers.sh's helpers
# (start_bg, marker_pids, stop_pids, install_jars, kafka_java, RMQ_* options, rabbit_install).
#
#   up|down|status kafka-cluster|rabbitmq-cluster|rocketmq-cluster|clusters
#   kill NODE      SIGKILL one node (no graceful stop)
#   stop NODE      stop one node gracefully, keeping its data
#   restart NODE   start a node again keeping its data (stop it first when it runs)
#   logs NODE      tail a node's log
#   controller kafka-cluster   print the node that is the active KRaft controller
#   rabbitmq-queue QUEUE       print `leader rabbitmq-N` (a quorum queue's leader, or a classic
#                              queue's node), `online rabbitmq-N...` (its members that run) and
#                              `consumers rabbitmq-N...` (the nodes of its consumers' channels)
#
# Nodes (all on 127.0.0.1, away from the single brokers' ports):
#   kafka-1..3     Kafka 3.9.1 KRaft, broker+controller each: PLAINTEXT 19092/19192/19292,
#                  CONTROLLER 19093/19193/19293. RF 3, min.insync.replicas 2, no unclean election.
#   rabbitmq-1..3  RabbitMQ nodes unimqc1..3@localhost: AMQP 5682/5683/5684, distribution
#                  25682/25683/25684, one Erlang cookie, joined into one cluster.
#   rocketmq-ns    RocketMQ 5.3.3 name server 9976
#   rocketmq-a/b   masters broker-a 10951 (also 10949, 10952), broker-b 10961 (also 10959, 10962),
#                  cluster UnimqCluster.
# Every process carries the marker unimq.broker=<node> (see marker_pids). Unlike the single
# brokers, `up` never takes over a cluster node of another folder: it fails when a port is taken.

CD="${UNIMQ_CLUSTERS_DIR:-$B/clusters}" # state of the cluster nodes (jars: the single brokers' $B)
KAFKA_CLUSTER_NODES=(kafka-1 kafka-2 kafka-3)
RABBIT_CLUSTER_NODES=(rabbitmq-1 rabbitmq-2 rabbitmq-3)
RMQ_CLUSTER_NODES=(rocketmq-ns rocketmq-a rocketmq-b)
KAFKA_CLUSTER_BOOTSTRAP="$HOST:19092,$HOST:19192,$HOST:19292"
RMQ_CLUSTER_NAMESRV_PORT=9976
RMQ_CLUSTER_NAME=UnimqCluster

cluster_nodes() { echo "${KAFKA_CLUSTER_NODES[@]}" "${RABBIT_CLUSTER_NODES[@]}" "${RMQ_CLUSTER_NODES[@]}"; }

# kc_n NODE: the node's number (kafka-2 → 2; rocketmq-a → 1, rocketmq-b → 2)
kc_n() { case $1 in *-a) echo 1 ;; *-b) echo 2 ;; *) echo "${1##*-}" ;; esac; }

# node_port NODE: the port that says the node is up.
node_port() {
  case $1 in
    kafka-*) echo $((19092 + 100 * ($(kc_n "$1") - 1))) ;;
    rabbitmq-*) echo $((5681 + $(kc_n "$1"))) ;;
    rocketmq-ns) echo $RMQ_CLUSTER_NAMESRV_PORT ;;
    rocketmq-a) echo 10951 ;;
    rocketmq-b) echo 10961 ;;
    *) die "unknown cluster node $1 (one of: $(cluster_nodes))" ;;
  esac
}

node_pids() { marker_pids "$1"; }

# node_wait_port NODE: wait until the node listens (fails fast when its process is gone).
node_wait_port() {
  local node=$1 port end=$((SECONDS + TIMEOUT))
  port=$(node_port "$1")
  until port_open "$port"; do
    [[ -n "$(node_pids "$node")" ]] || alive "$CD/$node/node.pid" || { node_logs "$node" >&2; die "$node exited during start-up"; }
    ((SECONDS < end)) || { node_logs "$node" >&2; die "$node not listening on $port after ${TIMEOUT}s"; }
    sleep 0.5
  done
}

# ----- Kafka ----------------------------------------------------------------------------------

kc_write_conf() { # kc_write_conf NODE
  local n; n=$(kc_n "$1")
  local d="$CD/$1" port=$((19092 + 100 * (n - 1)))
  mkdir -p "$d/logs"
  cat >"$d/server.properties" <<EOF
# written by scripts/brokers.sh (clusters) — edits are overwritten
process.roles=broker,controller
node.id=$n
controller.quorum.voters=1@$HOST:19093,2@$HOST:19193,3@$HOST:19293
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$((port + 1))
advertised.listeners=PLAINTEXT://$HOST:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$d/data
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
auto.create.topics.enable=true
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=3
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=6
num.network.threads=2
num.io.threads=2
log.segment.bytes=16777216
log.retention.hours=2
EOF
  cp "$KD/conf/log4j.properties" "$d/log4j.properties" 2>/dev/null || printf 'log4j.rootLogger=INFO, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stdout.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\n' >"$d/log4j.properties"
}

kc_start_node() { # kc_start_node NODE
  local d="$CD/$1"
  port_open "$(node_port "$1")" && die "port $(node_port "$1") is taken; $1 cannot start"
  start_bg "$d/node.pid" "$d/logs/kafka.log" \
    java "-Dunimq.broker=$1" -Xms64m -Xmx256m -XX:+UseSerialGC -XX:MaxDirectMemorySize=128m \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$d/log4j.properties" -Dkafka.logs.dir="$d/logs" \
    -cp "$KD/lib/*" kafka.Kafka "$d/server.properties"
}

kafka_cluster_up() {
  install_jars kafka
  need_java
  mkdir -p "$KD/conf" "$KD/logs"
  [[ -f $KD/conf/tools-log4j.properties ]] || printf 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%%d] %%p %%m (%%c)%%n\n' >"$KD/conf/tools-log4j.properties"
  local node all=1
  for node in "${KAFKA_CLUSTER_NODES[@]}"; do [[ -n "$(node_pids "$node")" ]] || all=0; done
  if ((all)) && kafka_java 128m "$ROOT/scripts/brokers/kafka/KafkaHealth.java" quick "$KAFKA_CLUSTER_BOOTSTRAP" 10 >"$CD/kafka-health.log" 2>&1; then
    log "kafka-cluster already up on $KAFKA_CLUSTER_BOOTSTRAP"; return 0
  fi
  kafka_cluster_down
  local cid=-
  while [[ $cid == -* ]]; do cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
  log "kafka-cluster: formatting three nodes (cluster id $cid)"
  for node in "${KAFKA_CLUSTER_NODES[@]}"; do
    rm -rf "$CD/$node"
    kc_write_conf "$node"
    kafka_java 128m kafka.tools.StorageTool format -t "$cid" -c "$CD/$node/server.properties" \
      >>"$CD/$node/logs/kafka.log" 2>&1 || { tail_log "$CD/$node/logs/kafka.log"; die "$node: storage format failed"; } &
  done
  wait
  for node in "${KAFKA_CLUSTER_NODES[@]}"; do [[ -f $CD/$node/data/meta.properties ]] || die "$node: storage not formatted"; done
  for node in "${KAFKA_CLUSTER_NODES[@]}"; do kc_start_node "$node"; done
  for node in "${KAFKA_CLUSTER_NODES[@]}"; do node_wait_port "$node"; done
  kafka_cluster_health
}

kafka_cluster_health() {
  mkdir -p "$CD"
  if ! kafka_java 128m "$ROOT/scripts/brokers/kafka/KafkaHealth.java" roundtrip "$KAFKA_CLUSTER_BOOTSTRAP" "$TIMEOUT" >"$CD/kafka-health.log" 2>&1; then
    tail_log "$CD/kafka-health.log"
    die "kafka-cluster: produce/consume round trip failed"
  fi
  log "kafka-cluster ready on $KAFKA_CLUSTER_BOOTSTRAP (produce/consume round trip ok)"
}

# kafka_cluster_controller: print the node (kafka-N) that leads the KRaft quorum (the active
# controller; Kafka's Metadata API names a random broker instead in KRaft mode).
kafka_cluster_controller() {
  local out id
  out=$(kafka_java 128m org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$KAFKA_CLUSTER_BOOTSTRAP" describe --status 2>&1) ||
    { echo "$out" >&2; die "kafka-cluster: describe quorum failed"; }
  id=$(sed -n 's/^LeaderId:[[:space:]]*\([0-9]*\).*/\1/p' <<<"$out")
  [[ -n $id ]] || { echo "$out" >&2; die "kafka-cluster: no LeaderId in the quorum status"; }
  echo "kafka-$id"
}

kafka_cluster_down() {
  local node
  for node in "${KAFKA_CLUSTER_NODES[@]}"; do stop_pids "$node" $(node_pids "$node"); done
}

# ----- RabbitMQ -------------------------------------------------------------------------------

RCD="$CD/rabbitmq"
rc_name() { echo "unimqc$(kc_n "$1")@localhost"; }

rc_env() { # rc_env NODE (in a subshell)
  local n d; n=$(kc_n "$1"); d="$CD/$1"
  export HOME="$RCD/home"
  export RABBITMQ_NODENAME; RABBITMQ_NODENAME=$(rc_name "$1")
  export RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_NODE_IP_ADDRESS=$HOST
  export RABBITMQ_NODE_PORT=$((5681 + n))
  export RABBITMQ_DIST_PORT=$((25681 + n))
  export ERL_EPMD_ADDRESS=$HOST
  export RABBITMQ_CONF_ENV_FILE="$d/rabbitmq-env.conf"
  export RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$d/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$d/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$d/mnesia"
  export RABBITMQ_LOG_BASE="$d/logs"
  export RABBITMQ_PID_FILE="$d/rabbitmq.pid"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-unimq_broker $1 -kernel inet_dist_use_interface {127,0,0,1}"
}

rc_ctl() { local node=$1; shift; (rc_env "$node"; "$RABBIT_SBIN/rabbitmqctl" -n "$(rc_name "$node")" "$@"); }

rc_write_conf() {
  local d="$CD/$1" n; n=$(kc_n "$1")
  mkdir -p "$d/logs" "$RCD/home"
  : >"$d/rabbitmq-env.conf"
  echo '[].' >"$d/enabled_plugins"
  echo '[].' >"$d/advanced.config"
  cat >"$d/rabbitmq.conf" <<EOF
# written by scripts/brokers.sh (clusters) — edits are overwritten
listeners.tcp.default = $HOST:$((5681 + n))
loopback_users.guest = true
default_user = guest
default_pass = guest
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.absolute = 512MB
log.file.level = info
log.console = false
cluster_partition_handling = pause_minority
EOF
  if [[ ! -f $RCD/home/.erlang.cookie ]]; then echo -n UNIMQLOCALTESTCLUSTERCOOKIE >"$RCD/home/.erlang.cookie"; fi
  chmod 400 "$RCD/home/.erlang.cookie"
}

rc_start_node() {
  rc_write_conf "$1"
  port_open "$(node_port "$1")" && die "port $(node_port "$1") is taken; $1 cannot start"
  (rc_env "$1"; start_bg "$CD/$1/node.pid" "$CD/$1/logs/startup.log" "$RABBIT_SBIN/rabbitmq-server")
}

rc_wait_node() {
  local end=$((SECONDS + TIMEOUT))
  until rc_ctl "$1" status >/dev/null 2>&1; do
    [[ -n "$(node_pids "$1")" ]] || alive "$CD/$1/node.pid" || { node_logs "$1" >&2; die "$1 exited during start-up"; }
    ((SECONDS < end)) || { node_logs "$1" >&2; die "$1 not up after ${TIMEOUT}s"; }
    sleep 1
  done
  rc_ctl "$1" await_startup --timeout "$TIMEOUT" >/dev/null 2>&1 || { node_logs "$1" >&2; die "$1: await_startup failed"; }
  node_wait_port "$1"
}

rabbitmq_cluster_up() {
  rabbit_install
  local node all=1
  for node in "${RABBIT_CLUSTER_NODES[@]}"; do [[ -n "$(node_pids "$node")" ]] || all=0; done
  if ((all)) && [[ $(rc_ctl rabbitmq-1 cluster_status --formatter json 2>/dev/null | grep -o 'unimqc[0-9]@localhost' | sort -u | wc -l) -ge 3 ]]; then
    log "rabbitmq-cluster already up"; return 0
  fi
  rabbitmq_cluster_down
  for node in "${RABBIT_CLUSTER_NODES[@]}"; do rm -rf "$CD/$node"; rc_start_node "$node"; done
  for node in "${RABBIT_CLUSTER_NODES[@]}"; do rc_wait_node "$node"; done
  for node in "${RABBIT_CLUSTER_NODES[@]:1}"; do
    { rc_ctl "$node" stop_app && rc_ctl "$node" reset && rc_ctl "$node" join_cluster "$(rc_name rabbitmq-1)" &&
      rc_ctl "$node" start_app; } >>"$CD/$node/logs/join.log" 2>&1 || { tail_log "$CD/$node/logs/join.log"; die "$node could not join the cluster"; }
  done
  local running
  running=$(rc_ctl rabbitmq-1 cluster_status --formatter json 2>/dev/null | sed -n 's/.*"running_nodes":\[\([^]]*\)\].*/\1/p')
  [[ $(grep -o 'unimqc[0-9]@localhost' <<<"$running" | sort -u | wc -l) -eq 3 ]] || die "rabbitmq-cluster: running nodes are [$running], want 3"
  log "rabbitmq-cluster ready: amqp 127.0.0.1:5682,5683,5684 (nodes $running)"
}

# rabbitmq_queue QUEUE: where QUEUE's leader, online members and consumers are (rabbitmq-N
# names), asked to the first running node that answers; fails when no node knows the queue.
rabbitmq_queue() {
  local q=$1 node row leader online consumers
  for node in "${RABBIT_CLUSTER_NODES[@]}"; do
    [[ -n "$(node_pids "$node")" ]] || continue
    # columns are tab-separated; online is a list like [unimqc1@localhost, unimqc3@localhost]
    row=$(rc_ctl "$node" list_queues -q --no-table-headers name leader online 2>/dev/null |
      awk -F'\t' -v q="$q" '$1 == q {print $2 "\t" $3}') || continue
    [[ -n $row ]] || continue
    leader=${row%%$'\t'*}
    online=$(grep -o 'unimqc[0-9]' <<<"${row#*$'\t'}" | sed 's/unimqc/rabbitmq-/' | sort | tr '\n' ' ')
    consumers=$(rc_ctl "$node" list_consumers -q --no-table-headers queue_name channel_pid 2>/dev/null |
      awk -F'\t' -v q="$q" '$1 == q {print $2}' | sed -n 's/^<unimqc\([0-9]\)@.*/rabbitmq-\1/p' | sort -u | tr '\n' ' ')
    echo "leader rabbitmq-${leader//[^0-9]/}"
    echo "online ${online% }"
    echo "consumers ${consumers% }"
    return 0
  done
  die "rabbitmq-queue: no running node knows queue $q"
}

rabbitmq_cluster_down() {
  local node
  for node in "${RABBIT_CLUSTER_NODES[@]}"; do
    [[ -n "$(node_pids "$node")" ]] || continue
    rc_ctl "$node" stop >/dev/null 2>&1 || true
    stop_pids "$node" $(node_pids "$node")
  done
}

# ----- RocketMQ -------------------------------------------------------------------------------

rcm_write_conf() {
  local d="$CD/$1"
  mkdir -p "$d/logs" "$d/home"
  if [[ $1 == rocketmq-ns ]]; then
    printf 'listenPort=%s\nbindAddress=%s\nscanAvailableNameSrv=false\n' $RMQ_CLUSTER_NAMESRV_PORT $HOST >"$d/namesrv.conf"
    return 0
  fi
  local port; port=$(node_port "$1")
  cat >"$d/broker.conf" <<EOF
# written by scripts/brokers.sh (clusters) — edits are overwritten
brokerClusterName=$RMQ_CLUSTER_NAME
brokerName=broker-${1##*-}
brokerId=0
brokerRole=ASYNC_MASTER
flushDiskType=ASYNC_FLUSH
namesrvAddr=$HOST:$RMQ_CLUSTER_NAMESRV_PORT
brokerIP1=$HOST
listenPort=$port
bindAddress=$HOST
autoCreateTopicEnable=true
autoCreateSubscriptionGroup=true
defaultTopicQueueNums=4
enablePropertyFilter=true
storePathRootDir=$d/store
storePathCommitLog=$d/store/commitlog
mappedFileSizeCommitLog=33554432
mappedFileSizeConsumeQueue=600000
mappedFileSizeTimerLog=16777216
maxHashSlotNum=100000
maxIndexNum=400000
fileReservedTime=2
diskMaxUsedSpaceRatio=95
waitTimeMillsInSendQueue=3000
osPageCacheBusyTimeOutMills=5000
EOF
}

rcm_start_node() {
  local d="$CD/$1" heap=(-Xms128m -Xmx256m -XX:MaxDirectMemorySize=128m) cls=org.apache.rocketmq.broker.BrokerStartup conf=broker.conf
  [[ $1 == rocketmq-ns ]] && { heap=(-Xms64m -Xmx128m); cls=org.apache.rocketmq.namesrv.NamesrvStartup; conf=namesrv.conf; }
  rcm_write_conf "$1"
  port_open "$(node_port "$1")" && die "port $(node_port "$1") is taken; $1 cannot start"
  (export ROCKETMQ_HOME="$d"; start_bg "$d/node.pid" "$d/logs/$1.out" \
    java "-Dunimq.broker=$1" "${heap[@]}" "${RMQ_SERVER_OPTS[@]}" "${RMQ_JAVA_OPTS[@]}" \
    -Duser.home="$d/home" -Drocketmq.home.dir="$d" -cp "$RD/lib/*" "$cls" -c "$d/$conf")
}

# rcm_health NODE SECONDS: the broker is registered at the cluster's name server.
rcm_health() {
  (export ROCKETMQ_HOME="$CD/$1"; java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${RMQ_JAVA_OPTS[@]}" \
    -Duser.home="$CD/$1/home" -Drocketmq.home.dir="$CD/$1" -Drocketmq.client.logUseSlf4j=false \
    -cp "$RD/lib/*" "$ROOT/scripts/brokers/rocketmq/RocketMQHealth.java" \
    quick "$HOST:$RMQ_CLUSTER_NAMESRV_PORT" "$HOST:$(node_port "$1")" "$2" >"$CD/$1/logs/health.log" 2>&1)
}

rocketmq_cluster_up() {
  install_jars rocketmq
  need_java
  local node all=1
  for node in "${RMQ_CLUSTER_NODES[@]}"; do [[ -n "$(node_pids "$node")" ]] || all=0; done
  if ((all)) && rcm_health rocketmq-a 10 && rcm_health rocketmq-b 10; then log "rocketmq-cluster already up"; return 0; fi
  rocketmq_cluster_down
  for node in "${RMQ_CLUSTER_NODES[@]}"; do rm -rf "${CD:?}/$node"; done
  rcm_start_node rocketmq-ns
  node_wait_port rocketmq-ns
  rcm_start_node rocketmq-a
  rcm_start_node rocketmq-b
  for node in rocketmq-a rocketmq-b; do
    node_wait_port "$node"
    rcm_health "$node" "$TIMEOUT" || { tail_log "$CD/$node/logs/health.log"; die "$node not registered at $HOST:$RMQ_CLUSTER_NAMESRV_PORT"; }
  done
  log "rocketmq-cluster ready: name server $HOST:$RMQ_CLUSTER_NAMESRV_PORT, broker-a $HOST:10951, broker-b $HOST:10961 (cluster $RMQ_CLUSTER_NAME)"
}

rocketmq_cluster_down() {
  local node
  for node in rocketmq-a rocketmq-b rocketmq-ns; do stop_pids "$node" $(node_pids "$node"); done
}

# ----- per node -------------------------------------------------------------------------------

node_kill() {
  node_port "$1" >/dev/null
  local p; p=$(node_pids "$1" | tr '\n' ' ')
  [[ -n ${p// /} ]] || { log "$1 is not running"; return 0; }
  log "SIGKILL $1 (pid ${p% })"
  # shellcheck disable=SC2086
  kill -KILL $p 2>/dev/null || true
  local end=$((SECONDS + 10))
  while [[ -n "$(node_pids "$1")" ]] && ((SECONDS < end)); do sleep 0.2; done
}

# node_stop NODE: stop a node gracefully (RabbitMQ: rabbitmqctl stop), keeping its data.
node_stop() {
  node_port "$1" >/dev/null
  [[ -n "$(node_pids "$1")" ]] || { log "$1 is not running"; return 0; }
  [[ $1 == rabbitmq-* ]] && { rc_ctl "$1" stop >/dev/null 2>&1 || true; }
  # shellcheck disable=SC2046
  stop_pids "$1" $(node_pids "$1")
  wait_port_closed "$(node_port "$1")" 15 || true
}

# node_restart NODE: stop (gracefully) when it runs, start it again with its data, wait until it
# serves (Kafka: listening; RabbitMQ: await_startup; RocketMQ broker: registered again).
node_restart() {
  node_port "$1" >/dev/null
  node_stop "$1"
  case $1 in
    kafka-*) [[ -f $CD/$1/data/meta.properties ]] || die "$1 was never formatted: run up kafka-cluster"
      kc_write_conf "$1"; kc_start_node "$1"; node_wait_port "$1" ;;
    rabbitmq-*) [[ -d $CD/$1/mnesia ]] || die "$1 has no data: run up rabbitmq-cluster"
      rc_start_node "$1"; rc_wait_node "$1" ;;
    rocketmq-ns) rcm_start_node "$1"; node_wait_port "$1" ;;
    rocketmq-*) rcm_start_node "$1"; node_wait_port "$1"
      rcm_health "$1" "$TIMEOUT" || { tail_log "$CD/$1/logs/health.log"; die "$1 not registered"; } ;;
  esac
  log "$1 up again"
}

# node_status NODE: one line; adds the node's resident memory (KiB) to STATUS_RSS.
STATUS_RSS=0
node_status() {
  local p port rss=0; p=$(node_pids "$1" | tr '\n' ' '); port=$(node_port "$1")
  if [[ -n ${p// /} ]]; then
    # shellcheck disable=SC2086
    p=${p% }; rss=$(ps -o rss= -p "${p// /,}" 2>/dev/null | awk '{s += $1} END {print s + 0}')
    STATUS_RSS=$((STATUS_RSS + rss))
    printf '%-12s up    pid %-8s %s:%-6s %-14s rss %4d MiB\n' "$1" "$p" "$HOST" "$port" \
      "$(port_open "$port" && echo listening || echo 'not listening')" $((rss / 1024))
  else printf '%-12s down\n' "$1"; fi
}

node_logs() {
  local f
  for f in "$CD/$1"/logs/kafka.log "$CD/$1"/logs/startup.log "$CD/$1/logs/$(rc_name "$1").log" \
    "$CD/$1/logs/$1.out" "$CD/$1/home/logs/rocketmqlogs/broker.log" "$CD/$1/home/logs/rocketmqlogs/namesrv.log"; do
    [[ -f $f ]] && { echo "==> $f <=="; tail -n "${LINES_:-60}" "$f"; }
  done
  return 0
}

# cluster_main CMD WHAT: brokers.sh's entry for the cluster targets and node commands.
cluster_main() {
  local cmd=$1 what=$2 clusters c start=$SECONDS node
  case $what in
    clusters) clusters=(kafka_cluster rabbitmq_cluster rocketmq_cluster) ;;
    kafka-cluster) clusters=(kafka_cluster) ;;
    rabbitmq-cluster) clusters=(rabbitmq_cluster) ;;
    rocketmq-cluster) clusters=(rocketmq_cluster) ;;
    *) clusters=() ;;
  esac
  mkdir -p "$CD"
  case $cmd in
    up | down)
      [[ ${#clusters[@]} -gt 0 ]] || die "$cmd: want kafka-cluster, rabbitmq-cluster, rocketmq-cluster or clusters"
      # the clusters start (and stop) side by side: most of a start is waiting on JVMs and Erlang
      local pids=() failed=0 p
      [[ $cmd == down ]] || need_java
      for c in "${clusters[@]}"; do
        (
          locked "$c" "${c}_$cmd" || exit 1
          [[ $cmd == down ]] || log "$cmd ${c//_/-} done in $((SECONDS - start))s"
        ) &
        pids+=($!)
      done
      for p in "${pids[@]}"; do wait "$p" || failed=1; done
      ((failed == 0)) || die "$cmd $what failed (see above)"
      log "$cmd $what done in $((SECONDS - start))s"
      ;;
    status)
      if [[ ${#clusters[@]} -eq 0 ]]; then node_status "$what"; return; fi
      for c in "${clusters[@]}"; do
        case $c in
          kafka_cluster) for node in "${KAFKA_CLUSTER_NODES[@]}"; do node_status "$node"; done ;;
          rabbitmq_cluster) for node in "${RABBIT_CLUSTER_NODES[@]}"; do node_status "$node"; done ;;
          rocketmq_cluster) for node in "${RMQ_CLUSTER_NODES[@]}"; do node_status "$node"; done ;;
        esac
      done
      printf 'resident memory of the nodes above: %d MiB\n' $((STATUS_RSS / 1024))
      ;;
    rabbitmq-queue) rabbitmq_queue "$what" ;;
    controller) [[ $what == kafka-cluster ]] || die "controller: only kafka-cluster"; kafka_cluster_controller ;;
    kill) node_kill "$what" ;;
    stop) locked "$what" node_stop "$what" ;;
    restart) locked "$what" node_restart "$what" ;;
    logs) node_logs "$what" ;;
    *) usage ;;
  esac
}
