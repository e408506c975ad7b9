# shellcheck shell=bash
# shellcheck disable=SC2034  # settings used by the scripts that source this file
# Shared settings and helpers for scripts/ckan/{install,start,stop}.sh.
# Sourced, not run. Everything lives under <repo>/var/ckan (git-ignored) and
# listens on 127.0.0.1 only. The passwords below are for a throwaway test
# instance on loopback, not secrets.

CKAN_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$CKAN_SCRIPTS/../.." && pwd)
CKAN_VAR=$REPO_ROOT/var/ckan
CKAN_VENV=$CKAN_VAR/venv
CKAN_INI=$CKAN_VAR/ckan.ini
CKAN_ENV_FILE=$CKAN_VAR/env
CKAN_LOG=$CKAN_VAR/ckan.log
CKAN_PIDFILE=$CKAN_VAR/ckan.pid
SOLR_LOG=$CKAN_VAR/solr-standin.log
SOLR_PIDFILE=$CKAN_VAR/solr-standin.pid

CKAN_HOST=127.0.0.1
CKAN_PORT=5050
CKAN_URL=http://$CKAN_HOST:$CKAN_PORT
SOLR_PORT=8983
SOLR_URL=http://127.0.0.1:$SOLR_PORT/solr/ckan
REDIS_PORT=6379
PG_PORT=5432

CKAN_DB=ckan_default
CKAN_DB_USER=ckan_default
CKAN_DB_PASSWORD=ckan_default_test
DATASTORE_DB=datastore_default
DATASTORE_RO_USER=datastore_default
DATASTORE_RO_PASSWORD=datastore_default_test
CKAN_ADMIN=ckan_admin

# psql_as_postgres, sql_value and ensure_postgres: the project's PostgreSQL helpers.
# shellcheck source=../postgres/lib.sh
source "$CKAN_SCRIPTS/../postgres/lib.sh"

log() { printf '[ckan %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ckan_cli() { "$CKAN_VENV/bin/ckan" -c "$CKAN_INI" "$@"; }

# True when the pid in $1 is alive and its command line contains $2.
pid_alive() {
  local pidfile=$1 pattern=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

redis_up() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

ensure_redis() {
  redis_up && return 0
  log "starting redis on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >/dev/null
  local i
  for ((i = 0; i < 20; i++)); do
    redis_up && return 0
    sleep 0.25
  done
  die "redis did not answer PING on port $REDIS_PORT"
}

solr_up() { curl -fsS -m 2 -o /dev/null "$SOLR_URL/admin/ping?wt=json" 2>/dev/null; }

# Start the in-memory Solr stand-in unless something already answers its ping.
ensure_solr_standin() {
  solr_up && return 0
  local py=python3 i
  [[ -x $CKAN_VENV/bin/python ]] && py=$CKAN_VENV/bin/python
  log "starting the Solr stand-in on 127.0.0.1:$SOLR_PORT (log: $SOLR_LOG)"
  mkdir -p "$CKAN_VAR"
  nohup setsid "$py" "$CKAN_SCRIPTS/solr_standin.py" --host 127.0.0.1 --port "$SOLR_PORT" \
    >>"$SOLR_LOG" 2>&1 </dev/null &
  echo $! >"$SOLR_PIDFILE"
  for ((i = 0; i < 40; i++)); do
    solr_up && return 0
    pid_alive "$SOLR_PIDFILE" solr_standin.py || break
    sleep 0.25
  done
  tail -n 20 "$SOLR_LOG" >&2 || true
  die "the Solr stand-in did not start (is port $SOLR_PORT taken?)"
}

ckan_up() { curl -fsS -m 5 -o /dev/null "$CKAN_URL/api/3/action/status_show" 2>/dev/null; }

# stop_pidfile PIDFILE PATTERN NAME: TERM, wait, then KILL; only our own pid.
stop_pidfile() {
  local pidfile=$1 pattern=$2 name=$3 pid i
  if ! pid_alive "$pidfile" "$pattern"; then
    rm -f "$pidfile"
    log "$name is not running (no live pid file)"
    return 0
  fi
  pid=$(<"$pidfile")
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    [[ -d /proc/$pid ]] || break
    sleep 0.25
  done
  if [[ -d /proc/$pid ]]; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
