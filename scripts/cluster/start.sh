#!/usr/bin/env bash
# Start N stateless app nodes behind nginx on this machine, for tests and demos.
#
#   scripts/cluster/start.sh [N] [--no-publish]        (N: 1-16, default 2)
#
# 1. Publishes the packages not yet published, once, as `opendata publish` does (unless
#    --no-publish); the nodes themselves build nothing.
# 2. Starts N gunicorn nodes (`opendata serve --no-publish`, the service's own server entry
#    and gunicorn options) on free loopback ports. They share the releases folder
#    (OPENDATA_RELEASES_DIR), the cache folder (OPENDATA_CACHE_DIR: the cursor key and the
#    harvest ledger) and, when OPENDATA_DATABASE_URL is set, the PostgreSQL database; in
#    production these are a shared volume and one database. Each node has its own process
#    group and pid file, log and access log under CLUSTER_DIR.
# 3. Renders nginx.conf.template into CLUSTER_DIR/nginx/ and starts nginx with that prefix
#    and pid file, listening on 127.0.0.1:CLUSTER_PORT.
# 4. Writes CLUSTER_DIR/env (CLUSTER_URL, CLUSTER_NODES) and prints its path.
#
# Environment: CLUSTER_DIR (default var/cluster), CLUSTER_PORT (default 8080), NODE_WORKERS
# (gunicorn workers per node, default 2), NGINX_WORKERS (default auto), CACHE_MAX_SIZE
# (default 1g), and every OPENDATA_* setting, which the nodes inherit.
# scripts/cluster/stop.sh stops what this started, and nothing else.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODES=2
PUBLISH=1
for argument in "$@"; do
  case $argument in
    --no-publish) PUBLISH=0 ;;
    *[!0-9]* | '') die "usage: start.sh [N] [--no-publish] (N: 1-16 nodes)" ;;
    *) NODES=$argument ;;
  esac
done
((NODES >= 1 && NODES <= 16)) || die "N must be 1-16 nodes, not $NODES"

CLUSTER_PORT=${CLUSTER_PORT:-8080}
NODE_WORKERS=${NODE_WORKERS:-2}
START_TIMEOUT=${CLUSTER_START_TIMEOUT:-120}
[[ -x $NGINX ]] || die "nginx is not installed (Debian: apt-get install nginx)"
[[ -x $OPENDATA ]] || die "$OPENDATA is missing; run \`make install\` first"
command -v curl >/dev/null || die "curl is not installed"

if ours "$NGINX_PIDFILE" "$NGINX_CONF"; then
  die "already running in $CLUSTER_DIR (nginx pid $(<"$NGINX_PIDFILE")); scripts/cluster/stop.sh first"
fi
for pidfile in "$CLUSTER_DIR"/node-*.pid; do
  [[ -e $pidfile ]] || continue
  ours "$pidfile" "$OPENDATA serve" && die "a node of $CLUSTER_DIR is still running ($pidfile); stop.sh first"
  rm -f "$pidfile"
done
if curl -s -o /dev/null -m 2 "http://127.0.0.1:$CLUSTER_PORT/"; then
  die "something else answers on 127.0.0.1:$CLUSTER_PORT; set CLUSTER_PORT"
fi
mkdir -p "$CLUSTER_DIR" "$NGINX_PREFIX"/temp "$NGINX_PREFIX"/cache

# A failed start leaves nothing running: whatever came up is stopped again.
trap 'status=$?; if ((status != 0)); then "$ROOT/scripts/cluster/stop.sh" >/dev/null 2>&1 || true; fi' EXIT

if ((PUBLISH)); then
  log "publishing the packages not yet published (once, for every node)"
  "$OPENDATA" publish >"$CLUSTER_DIR/publish.log" 2>&1 ||
    { tail -n 20 "$CLUSTER_DIR/publish.log" >&2; die "publishing failed; see $CLUSTER_DIR/publish.log"; }
