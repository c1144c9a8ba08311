#!/usr/bin/env bash
# Starts a single-node Apache Kafka 4.x (KRaft: broker and controller in one JVM) on 127.0.0.1,
# in the background, and creates the topics Trackpoint uses:
#   tracking_events      8 partitions, retention 7 days, lz4 (the collector's output)
#   tracking_events_dlq  1 partition, retention 7 days (messages the consumer could not parse)
#   tracking_plan        1 partition, compacted (installed tracking plans; every process reads it
#                        from the start — the server creates it too when it is missing)
#   tracking_refusals    1 partition, retention 3 hours (the collectors' refusal tallies; the
#                        server creates it too when it is missing)
# Returns once the broker answers and the topics exist. Safe to run again: a running broker is
# kept and the topics are checked.
#
# Environment:
#   PORT                   broker port (default 9092); KAFKA_BROKERS for clients is 127.0.0.1:PORT
#   KAFKA_PORT             same, and wins over PORT (for shells where PORT is the collector's)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default PORT+1)
#   KAFKA_KEEP_DATA=1      keep the data of an earlier run (restart after stop.sh); by default
#                          the data folder is formatted fresh
#   KAFKA_START_TIMEOUT    seconds to wait for the broker (default 60)
#   KAFKA_HEAP_OPTS        JVM heap (default -Xms256m -Xmx512m)
#   KAFKA_DIR              where jars, data and logs go (default .kafka at the repo root)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

TOPIC=tracking_events
DLQ_TOPIC=tracking_events_dlq
PLAN_TOPIC=tracking_plan
REFUSAL_TOPIC=tracking_refusals
RETENTION_MS=604800000 # 7 days
TIMEOUT=${KAFKA_START_TIMEOUT:-60}

[[ -f $KAFKA_LIBS/.stamp ]] || die "no Kafka jars in $KAFKA_LIBS: run scripts/kafka/setup.sh first"

# Creates one topic unless it exists (an existing topic keeps its partitions and configs).
# TopicCommand warns that '.' and '_' in names may collide in metric names; ours have no '.'.
create_topic() {
  kafka_java -Dkafka.log.level=WARN org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$PORT" --create --if-not-exists --replication-factor 1 "$@" 2>&1 |
    { grep -v '^WARNING: Due to limitations in metric names' || true; }
  return "${PIPESTATUS[0]}"
}

create_topics() {
  # The two JVMs run side by side: each spends most of its ~1.5 s starting up.
  create_topic --topic "$TOPIC" --partitions 8 \
    --config retention.ms=$RETENTION_MS --config compression.type=lz4 &
  local main=$!
  create_topic --topic "$DLQ_TOPIC" --partitions 1 --config retention.ms=$RETENTION_MS &
  local dlq=$!
  # Compacted, so no retention time deletes a plan; each install has its own key, so compaction
  # removes none either (server-stub/src/plan/kafkaPlanStore.ts).
  create_topic --topic "$PLAN_TOPIC" --partitions 1 --config cleanup.policy=compact &
  local plan=$!
  # Tallies are cumulative per minute, so 3 hours (the table's TTL) is all that is ever needed.
  create_topic --topic "$REFUSAL_TOPIC" --partitions 1 --config retention.ms=10800000 &
  local refusals=$!
  wait "$main" || die "could not create topic $TOPIC (see output above)"
  wait "$dlq" || die "could not create topic $DLQ_TOPIC (see output above)"
  wait "$plan" || die "could not create topic $PLAN_TOPIC (see output above)"
  wait "$refusals" || die "could not create topic $REFUSAL_TOPIC (see output above)"
  log "topics ready: $TOPIC (8 partitions, lz4, retention 7 d), $DLQ_TOPIC, $PLAN_TOPIC (compacted), $REFUSAL_TOPIC (3 h)"
}

if pid=$(running_pid); then
  log "broker already running on 127.0.0.1:$PORT (pid $pid)"
  create_topics
  exit 0
fi
for p in "$PORT" "$KAFKA_CONTROLLER_PORT"; do
  port_open "$p" && die "port $p on 127.0.0.1 is taken by another process: pick PORT / KAFKA_CONTROLLER_PORT"
done

mkdir -p "$KAFKA_STATE"
config=$KAFKA_STATE/server.properties
data=$KAFKA_STATE/data
cat >"$config" <<PROPS
# Written by scripts/kafka/start.sh; edits are lost on the next start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
# One node: every internal topic has one replica.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=false
# Tests create many short-lived groups: do not wait 3 s before the first rebalance.
group.initial.rebalance.delay.ms=0
# Few threads: the machine has 2 cores.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
PROPS

if [[ ${KAFKA_KEEP_DATA:-0} == 1 && -f $data/meta.properties ]]; then
  log "keeping the data in $data"
else
  rm -rf "$data"
  # KRaft needs a formatted log dir with a cluster id: 16 random bytes, base64url, no padding.
  # One id in 64 starts with '-': `--cluster-id=` keeps the parser from reading it as an option.
  cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  kafka_java -Dkafka.log.level=WARN kafka.tools.StorageTool format \
    --cluster-id="$cluster_id" -c "$config" >"$KAFKA_STATE/format.log" 2>&1 ||
    die "formatting $data failed: $(cat "$KAFKA_STATE/format.log")"
  log "formatted fresh data in $data (cluster $cluster_id)"
fi

# Keep the previous run's log for a post-mortem; the readiness check below must only see this run's.
[[ -f $KAFKA_LOG_FILE ]] && mv -f "$KAFKA_LOG_FILE" "$KAFKA_LOG_FILE.prev"
log "starting broker on 127.0.0.1:$PORT (controller :$KAFKA_CONTROLLER_PORT), log $KAFKA_LOG_FILE"
# setsid: the broker outlives this script and a Ctrl-C in the shell that started it.
setsid java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/log4j2.properties" \
  -cp "$KAFKA_LIBS/*" kafka.Kafka "$config" >"$KAFKA_LOG_FILE" 2>&1 </dev/null &
pid=$!
printf '%s\n' "$pid" >"$KAFKA_PID_FILE"

# Ready = the server logged that it started (the port opens earlier, while KRaft still elects).
deadline=$((SECONDS + TIMEOUT))
until grep -q 'Kafka Server started' "$KAFKA_LOG_FILE" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 30 "$KAFKA_LOG_FILE" >&2 || true
    rm -f "$KAFKA_PID_FILE"
    die "broker exited during start-up (log above, full log in $KAFKA_LOG_FILE)"
  fi
  if ((SECONDS >= deadline)); then
    tail -n 30 "$KAFKA_LOG_FILE" >&2 || true
    die "broker did not start within ${TIMEOUT}s (pid $pid still running; scripts/kafka/stop.sh ends it)"
  fi
  sleep 0.2
done
log "broker up (pid $pid) after $((TIMEOUT - (deadline - SECONDS)))s"
create_topics
log "ready: KAFKA_BROKERS=127.0.0.1:$PORT"
