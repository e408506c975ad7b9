# Shared by start.sh and stop.sh: where the cluster keeps its files, and which pids are ours.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER_DIR=${CLUSTER_DIR:-$ROOT/var/cluster}
NGINX_PREFIX=$CLUSTER_DIR/nginx
NGINX_CONF=$NGINX_PREFIX/nginx.conf
NGINX_PIDFILE=$NGINX_PREFIX/nginx.pid
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
OPENDATA=$ROOT/.venv/bin/opendata

log() { echo "cluster: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# ours PIDFILE WORD: the pid file names a live process whose command line holds WORD, so a
# pid recycled by an unrelated process after a crash is never signalled.
ours() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$2"
}
