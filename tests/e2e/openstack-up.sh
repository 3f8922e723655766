#!/usr/bin/env bash
# Bring up real OpenStack API services (Keystone, Nova API, Glance, Placement, Cinder API,
# Neutron server, Barbican) on 127.0.0.1 with SQLite, for scs-check's end-to-end tests.
# See tests/e2e/README.md.
#
# usage: openstack-up.sh [--bench[=N]] [STATE_DIR]
#
#   STATE_DIR   default ${SCS_E2E_STATE:-/tmp/scs-e2e}
#   --bench[=N] after seeding, also run bench-seed.py (N flavors + N images, default 1000)
#
# Idempotent: if all services of STATE_DIR are running and answering, only the seed
# data is re-applied. Otherwise whatever is left is stopped, STATE_DIR is wiped
# (configs, databases, logs) and everything is started from scratch.
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

BENCH=""
STATE_ARG=""
while (($#)); do
  case "$1" in
    --bench) BENCH=1000 ;;
    --bench=*) BENCH="${1#--bench=}"
      [[ "$BENCH" =~ ^[0-9]+$ ]] || die "--bench=N needs a number (got '$BENCH')" ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) [[ -z "$STATE_ARG" ]] || die "only one STATE_DIR argument allowed"; STATE_ARG="$1" ;;
  esac
  shift
done

resolve_state_dir "$STATE_ARG"
TIMEOUT="${SCS_E2E_TIMEOUT:-180}"
PYTHON="${SCS_E2E_PYTHON:-python3}"
PACKAGES=(keystone nova glance openstack-placement cinder neutron barbican gunicorn)
CONSTRAINTS="$E2E_DIR/constraints.txt"
KS_URL="http://$HOST:${PORT[keystone]}/v3"
T0=$SECONDS

# --------------------------------------------------------------------------- venv

find_uv() {
  local uvdir
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  uvdir="${XDG_CACHE_HOME:-$HOME/.cache}/scs-check/uv"
  if [[ -x "$uvdir/bin/uv" ]]; then printf '%s\n' "$uvdir/bin/uv"; return 0; fi
  # --target bypasses Debian's "externally managed environment" refusal (PEP 668).
  log "installing uv into $uvdir (pip --target)" >&2
  if PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check --target "$uvdir" 'uv>=0.5,<1' >&2 \
      && [[ -x "$uvdir/bin/uv" ]]; then
    printf '%s\n' "$uvdir/bin/uv"
    return 0
  fi
  return 1
}

ensure_venv() {
  local pyexe want uv t
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set SCS_E2E_PYTHON)"
  pyexe="$("$PYTHON" -c 'import sys; print(sys.executable)')"
  local pyver
  pyver="$("$pyexe" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  [[ "$pyver" == 3.11 ]] || log "WARNING: $pyexe is Python $pyver; constraints.txt was made for 3.11"
  want="$({ cat "$CONSTRAINTS"; echo "${PACKAGES[*]}"; echo "$pyver"; } | sha256sum | cut -d' ' -f1)"
  if [[ -f "$VENV/.scs-e2e-complete" && "$(<"$VENV/.scs-e2e-complete")" == "$want" \
        && -x "$VENV/bin/gunicorn" ]]; then
    log "venv $VENV is complete, reusing it"
    return 0
  fi
  if [[ -e "$VENV" ]]; then
    if [[ -f "$VENV/pyvenv.cfg" ]] || [[ -z "$(ls -A "$VENV")" ]]; then
      log "venv $VENV is incomplete or was built from other constraints: recreating it"
      rm -rf "$VENV"
    else
      die "$VENV exists and is not a virtualenv; remove it or set SCS_E2E_VENV"
    fi
  fi
  mkdir -p "$(dirname "$VENV")"
  t=$SECONDS
  if uv="$(find_uv)"; then
    log "installing ${PACKAGES[*]} into $VENV with uv (takes about a minute)"
    UV_PYTHON_DOWNLOADS=never "$uv" venv --quiet --python "$pyexe" "$VENV"
    UV_PYTHON_DOWNLOADS=never "$uv" pip install --quiet --python "$VENV/bin/python" \
      --compile-bytecode -c "$CONSTRAINTS" "${PACKAGES[@]}" \
      || die "uv pip install failed (see the output above)"
  else
    log "uv unavailable, falling back to venv + pip (takes about two minutes)"
    "$pyexe" -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -c "$CONSTRAINTS" "${PACKAGES[@]}" \
      || die "pip install failed (see the output above)"
  fi
  printf '%s\n' "$want" >"$VENV/.scs-e2e-complete"
  log "venv ready in $((SECONDS - t)) s"
}

