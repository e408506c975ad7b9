#!/usr/bin/env bash
# Start the local CKAN test instance on http://127.0.0.1:5050 (idempotent).
#
# Runs install.sh (quick when all is installed), makes sure PostgreSQL, redis
# and the Solr stand-in are up, starts `ckan run` in the background and, when
# the stand-in's in-memory index is empty but the database holds datasets,
# rebuilds the index. Waits for /api/3/action/status_show.
# Prints the path of the env file (CKAN_URL, CKAN_API_TOKEN) on stdout.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

START_TIMEOUT=${CKAN_START_TIMEOUT:-120}

index_count() {
  curl -fsS -m 5 "$SOLR_URL/select?q=*:*&rows=0&wt=json" |
    "$CKAN_VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["response"]["numFound"])'
}

start_ckan() {
  if pid_alive "$CKAN_PIDFILE" "$CKAN_INI"; then
    log "CKAN already running (pid $(<"$CKAN_PIDFILE"))"
    return 0
  fi
  if ckan_up; then
    die "something else answers on $CKAN_URL; stop it first"
  fi
  log "starting CKAN on $CKAN_URL (log: $CKAN_LOG)"
  nohup setsid "$CKAN_VENV/bin/ckan" -c "$CKAN_INI" run -H "$CKAN_HOST" -p "$CKAN_PORT" \
    --disable-reloader --threaded >>"$CKAN_LOG" 2>&1 </dev/null &
  echo $! >"$CKAN_PIDFILE"
}

rebuild_index_if_empty() {
  local in_db in_index
  in_db=$(sql_value "$CKAN_DB" "SELECT count(*) FROM package WHERE state <> 'deleted'")
  in_index=$(index_count)
  if ((in_db > 0 && in_index == 0)); then
    log "search index empty, $in_db dataset(s) in the database: ckan search-index rebuild"
    ckan_cli search-index rebuild -q >>"$CKAN_VAR/search-index.log" 2>&1 ||
      { tail -n 20 "$CKAN_VAR/search-index.log" >&2; die "search-index rebuild failed"; }
    log "search index now holds $(index_count) document(s)"
  fi
}

wait_for_ckan() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until ckan_up; do
    if ! pid_alive "$CKAN_PIDFILE" "$CKAN_INI"; then
      tail -n 40 "$CKAN_LOG" >&2 || true
      die "CKAN exited during start-up; log tail above ($CKAN_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$CKAN_LOG" >&2 || true
      die "CKAN did not answer $CKAN_URL/api/3/action/status_show within ${START_TIMEOUT}s; log tail above"
    fi
    sleep 0.5
  done
}

main() {
  local t0=$SECONDS
  "$CKAN_SCRIPTS/install.sh"
  ensure_postgres
  ensure_redis
  ensure_solr_standin
  start_ckan
  rebuild_index_if_empty # runs while the server boots
  wait_for_ckan
  log "CKAN up at $CKAN_URL in $((SECONDS - t0)) s (stop: scripts/ckan/stop.sh)"
  echo "$CKAN_ENV_FILE"
}

main "$@"