fi

free_port() { "$ROOT/.venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

ports=()
upstreams=""
for ((i = 1; i <= NODES; i++)); do
  port=$(free_port)
  ports+=("$port")
  # setsid: the node's gunicorn master leads its own process group, which stop.sh (and a
  # test killing a node) signals as a whole; nohup: it outlives this script's terminal.
  OPENDATA_ACCESS_LOG=$CLUSTER_DIR/node-$i.access.log nohup setsid "$OPENDATA" serve --no-publish \
    --host 127.0.0.1 --port "$port" --workers "$NODE_WORKERS" \
    >"$CLUSTER_DIR/node-$i.log" 2>&1 </dev/null &
  echo $! >"$CLUSTER_DIR/node-$i.pid"
  echo "$port" >"$CLUSTER_DIR/node-$i.port"
  upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
done

deadline=$((SECONDS + START_TIMEOUT))
for ((i = 1; i <= NODES; i++)); do
  until curl -fs -o /dev/null -m 2 "http://127.0.0.1:${ports[i - 1]}/api/v1/"; do
    if ! ours "$CLUSTER_DIR/node-$i.pid" "$OPENDATA serve"; then
      tail -n 20 "$CLUSTER_DIR/node-$i.log" >&2
      die "node $i exited during start-up; see $CLUSTER_DIR/node-$i.log"
    fi
    ((SECONDS < deadline)) || die "node $i did not answer within ${START_TIMEOUT}s"
    sleep 0.2
  done
done
log "$NODES node(s) up on ports ${ports[*]} ($NODE_WORKERS worker(s) each)"

# nginx switches its workers to `user` only when started as root; then they must own the cache.
NGINX_USER_LINE=""
if ((EUID == 0)); then
  NGINX_USER_LINE="user $(id -un) $(id -gn);"
fi
export NGINX_USER_LINE NGINX_PREFIX CLUSTER_PORT UPSTREAM_SERVERS=$upstreams
export NGINX_WORKERS=${NGINX_WORKERS:-auto} CACHE_MAX_SIZE=${CACHE_MAX_SIZE:-1g}
export CLIENT_MAX_BODY=$((${OPENDATA_MAX_UPLOAD_BYTES:-50000000} + 1048576))
# A request is tried on every node before the client sees an error.
export NEXT_UPSTREAM_TRIES=$NODES
envsubst '${NGINX_USER_LINE} ${NGINX_WORKERS} ${NGINX_PREFIX} ${CLIENT_MAX_BODY} ${CACHE_MAX_SIZE}
  ${UPSTREAM_SERVERS} ${CLUSTER_PORT} ${NEXT_UPSTREAM_TRIES}' \
  <"$ROOT/scripts/cluster/nginx.conf.template" >"$NGINX_CONF"
"$NGINX" -t -q -p "$NGINX_PREFIX/" -c "$NGINX_CONF" -e "$NGINX_PREFIX/error.log" ||
  die "nginx refused $NGINX_CONF"
"$NGINX" -p "$NGINX_PREFIX/" -c "$NGINX_CONF" -e "$NGINX_PREFIX/error.log"
until curl -fs -o /dev/null -m 2 "http://127.0.0.1:$CLUSTER_PORT/api/v1/"; do
  ((SECONDS < deadline)) || die "nginx did not answer on 127.0.0.1:$CLUSTER_PORT; see $NGINX_PREFIX/error.log"
  sleep 0.2
done

nodes=""
for port in "${ports[@]}"; do nodes+="http://127.0.0.1:$port "; done
cat >"$CLUSTER_DIR/env" <<EOF
CLUSTER_URL=http://127.0.0.1:$CLUSTER_PORT
CLUSTER_NODES="${nodes% }"
EOF
log "nginx (pid $(<"$NGINX_PIDFILE")) on http://127.0.0.1:$CLUSTER_PORT in front of them"
echo "$CLUSTER_DIR/env"
