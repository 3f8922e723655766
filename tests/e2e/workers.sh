#!/usr/bin/env bash
# Adds a message bus and the Cinder and Nova workers to a running loopback tier, so volumes
# become `available`, backups and restores complete (what the scs-0117 probe needs) and
# servers reach ACTIVE (the scs-0101 probe):
#
#   tests/e2e/workers.sh up   [STATE_DIR]   # RabbitMQ, cinder-scheduler/-volume/-backup,
#                                           # nova-conductor/-scheduler/-compute
#   tests/e2e/workers.sh down [STATE_DIR]   # stops them, Cinder and Nova API-only again
#
# Needs Debian's rabbitmq-server (`apt-get install rabbitmq-server`; not started by the
# package here) and the tier up (openstack-up.sh) on the same STATE_DIR and
# SCS_E2E_PORT_BASE. Ports: RabbitMQ base+5672, its distribution port base+5674, epmd
# base+4369, all on 127.0.0.1. Volumes are sparse files (lib/scs_e2e_volume.py), backups go
# to STATE_DIR/data/cinder/backups (POSIX driver). Servers run on Nova's fake virt driver
# (lib/scs_e2e_virt.py): no guest, no network ports (boot with `"networks": "none"`); their
# console shows STATE_DIR/data/nova/console.log if a test wrote one, else the fake driver's
# fixed three lines. A fresh openstack-up.sh rewrites cinder.conf and nova.conf: run
# `workers.sh up` again after it. PID files: STATE_DIR/run/workers/; each
# worker runs in its own process group, which `down` stops (SIGTERM, SIGKILL after 15 s).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

action="${1:-}"
[[ "$action" == up || "$action" == down ]] || die "usage: $0 up|down [STATE_DIR]"
resolve_state_dir "${2:-}"
WORKER_PIDS="$PID_DIR/workers"
RABBIT_DIR="$STATE_DIR/rabbit"
CONF="$ETC_DIR/cinder/cinder.conf"
NOVA_CONF="$ETC_DIR/nova/nova.conf"
WORKERS=(rabbitmq epmd cinder-scheduler cinder-volume cinder-backup
  nova-conductor nova-scheduler nova-compute)

reload_api() {
  local pid
  pid="$(service_pid "$1")" || die "the $1 API of $STATE_DIR is not running: run openstack-up.sh first"
  kill -HUP "$pid" # gunicorn starts new workers, which read the config again
}

# Points cell1 (where servers live) at a message bus: the API reads it from the database.
cell1_transport() { "$VENV/bin/python" "$E2E_LIB/dbtool.py" cell-transport "$DATA_DIR/nova_api.db" "$1"; }

down() {
  local name pidfile pid
  for name in "${WORKERS[@]}"; do
    pidfile="$WORKER_PIDS/$name.pid"
    [[ -f "$pidfile" ]] || continue
    pid="$(<"$pidfile")"
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  if [[ -f "$CONF.api-only" ]]; then
    mv "$CONF.api-only" "$CONF"
    # The tier may be down already (openstack-down.sh first): then there is nothing to reload.
    if service_pid cinder >/dev/null; then reload_api cinder; fi
  fi
  if [[ -f "$NOVA_CONF.api-only" ]]; then
    mv "$NOVA_CONF.api-only" "$NOVA_CONF"
    # Without a bus, the API must not wait for one: servers stay in BUILD, as before.
    cell1_transport fake://
    if service_pid nova >/dev/null; then reload_api nova; fi
  fi
  log "workers stopped; Cinder and Nova are API-only again"
}

# Runs a command in its own process group, logging to LOG_DIR/NAME.out.
start() {
  local name="$1"
  shift
  setsid "$@" </dev/null >>"$LOG_DIR/$name.out" 2>&1 9>&- &
  echo $! >"$WORKER_PIDS/$name.pid"
}

# Whether FILE got a line matching PATTERN after its first LINES lines.
logged_since() { tail -n "+$(($2 + 1))" "$1" 2>/dev/null | grep -q "$3"; }

wait_for() {
  local what="$1" seconds="$2"
  shift 2
  for _ in $(seq "$((seconds * 2))"); do "$@" && return 0; sleep 0.5; done
  die "$what did not come up within $seconds s (see $LOG_DIR)"
}

