#!/usr/bin/env bash
# Install a real CKAN 2.12 for the integration tests, under <repo>/var/ckan.
#
# Idempotent and fast on re-run: every step checks first and skips what is
# done. Needs root (apt, PostgreSQL roles). Leaves PostgreSQL and redis
# running; stops the Solr stand-in again if it had to start it.
# Writes <repo>/var/ckan/env with CKAN_URL and CKAN_API_TOKEN.
set -euo pipefail

# shellcheck source=lib.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APT_PACKAGES=(postgresql redis-server libpq-dev libmagic1
  # to build psycopg2 and make CKAN's venv; curl for the health checks
  gcc python3.11-dev python3.11-venv curl)
PIP_REQUIREMENTS=("ckan[requirements]==2.12.0" "ckanext-dcat==2.4.4" "ckanext-harvest==1.6.3"
  # ckanext-harvest's own requirements.txt (pika only serves its RabbitMQ backend)
  "pika>=1.1.0,<1.3.0" "six>=1.12.0"
  # `ckan harvester run-test` imports CKAN's test helpers
  factory-boy pytest)
CKAN_PLUGINS="datastore dcat dcat_json_interface structured_data harvest ckan_harvester dcat_rdf_harvester"

[[ $(id -u) -eq 0 ]] || die "run as root (apt-get, PostgreSQL roles)"

install_apt_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    log "apt packages present"
    return 0
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

