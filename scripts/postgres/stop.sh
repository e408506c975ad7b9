#!/usr/bin/env bash
# Stop the PostgreSQL cluster if, and only if, scripts/postgres/start.sh started it.
# A cluster that was already running (for CKAN, or a system service) is left alone, and
# so are the databases: the next start.sh finds them as they were.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ! -s $PG_STARTED_MARK ]]; then
  pg_log "PostgreSQL was not started by scripts/postgres/start.sh; leaving it alone"
  exit 0
fi
read -r ver name <"$PG_STARTED_MARK"
if pg_up; then
  pg_log "stopping PostgreSQL $ver/$name"
  pg_ctlcluster "$ver" "$name" stop
fi
rm -f "$PG_STARTED_MARK"