up() {
  local rabbit_port=$((PORT_BASE + 5672)) epmd_port=$((PORT_BASE + 4369))
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] \
    || die "RabbitMQ is not installed: apt-get install rabbitmq-server"
  [[ -f "$CONF" ]] || die "$CONF is missing: run openstack-up.sh first"
  service_pid cinder >/dev/null || die "the Cinder API of $STATE_DIR is not running: run openstack-up.sh first"
  down >/dev/null
  mkdir -p "$WORKER_PIDS" "$RABBIT_DIR/mnesia" "$DATA_DIR/cinder/backups"
  echo "listeners.tcp.1 = 127.0.0.1:$rabbit_port" >"$RABBIT_DIR/rabbitmq.conf"
  echo "[]." >"$RABBIT_DIR/enabled_plugins"
  (
    export HOME="$RABBIT_DIR" RABBITMQ_NODENAME="scs-e2e-$PORT_BASE@localhost"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$rabbit_port"
    export RABBITMQ_DIST_PORT=$((PORT_BASE + 5674)) ERL_EPMD_PORT="$epmd_port" ERL_EPMD_ADDRESS=127.0.0.1
    export RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia" RABBITMQ_LOG_BASE="$LOG_DIR"
    export RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins"
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    start epmd epmd -address 127.0.0.1 -port "$epmd_port"
    start rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
  )
  wait_for "RabbitMQ on 127.0.0.1:$rabbit_port" 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$rabbit_port" 2>/dev/null
  cp "$CONF" "$CONF.api-only"
  sed -i "s|^transport_url = fake://|transport_url = rabbit://guest:guest@127.0.0.1:$rabbit_port/\\
enabled_backends = file\\
backup_driver = cinder.backup.drivers.posix.PosixBackupDriver\\
backup_posix_path = $DATA_DIR/cinder/backups|" "$CONF"
  cat >>"$CONF" <<CONF
[file]
volume_driver = scs_e2e_volume.FileVolumeDriver
volume_backend_name = file
[privsep_osbrick]
helper_command = $VENV/bin/privsep-helper --config-file $CONF
[privsep]
helper_command = $VENV/bin/privsep-helper --config-file $CONF
CONF
  local worker volume_log_lines backup_log_lines
  volume_log_lines=$(wc -l 2>/dev/null <"$LOG_DIR/cinder-volume.log" || echo 0)
  backup_log_lines=$(wc -l 2>/dev/null <"$LOG_DIR/cinder-backup.log" || echo 0)
  for worker in scheduler volume backup; do
    PYTHONPATH="$E2E_LIB" start "cinder-$worker" \
      "$VENV/bin/cinder-$worker" --config-file "$CONF" --log-file "$LOG_DIR/cinder-$worker.log"
  done
  reload_api cinder
  up_nova "rabbit://guest:guest@127.0.0.1:$rabbit_port/"
  wait_for "cinder-volume" 90 logged_since "$LOG_DIR/cinder-volume.log" "$volume_log_lines" "Starting volume driver"
  wait_for "cinder-backup" 90 logged_since "$LOG_DIR/cinder-backup.log" "$backup_log_lines" "Starting cinder-backup node"
  sleep 5 # the services report to the scheduler once started
  log "RabbitMQ on 127.0.0.1:$rabbit_port, cinder-scheduler, -volume and -backup, nova-conductor, -scheduler and -compute running; stop with $0 down $STATE_DIR"
}

# nova-conductor, -scheduler and -compute on the bus at URL; returns once the compute host is
# mapped to cell1, so the scheduler can place servers on it.
up_nova() {
  local url="$1" worker
  [[ -f "$NOVA_CONF" ]] || die "$NOVA_CONF is missing: run openstack-up.sh first"
  cp "$NOVA_CONF" "$NOVA_CONF.api-only"
  # Nova authenticates to Cinder as its service user, and sends that user's token along
  # with the tenant's: Cinder lets only Nova detach a server's volume (boot from volume).
  local auth
  auth="auth_type = password
auth_url = $(awk -F' = ' '$1 == "auth_url" {print $2; exit}' "$NOVA_CONF")
username = nova
password = $(awk -F' = ' '$1 == "password" {print $2; exit}' "$NOVA_CONF")
project_name = service
user_domain_name = Default
project_domain_name = Default"
  sed -i "s|^transport_url = fake://|transport_url = $url\\
compute_driver = scs_e2e_virt.ConsoleFileDriver\\
vif_plugging_is_fatal = false\\
vif_plugging_timeout = 0|
s|^discover_hosts_in_cells_interval = -1|discover_hosts_in_cells_interval = 2|
/^\\[cinder\\]/r /dev/stdin" "$NOVA_CONF" <<<"$auth"
  printf '[service_user]\nsend_service_user_token = true\n%s\n' "$auth" >>"$NOVA_CONF"
  cell1_transport "$url"
  for worker in conductor scheduler; do
    start "nova-$worker" \
      "$VENV/bin/nova-$worker" --config-file "$NOVA_CONF" --log-file "$LOG_DIR/nova-$worker.log"
  done
  PYTHONPATH="$E2E_LIB" start nova-compute \
    "$VENV/bin/python" -m scs_e2e_virt --config-file "$NOVA_CONF" --log-file "$LOG_DIR/nova-compute.log"
  reload_api nova
  # nova-scheduler maps the new compute host to cell1 (discover_hosts_in_cells_interval).
  wait_for "nova-compute in cell1" 90 \
    "$VENV/bin/python" "$E2E_LIB/dbtool.py" host-mapped "$DATA_DIR/nova_api.db" scs-e2e
}

"$action"
