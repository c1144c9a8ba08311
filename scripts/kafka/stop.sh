#!/usr/bin/env bash
# Stops the broker that start.sh started on $KAFKA_PORT or $PORT (default 9092). Safe when none
# runs.
# Graceful first (SIGTERM: the broker flushes and closes its logs, so KAFKA_KEEP_DATA=1 restarts
# fast), SIGKILL after KAFKA_STOP_TIMEOUT seconds (default 30).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}

if ! pid=$(running_pid); then
  rm -f "$KAFKA_PID_FILE"
  log "no broker running on port $PORT"
  exit 0
fi

log "stopping broker on 127.0.0.1:$PORT (pid $pid)"
kill -TERM "$pid"
deadline=$((SECONDS + TIMEOUT))
while kill -0 "$pid" 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    log "still running after ${TIMEOUT}s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    break
  fi
  sleep 0.2
done
# Wait until the process is gone so the next start finds the ports free.
while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
rm -f "$KAFKA_PID_FILE"
log "stopped"