# --------------------------------------------------------------------------- state

all_running() {
  local svc
  for svc in "${SERVICES[@]}"; do
    service_pid "$svc" >/dev/null && service_answers "$svc" || return 1
  done
  [[ -f "$STATE_DIR/state.json" ]]
}

secret() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

fresh_state() {
  local svc
  stop_services "${SERVICES[@]}"
  rm -rf "$ETC_DIR" "$DATA_DIR" "$LOG_DIR" "$PID_DIR" \
    "$STATE_DIR/state.json" "$STATE_DIR/clouds.yaml" "$STATE_DIR/env.sh"
  mkdir -p "$ETC_DIR" "$DATA_DIR" "$LOG_DIR" "$PID_DIR"
  chmod 700 "$STATE_DIR"
  for svc in "${SERVICES[@]}"; do mkdir -p "$ETC_DIR/$svc" "$DATA_DIR/$svc"; done

  ADMIN_PASSWORD="$(secret)"
  SERVICE_PASSWORD="$(secret)"
  KEK="$(head -c 32 /dev/urandom | base64 -w0)"
  umask 077
  cat >"$STATE_DIR/state.json" <<EOF
{
  "host": "$HOST",
  "region": "RegionOne",
  "keystone_url": "$KS_URL",
  "ports": {
    "keystone": ${PORT[keystone]}, "nova": ${PORT[nova]}, "glance": ${PORT[glance]},
    "placement": ${PORT[placement]}, "cinder": ${PORT[cinder]}, "neutron": ${PORT[neutron]},
    "barbican": ${PORT[barbican]}
  },
  "passwords": {
    "admin": "$ADMIN_PASSWORD",
    "service": "$SERVICE_PASSWORD",
    "scs-good-member": "$(secret)",
    "scs-bad-member": "$(secret)",
    "scs-bench-member": "$(secret)"
  }
}
EOF
  umask 022
}

# --------------------------------------------------------------------------- configs

authtoken() { # $1 = service user name
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
username = $1
password = $SERVICE_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
interface = public
service_token_roles_required = true
EOF
}

sqlite_url() { printf 'sqlite:///%s/%s.db' "$DATA_DIR" "$1"; }

