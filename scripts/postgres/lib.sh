# shellcheck shell=bash
# shellcheck disable=SC2034  # settings used by the scripts that source this file
# PostgreSQL helpers shared by scripts/postgres/{start,stop}.sh and scripts/ckan/*.sh.
# Sourced, not run. The server is Debian's cluster (pg_lsclusters), on 127.0.0.1 only.
# The password below is for a throwaway database on loopback, not a secret.

PG_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PG_REPO_ROOT=$(cd "$PG_SCRIPTS/../.." && pwd)
PG_VAR=$PG_REPO_ROOT/var/postgres
PG_ENV_FILE=$PG_VAR/env
# Written when start.sh started the cluster, so that stop.sh stops only what it started.
PG_STARTED_MARK=$PG_VAR/started-cluster
PG_HOST=127.0.0.1
PG_PORT=${PG_PORT:-5432}

OPENDATA_DB_USER=opendata
OPENDATA_DB_PASSWORD=opendata_local
OPENDATA_DB=opendata
OPENDATA_TEST_DB=opendata_test

pg_log() { printf '[postgres %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pg_die() { pg_log "ERROR: $*"; exit 1; }

# psql as the postgres superuser: psql_as_postgres DB [psql args...]
psql_as_postgres() {
  local db=$1
  shift
  runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# One scalar answer from SQL: sql_value DB "SELECT ..."
sql_value() { psql_as_postgres "$1" -tA -c "$2"; }

# The first PostgreSQL cluster as "VERSION NAME" (Debian's pg_lsclusters).
pg_cluster() { pg_lsclusters -h | awk 'NR == 1 { print $1, $2 }'; }

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }

# Find (or create) Debian's cluster and start it unless it answers already.
# ensure_postgres [MARK]: when this call starts the cluster, write "VERSION NAME" to MARK.
ensure_postgres() {
  local mark=${1:-} cluster ver name i
  cluster=$(pg_cluster)
  if [[ -z $cluster ]]; then
    ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -1)
    [[ -n $ver ]] || pg_die "no PostgreSQL server installed (scripts/install-system-deps.sh postgresql)"
    pg_log "creating PostgreSQL cluster $ver/main"
    pg_createcluster "$ver" main --port "$PG_PORT" >/dev/null
    cluster="$ver main"
  fi
  read -r ver name <<<"$cluster"
  pg_up && return 0
  pg_log "starting PostgreSQL $ver/$name"
  pg_ctlcluster "$ver" "$name" start
  if [[ -n $mark ]]; then
    mkdir -p "$(dirname "$mark")"
    echo "$ver $name" >"$mark"
  fi
  for ((i = 0; i < 30; i++)); do
    pg_up && return 0
    sleep 0.5
  done
  pg_die "PostgreSQL $ver/$name did not come up on port $PG_PORT"
}
