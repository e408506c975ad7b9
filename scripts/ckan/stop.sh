#!/usr/bin/env bash
# Stop the local CKAN test instance and the Solr stand-in started by start.sh.
# PostgreSQL and redis stay up (other work may use them). Idempotent.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stop_pidfile "$CKAN_PIDFILE" "$CKAN_INI" CKAN
stop_pidfile "$SOLR_PIDFILE" solr_standin.py "the Solr stand-in"