write_configs() {
  local share="$VENV/etc" e="$ETC_DIR" d="$DATA_DIR" l="$LOG_DIR"

  # Keystone
  mkdir -p "$e/keystone/fernet-keys" "$e/keystone/credential-keys"
  cat >"$e/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file = $l/keystone.log
[database]
connection = $(sqlite_url keystone)
sqlite_synchronous = false
[token]
provider = fernet
expiration = 14400
[fernet_tokens]
key_repository = $e/keystone/fernet-keys
[fernet_receipts]
key_repository = $e/keystone/fernet-keys
[credential]
key_repository = $e/keystone/credential-keys
[identity]
password_hash_rounds = 4
max_password_length = 72
[cache]
enabled = true
backend = dogpile.cache.memory
EOF

  # Nova API
  cp "$share/nova/api-paste.ini" "$e/nova/api-paste.ini"
  cat >"$e/nova/nova.conf" <<EOF
[DEFAULT]
transport_url = fake://
my_ip = $HOST
host = scs-e2e
state_path = $d/nova
log_file = $l/nova.log
enabled_apis = osapi_compute
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $e/nova/api-paste.ini
[api_database]
connection = $(sqlite_url nova_api)
sqlite_synchronous = false
[database]
connection = $(sqlite_url nova)
sqlite_synchronous = false
[oslo_concurrency]
lock_path = $d/nova/lock
[placement]
auth_type = password
auth_url = $KS_URL
username = nova
password = $SERVICE_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
valid_interfaces = public
[neutron]
auth_type = password
auth_url = $KS_URL
username = nova
password = $SERVICE_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
valid_interfaces = public
[cinder]
os_region_name = RegionOne
[scheduler]
discover_hosts_in_cells_interval = -1
$(authtoken nova)
EOF

  # Glance
  cp "$share/glance/glance-api-paste.ini" "$e/glance/glance-api-paste.ini"
  mkdir -p "$d/glance/images" "$d/glance/staging" "$d/glance/tasks"
  cat >"$e/glance/glance-api.conf" <<EOF
[DEFAULT]
log_file = $l/glance.log
enabled_backends = fs:file
worker_self_reference_url = http://$HOST:${PORT[glance]}
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $d/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = $d/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = $d/glance/tasks/
[database]
connection = $(sqlite_url glance)
sqlite_synchronous = false
[paste_deploy]
flavor = keystone
config_file = $e/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $d/glance/lock
$(authtoken glance)
EOF

  # Placement
  cat >"$e/placement/placement.conf" <<EOF
[DEFAULT]
log_file = $l/placement.log
[api]
auth_strategy = keystone
[placement_database]
connection = $(sqlite_url placement)
sqlite_synchronous = false
$(authtoken placement)
EOF

  # Cinder API
  cp "$share/cinder/api-paste.ini" "$share/cinder/resource_filters.json" "$e/cinder/"
  cat >"$e/cinder/cinder.conf" <<EOF
[DEFAULT]
auth_strategy = keystone
transport_url = fake://
my_ip = $HOST
host = scs-e2e
state_path = $d/cinder
log_file = $l/cinder.log
api_paste_config = $e/cinder/api-paste.ini
resource_query_filters_file = $e/cinder/resource_filters.json
[database]
connection = $(sqlite_url cinder)
sqlite_synchronous = false
[oslo_concurrency]
lock_path = $d/cinder/lock
$(authtoken cinder)
EOF

  # Neutron server (ML2, no agents)
  cp "$share/neutron/api-paste.ini" "$e/neutron/api-paste.ini"
  cat >"$e/neutron/neutron.conf" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = fake://
host = scs-e2e
state_path = $d/neutron
log_file = $l/neutron.log
api_paste_config = $e/neutron/api-paste.ini
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
[database]
connection = $(sqlite_url neutron)
sqlite_synchronous = false
[oslo_concurrency]
lock_path = $d/neutron/lock
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = openvswitch
extension_drivers = port_security
[ml2_type_vxlan]
vni_ranges = 1:1000
[ml2_type_flat]
flat_networks = *
$(authtoken neutron)
EOF

  # Barbican
  cp "$share/barbican/barbican-api-paste.ini" "$e/barbican/barbican-api-paste.ini"
  cat >"$e/barbican/barbican.conf" <<EOF
[DEFAULT]
host_href = http://$HOST:${PORT[barbican]}
log_file = $l/barbican.log
db_auto_create = true
[database]
connection = $(sqlite_url barbican)
sqlite_synchronous = false
[secretstore]
enabled_secretstore_plugins = store_crypto
[crypto]
enabled_crypto_plugins = simple_crypto
[simple_crypto_plugin]
kek = $KEK
[oslo_policy]
enforce_new_defaults = true
enforce_scope = true
$(authtoken barbican)
EOF
}

# --------------------------------------------------------------------------- databases