create_roles_and_databases() {
  psql_as_postgres postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$CKAN_DB_USER') THEN
    CREATE ROLE $CKAN_DB_USER LOGIN PASSWORD '$CKAN_DB_PASSWORD';
  ELSE
    ALTER ROLE $CKAN_DB_USER LOGIN PASSWORD '$CKAN_DB_PASSWORD';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DATASTORE_RO_USER') THEN
    CREATE ROLE $DATASTORE_RO_USER LOGIN PASSWORD '$DATASTORE_RO_PASSWORD';
  ELSE
    ALTER ROLE $DATASTORE_RO_USER LOGIN PASSWORD '$DATASTORE_RO_PASSWORD';
  END IF;
END
\$\$;
SQL
  local db
  for db in "$CKAN_DB" "$DATASTORE_DB"; do
    if [[ -z $(sql_value postgres "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      log "creating database $db"
      runuser -u postgres -- createdb -O "$CKAN_DB_USER" -E UTF8 -T template0 "$db"
    fi
  done
}

PIP_CHANGED=0
install_venv() {
  local stamp=$CKAN_VENV/.kanagawa-requirements wanted py
  wanted=$(printf '%s\n' "${PIP_REQUIREMENTS[@]}")
  if [[ -x $CKAN_VENV/bin/ckan && -f $stamp && $(<"$stamp") == "$wanted" ]]; then
    log "CKAN venv up to date: $CKAN_VENV"
    return 0
  fi
  py=/usr/bin/python3.11
  [[ -x $py ]] || py=$(command -v python3.11) || die "python3.11 not found"
  if [[ ! -x $CKAN_VENV/bin/python ]]; then
    log "creating venv $CKAN_VENV ($py)"
    "$py" -m venv "$CKAN_VENV"
  fi
  log "pip install ${PIP_REQUIREMENTS[*]} (log: $CKAN_VAR/pip.log)"
  if ! { "$CKAN_VENV/bin/pip" install -q --upgrade pip setuptools wheel &&
    "$CKAN_VENV/bin/pip" install -q "${PIP_REQUIREMENTS[@]}" &&
    "$CKAN_VENV/bin/pip" check; } >"$CKAN_VAR/pip.log" 2>&1; then
    grep -v "^WARNING: Location" "$CKAN_VAR/pip.log" | tail -n 30 >&2
    die "pip install failed"
  fi
  printf '%s\n' "$wanted" >"$stamp"
  PIP_CHANGED=1
}

write_config() {
  local settings stamp=$CKAN_VAR/.config-settings
  local pg=postgresql://$CKAN_DB_USER:$CKAN_DB_PASSWORD@127.0.0.1:$PG_PORT
  local pg_ro=postgresql://$DATASTORE_RO_USER:$DATASTORE_RO_PASSWORD@127.0.0.1:$PG_PORT
  settings=(
    "sqlalchemy.url=$pg/$CKAN_DB"
    "ckan.site_url=$CKAN_URL"
    "solr_url=$SOLR_URL"
    "ckan.redis.url=redis://127.0.0.1:$REDIS_PORT/0"
    "ckan.storage_path=$CKAN_VAR/storage"
    "ckan.max_resource_size=100"
    "ckan.plugins=$CKAN_PLUGINS"
    "ckan.datastore.write_url=$pg/$DATASTORE_DB"
    "ckan.datastore.read_url=$pg_ro/$DATASTORE_DB"
    "ckan.harvest.mq.type=redis"
    "ckan.harvest.mq.hostname=127.0.0.1"
    "ckan.harvest.mq.port=$REDIS_PORT"
    "ckan.harvest.mq.redis_db=0"
  )
  mkdir -p "$CKAN_VAR/storage"
  if [[ ! -f $CKAN_INI ]]; then
    log "ckan generate config $CKAN_INI"
    "$CKAN_VENV/bin/ckan" generate config "$CKAN_INI" >/dev/null
    rm -f "$stamp"
  fi
  if [[ -f $stamp && $(<"$stamp") == "$(printf '%s\n' "${settings[@]}")" ]]; then
    log "ckan.ini up to date: $CKAN_INI"
    return 0
  fi
  log "ckan config-tool $CKAN_INI (${#settings[@]} settings)"
  "$CKAN_VENV/bin/ckan" config-tool "$CKAN_INI" "${settings[@]}" >/dev/null
  printf '%s\n' "${settings[@]}" >"$stamp"
}

table_exists() { [[ -n $(sql_value "$1" "SELECT to_regclass('public.$2')") ]]; }

STARTED_SOLR_HERE=0
need_solr() {
  if ((STARTED_SOLR_HERE == 0)) && ! solr_up; then
    ensure_solr_standin
    STARTED_SOLR_HERE=1
  fi
}
stop_own_solr() {
  if ((STARTED_SOLR_HERE == 1)); then
    stop_pidfile "$SOLR_PIDFILE" solr_standin.py "the Solr stand-in" || true
  fi
}
trap stop_own_solr EXIT

init_databases() {
  if ! table_exists "$CKAN_DB" package; then
    need_solr
    log "ckan db init"
    ckan_cli db init
  elif ((PIP_CHANGED == 1)); then
    need_solr
    log "ckan db upgrade (CKAN was (re)installed)"
    ckan_cli db upgrade
  fi
  # set-permissions creates the _table_metadata view and grants the read-only role
  if ! table_exists "$DATASTORE_DB" _table_metadata || ((PIP_CHANGED == 1)); then
    need_solr
    log "ckan datastore set-permissions"
    ckan_cli datastore set-permissions | psql_as_postgres postgres
  fi
  if ! table_exists "$CKAN_DB" harvest_source || ((PIP_CHANGED == 1)); then
    need_solr
    log "ckan db upgrade -p harvest"
    ckan_cli db upgrade -p harvest
  fi
}

ensure_sysadmin() {
  local state password
  state=$(sql_value "$CKAN_DB" "SELECT sysadmin FROM \"user\" WHERE name = '$CKAN_ADMIN' AND state = 'active'")
  if [[ -z $state ]]; then
    need_solr
    password=$("$CKAN_VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))')
    log "ckan user add $CKAN_ADMIN (password in $CKAN_VAR/admin-password)"
    ckan_cli user add "$CKAN_ADMIN" "email=$CKAN_ADMIN@example.org" "password=$password" >/dev/null
    (umask 077 && printf '%s\n' "$password" >"$CKAN_VAR/admin-password")
  fi
  if [[ $state != t ]]; then
    need_solr
    log "ckan sysadmin add $CKAN_ADMIN"
    ckan_cli sysadmin add "$CKAN_ADMIN" >/dev/null
  fi
}

# Prints nothing unless TOKEN (JWT, HS256) is signed with this ckan.ini's
# SECRET_KEY and its jti is a live API token row of the sysadmin.
token_still_valid() {
  local token=$1 secret jti
  secret=$(sed -n 's/^SECRET_KEY = //p' "$CKAN_INI")
  jti=$("$CKAN_VENV/bin/python" - "$token" "$secret" <<'PY'
import base64, hashlib, hmac, json, sys
token, secret = sys.argv[1], sys.argv[2]
try:
    head, body, sig = token.split(".")
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    if hmac.compare_digest(base64.urlsafe_b64encode(mac).rstrip(b"=").decode(), sig):
        print(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["jti"])
except (ValueError, KeyError):
    pass
PY
  )
  [[ $jti =~ ^[A-Za-z0-9_-]+$ ]] || return 1
  [[ -n $(sql_value "$CKAN_DB" "SELECT 1 FROM api_token t JOIN \"user\" u ON u.id = t.user_id
    WHERE t.id = '$jti' AND u.name = '$CKAN_ADMIN' AND u.state = 'active'") ]]
}

write_env_file() {
  local token=""
  if [[ -f $CKAN_ENV_FILE ]]; then
    token=$(sed -n 's/^CKAN_API_TOKEN=//p' "$CKAN_ENV_FILE")
  fi
  if [[ -n $token ]] && token_still_valid "$token"; then
    log "API token in $CKAN_ENV_FILE still valid"
  else
    need_solr
    log "ckan user token add $CKAN_ADMIN kanagawa-tests"
    token=$(ckan_cli user token add "$CKAN_ADMIN" kanagawa-tests | tail -n 1 | tr -d '[:space:]')
    [[ $token == *.*.* ]] || die "could not read the API token from 'ckan user token add'"
  fi
  local tmp=$CKAN_ENV_FILE.tmp
  (umask 077 && cat >"$tmp" <<EOF
# Local CKAN test instance, written by scripts/ckan/install.sh. Source it.
CKAN_URL=$CKAN_URL
CKAN_API_TOKEN=$token
EOF
  )
  mv "$tmp" "$CKAN_ENV_FILE"
}

main() {
  local t0=$SECONDS
  mkdir -p "$CKAN_VAR"
  install_apt_packages
  ensure_postgres
  ensure_redis
  create_roles_and_databases
  install_venv
  write_config
  init_databases
  ensure_sysadmin
  write_env_file
  log "install done in $((SECONDS - t0)) s; env file: $CKAN_ENV_FILE"
}

main "$@"
