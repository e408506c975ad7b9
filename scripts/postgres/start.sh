#!/usr/bin/env bash
# Start PostgreSQL for the service and its tests (idempotent).
#
# Starts Debian's cluster unless it already answers (creating it on a fresh machine),
# makes sure the role `opendata` and the databases `opendata` (the service) and
# `opendata_test` (the tests) exist, and writes var/postgres/env:
#   OPENDATA_TEST_DATABASE_URL  what tests/conftest.py publishes the test suite into
#   POSTGRES_SERVICE_URL        for `OPENDATA_DATABASE_URL=$POSTGRES_SERVICE_URL make run`
# Prints the env file's path on stdout.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v pg_lsclusters >/dev/null 2>&1 ||
  pg_die "PostgreSQL is not installed; run scripts/install-system-deps.sh postgresql"

ensure_postgres "$PG_STARTED_MARK"

# The role may create databases: the test suite makes one per run, so runs never share state.
if [[ -z $(sql_value postgres "SELECT 1 FROM pg_roles WHERE rolname = '$OPENDATA_DB_USER'") ]]; then
  pg_log "creating role $OPENDATA_DB_USER"
  psql_as_postgres postgres -c "CREATE ROLE $OPENDATA_DB_USER LOGIN CREATEDB PASSWORD '$OPENDATA_DB_PASSWORD'"
fi
for db in "$OPENDATA_DB" "$OPENDATA_TEST_DB"; do
  if [[ -z $(sql_value postgres "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
    pg_log "creating database $db"
    psql_as_postgres postgres -c "CREATE DATABASE $db OWNER $OPENDATA_DB_USER ENCODING 'UTF8' TEMPLATE template0"
  fi
done

base=postgresql://$OPENDATA_DB_USER:$OPENDATA_DB_PASSWORD@$PG_HOST:$PG_PORT
mkdir -p "$PG_VAR"
cat >"$PG_ENV_FILE.tmp" <<ENV
OPENDATA_TEST_DATABASE_URL=$base/$OPENDATA_TEST_DB
POSTGRES_SERVICE_URL=$base/$OPENDATA_DB
ENV
mv "$PG_ENV_FILE.tmp" "$PG_ENV_FILE"
echo "$PG_ENV_FILE"