# Each runs in a background subshell with stdout/stderr in logs/<svc>-dbsync.log.
init_db_keystone() {
  local km=("$VENV/bin/keystone-manage" --config-file "$ETC_DIR/keystone/keystone.conf")
  "${km[@]}" db_sync
  "${km[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  "${km[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  "${km[@]}" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-admin-url "$KS_URL" --bootstrap-internal-url "$KS_URL" \
    --bootstrap-public-url "$KS_URL" --bootstrap-region-id RegionOne
}
init_db_nova() {
  local nm=("$VENV/bin/nova-manage" --config-file "$ETC_DIR/nova/nova.conf")
  "${nm[@]}" api_db sync
  "${nm[@]}" cell_v2 map_cell0 --database_connection "$(sqlite_url nova_cell0)"
  "${nm[@]}" db sync
  "${nm[@]}" cell_v2 create_cell --name cell1 --transport-url fake:// \
    --database_connection "$(sqlite_url nova)"
}
init_db_glance() {
  "$VENV/bin/glance-manage" --config-file "$ETC_DIR/glance/glance-api.conf" db_sync
}
init_db_placement() {
  "$VENV/bin/placement-manage" --config-file "$ETC_DIR/placement/placement.conf" db sync
}
init_db_cinder() {
  "$VENV/bin/cinder-manage" --config-file "$ETC_DIR/cinder/cinder.conf" db sync
}
init_db_neutron() {
  "$VENV/bin/python" "$E2E_LIB/dbtool.py" neutron-schema "$(sqlite_url neutron)"
  "$VENV/bin/neutron-db-manage" --config-file "$ETC_DIR/neutron/neutron.conf" stamp heads
}
init_db_barbican() {
  : # barbican-api creates its schema on start (db_auto_create = true)
}

# --------------------------------------------------------------------------- processes

start_service() {
  local svc="$1"
  # gunicorn's error log and the redirected stdout/stderr share one file (both append).
  # shellcheck disable=SC2094
  SCS_E2E_SERVICE="$svc" SCS_E2E_CONFIG_DIR="$ETC_DIR/$svc" \
    nohup "$VENV/bin/gunicorn" \
    --bind "$HOST:${PORT[$svc]}" \
    --workers 1 --timeout 300 --graceful-timeout 10 \
    --name "scs-e2e-$svc" \
    --pythonpath "$E2E_LIB" \
    --access-logfile "$LOG_DIR/$svc-access.log" \
    --access-logformat '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"' \
    --error-logfile "$LOG_DIR/$svc-gunicorn.log" \
    --capture-output \
    scs_e2e_wsgi:application \
    </dev/null >>"$LOG_DIR/$svc-gunicorn.log" 2>&1 9>&- &
  printf '%s\n' "$!" >"$(pid_file "$svc")"
}

show_log_tail() {
  local f="$1"
  [[ -s "$f" ]] || return 0
  printf -- '----- last lines of %s -----\n' "$f" >&2
  tail -n 25 "$f" >&2
  printf -- '-----\n' >&2
}

fail_service() { # $1 service, $2 reason, $3... logs to show
  local svc="$1" reason="$2" f job
  shift 2
  for f in "$@"; do show_log_tail "$f"; done
  printf '[scs-e2e] ERROR: %s: %s (logs: %s)\n' "$svc" "$reason" "$*" >&2
  printf '[scs-e2e] stopping the services started so far\n' >&2
  # Database initialisations still running would start their service after we exit:
  # stop those subshells (our children) and the command each is running first.
  for job in "${JOB[@]}"; do
    local kids=()
    mapfile -t kids < <(child_pids "$job")
    kill -TERM "$job" "${kids[@]}" 2>/dev/null || true
  done
  for job in "${JOB[@]}"; do wait "$job" 2>/dev/null || true; done
  stop_services "${SERVICES[@]}" >&2
  exit 1
}

declare -A JOB=() # service -> PID of its database-init-and-start subshell
bring_up() {
  local svc t_init=$SECONDS
  declare -A READY=()
  for svc in "${SERVICES[@]}"; do
    # shellcheck disable=SC2016  # $1 is expanded by the inner bash
    if timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "${PORT[$svc]}" 2>/dev/null; then
      die "port ${PORT[$svc]} ($svc) on $HOST is already in use by another process" \
        "(another STATE_DIR still running? stop it, or set SCS_E2E_PORT_BASE)"
    fi
  done
  log "writing configs to $ETC_DIR"
  write_configs
  local dbs=()
  for svc in keystone nova nova_api nova_cell0 glance placement cinder neutron barbican; do
    dbs+=("$DATA_DIR/$svc.db")
  done
  "$VENV/bin/python" "$E2E_LIB/dbtool.py" wal "${dbs[@]}"

  local ports=""
  for svc in "${SERVICES[@]}"; do ports+=" $svc=${PORT[$svc]}"; done
  log "initialising databases and starting services on $HOST:$ports"
  for svc in "${SERVICES[@]}"; do
    (
      set -e
      "init_db_$svc"
      start_service "$svc"
    ) >"$LOG_DIR/$svc-dbsync.log" 2>&1 &
    JOB[$svc]=$!
  done

  local deadline=$((SECONDS + TIMEOUT)) pid
  while ((${#READY[@]} < ${#SERVICES[@]})); do
    for svc in "${SERVICES[@]}"; do
      [[ -z "${READY[$svc]:-}" ]] || continue
      if [[ -n "${JOB[$svc]:-}" ]]; then
        kill -0 "${JOB[$svc]}" 2>/dev/null && continue # still initialising
        if ! wait "${JOB[$svc]}"; then
          unset "JOB[$svc]" # reaped: must not be signalled again
          fail_service "$svc" "database initialisation failed" "$LOG_DIR/$svc-dbsync.log"
        fi
        unset "JOB[$svc]"
        log "$svc: database ready, gunicorn started (pid $(<"$(pid_file "$svc")"))"
      fi
      pid="$(<"$(pid_file "$svc")")"
      if ! kill -0 "$pid" 2>/dev/null; then
        fail_service "$svc" "gunicorn (pid $pid) exited during start-up" \
          "$LOG_DIR/$svc-gunicorn.log" "$LOG_DIR/$svc.log"
      fi
      if service_answers "$svc"; then
        READY[$svc]=1
        log "$svc answers on http://$HOST:${PORT[$svc]}/ ($((SECONDS - t_init)) s)"
      fi
    done
    ((${#READY[@]} < ${#SERVICES[@]})) || break
    if ((SECONDS >= deadline)); then
      for svc in "${SERVICES[@]}"; do
        [[ -n "${READY[$svc]:-}" ]] && continue
        fail_service "$svc" "no answer on http://$HOST:${PORT[$svc]}/ within ${TIMEOUT} s" \
          "$LOG_DIR/$svc-dbsync.log" "$LOG_DIR/$svc-gunicorn.log" "$LOG_DIR/$svc.log"
      done
    fi
    sleep 0.5
  done
  log "all services answer ($((SECONDS - t_init)) s after database initialisation began)"
}

seed() {
  log "seeding (log: $LOG_DIR/seed.log)"
  if ! "$VENV/bin/python" "$E2E_DIR/seed.py" --state-dir "$STATE_DIR" 2>>"$LOG_DIR/seed.log"; then
    show_log_tail "$LOG_DIR/seed.log"
    die "seeding failed (see $LOG_DIR/seed.log)"
  fi
}

bench_seed() {
  [[ -n "$BENCH" ]] || return 0
  log "bench seeding $BENCH flavors and images (log: $LOG_DIR/bench-seed.log)"
  if ! "$VENV/bin/python" "$E2E_DIR/bench-seed.py" --state-dir "$STATE_DIR" -n "$BENCH" \
      2>>"$LOG_DIR/bench-seed.log"; then
    show_log_tail "$LOG_DIR/bench-seed.log"
    die "bench seeding failed (see $LOG_DIR/bench-seed.log)"
  fi
}

# --------------------------------------------------------------------------- main

lock_state_dir
log "state directory $STATE_DIR"
ensure_venv

if all_running; then
  log "all services of $STATE_DIR are already running: re-seeding only"
  seed
  bench_seed
else
  log "fresh start: stopping leftovers and wiping $STATE_DIR"
  fresh_state
  bring_up
  seed
  bench_seed
fi

cat <<EOF
[scs-e2e] ready in $((SECONDS - T0)) s:
  clouds.yaml  $STATE_DIR/clouds.yaml  (entries: scs-good, scs-good-appcred, scs-bad, scs-admin$(
    grep -q '^  scs-bench:' "$STATE_DIR/clouds.yaml" 2>/dev/null && printf ', scs-bench'))
  environment  source $STATE_DIR/env.sh
  keystone     $KS_URL
  logs         $LOG_DIR/<service>-access.log (one line per HTTP request)
  stop with    $E2E_DIR/openstack-down.sh $STATE_DIR
EOF
