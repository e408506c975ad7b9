#!/usr/bin/env bash
# Install the Debian packages a part of the project needs; safe to run again.
#   python-venv  the venv module Debian ships separately
#   browser      Chromium for the browser tests
#   office       LibreOffice Calc, which opens the CSV corpus in tests/test_csv_corpus.py
#   postgresql   the PostgreSQL server (scripts/postgres/start.sh; the CKAN test instance)
#   nginx        the load balancer and cache of scripts/cluster/ (tests/test_cluster.py); the
#                Debian package's own server is left as the package sets it up, the cluster
#                runs its own nginx process on its own port
#   bench        wrk, the load generator of the benchmarks in scripts/
set -euo pipefail
need=()
for part in "$@"; do
  case "$part" in
    python-venv) need+=(python3-venv) ;;
    browser) command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-noto-cjk) ;;
    office) command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc) ;;
    postgresql) command -v pg_lsclusters >/dev/null 2>&1 || need+=(postgresql) ;;
    nginx) command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx) ;;
    bench) command -v wrk >/dev/null 2>&1 || need+=(wrk) ;;
    *) echo "install-system-deps: unknown part '$part'" >&2; exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: need root to install: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
