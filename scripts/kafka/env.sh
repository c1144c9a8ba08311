# Shared settings of setup.sh, start.sh and stop.sh; sourced, not run.
# Every path is absolute, so the scripts work from any working directory.

KAFKA_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$KAFKA_SCRIPTS/../.." && pwd)

# Everything the broker leaves behind lives under one gitignored folder (.kafka/ at the root).
KAFKA_DIR=${KAFKA_DIR:-$REPO_ROOT/.kafka}
# KAFKA_LIBS may point elsewhere: brokers with a KAFKA_DIR of their own (a test's temp dir) reuse
# the jars setup.sh fetched once.
KAFKA_LIBS=${KAFKA_LIBS:-$KAFKA_DIR/libs}
# KAFKA_PORT wins over PORT, for a shell where PORT already means the collector's port.
PORT=${KAFKA_PORT:-${PORT:-9092}}
# The KRaft controller needs a listener of its own; by default the port after the broker's.
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
# One state folder per broker port, so two brokers (say CI and a developer's) never share data.
KAFKA_STATE=$KAFKA_DIR/broker-$PORT
KAFKA_PID_FILE=$KAFKA_STATE/broker.pid
KAFKA_LOG_FILE=$KAFKA_STATE/broker.log

# The machine has 2 cores and the broker shares them with node and chdb: keep it small.
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}

log() { printf '[kafka] %s\n' "$*"; }
die() {
  printf '[kafka] error: %s\n' "$*" >&2
  exit 1
}

# Runs a short-lived Kafka tool (storage format, topic creation) with the jars of setup.sh.
# The C1 compiler only and the serial GC: these JVMs live a second, start-up is what counts.
kafka_java() {
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/log4j2.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no nc needed).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the PID of the broker recorded for $PORT when that process is still alive.
running_pid() {
  [[ -f $KAFKA_PID_FILE ]] || return 1
  local pid
  pid=$(<"$KAFKA_PID_FILE")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A recycled PID must not be mistaken for the broker: check its command line.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "$pid"
}
