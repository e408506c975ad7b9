#!/usr/bin/env bash
# Stop what scripts/cluster/start.sh started in CLUSTER_DIR: nginx, then every node, each by
# its own pid file (a node's whole process group: its gunicorn master and workers).
# Nothing else is signalled; a pid file whose process is gone is removed. Idempotent.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# wait_gone PID SECONDS: true once PID has exited.
wait_gone() {
  local i
  for ((i = 0; i < $2 * 4; i++)); do
    [[ -d /proc/$1 ]] || return 0
    sleep 0.25
  done
  [[ ! -d /proc/$1 ]]
}

if ours "$NGINX_PIDFILE" "$NGINX_CONF"; then
  pid=$(<"$NGINX_PIDFILE")
  log "stopping nginx (pid $pid)"
  kill -QUIT "$pid" 2>/dev/null || true # graceful: finishes the requests in flight
  wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$NGINX_PIDFILE"

for pidfile in "$CLUSTER_DIR"/node-*.pid; do
  [[ -e $pidfile ]] || continue
  if ours "$pidfile" "$OPENDATA serve"; then
    pid=$(<"$pidfile")
    log "stopping node $(basename "$pidfile" .pid) (process group $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait_gone "$pid" 20 || kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  # Workers of a node whose master was killed outright leave on their own within a second
  # (gunicorn workers exit when their parent goes); the group is ours, so make sure.
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] && pgrep -g "$pid" -f "$OPENDATA serve" >/dev/null &&
    { kill -KILL -- "-$pid" 2>/dev/null || true; }
  rm -f "$pidfile" "${pidfile%.pid}.port"
done
rm -f "$CLUSTER_DIR/env"
