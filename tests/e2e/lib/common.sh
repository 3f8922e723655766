# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared settings for openstack-up.sh / openstack-down.sh (sourced, not run).
#
# Environment knobs (all optional):
#   SCS_E2E_STATE      state directory (configs, databases, logs, PID files, clouds.yaml)
#                      default /tmp/scs-e2e; a positional STATE_DIR argument wins
#   SCS_E2E_VENV       virtualenv with the OpenStack services
#                      default $HOME/.cache/scs-check/e2e-venv
#   SCS_E2E_PORT_BASE  port base, default 30000: keystone = base+5357, nova = base+8774,
#                      glance = base+9292, placement = base+8778, cinder = base+8776,
#                      neutron = base+9696, barbican = base+9311 (base <= 55000)
#   SCS_E2E_PYTHON     interpreter used to create the venv (default python3, must be 3.11)
#   SCS_E2E_TIMEOUT    seconds to wait for all services to answer (default 120)

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E_LIB="$E2E_DIR/lib"

# Services in start order. Each: name, port offset, entry used by lib/scs_e2e_wsgi.py.
SERVICES=(keystone nova glance placement cinder neutron barbican)

declare -A PORT_OFFSET=(
  [keystone]=5357 [nova]=8774 [glance]=9292 [placement]=8778
  [cinder]=8776 [neutron]=9696 [barbican]=9311
)

PORT_BASE="${SCS_E2E_PORT_BASE:-30000}"
if ! [[ "$PORT_BASE" =~ ^[0-9]+$ ]] || ((PORT_BASE < 1024 || PORT_BASE > 55000)); then
  echo "ERROR: SCS_E2E_PORT_BASE must be an integer between 1024 and 55000 (got '$PORT_BASE')" >&2
  exit 2
fi

declare -A PORT=()
for _svc in "${SERVICES[@]}"; do
  PORT[$_svc]=$((PORT_BASE + PORT_OFFSET[$_svc]))
done
unset _svc

VENV="${SCS_E2E_VENV:-$HOME/.cache/scs-check/e2e-venv}"
HOST=127.0.0.1

log() { printf '[scs-e2e %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { printf '[scs-e2e] ERROR: %s\n' "$*" >&2; exit 1; }

# Resolve STATE_DIR from the first positional argument or the environment.
resolve_state_dir() {
  local dir="${1:-${SCS_E2E_STATE:-/tmp/scs-e2e}}"
  [[ -n "$dir" && "$dir" != "/" ]] || die "refusing to use '$dir' as state directory"
  mkdir -p "$dir"
  STATE_DIR="$(cd "$dir" && pwd)"
  PID_DIR="$STATE_DIR/run"
  LOG_DIR="$STATE_DIR/logs"
  ETC_DIR="$STATE_DIR/etc"
  DATA_DIR="$STATE_DIR/data"
}

pid_file() { printf '%s/%s.pid' "$PID_DIR" "$1"; }

# Serialise openstack-up.sh / openstack-down.sh runs on one STATE_DIR (fd 9 holds the
# lock until the script exits; started services must not inherit it: see 9>&-).
lock_state_dir() {
  command -v flock >/dev/null 2>&1 || { log "WARNING: flock not found, not locking $STATE_DIR"; return 0; }
  exec 9>"$STATE_DIR/.lock"
  if ! flock -n 9; then
    log "waiting for another openstack-up.sh/openstack-down.sh on $STATE_DIR (up to 600 s)"
    flock -w 600 9 || die "$STATE_DIR is still locked by another run after 600 s"
  fi
}

# Print the PID of a service if its PID file names a live process, else fail.
service_pid() {
  local f pid
  f="$(pid_file "$1")"
  [[ -s "$f" ]] || return 1
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against PID reuse: the process must still be our gunicorn master
  # (its title is "gunicorn: master [scs-e2e-<svc>]" once setproctitle ran).
  local cmd
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmd" == *"scs-e2e-$1"* || "$cmd" == *gunicorn* ]] || return 1
  printf '%s\n' "$pid"
}

# HTTP status code of GET / on a local port, using bash's /dev/tcp (no curl needed).
http_status() {
  local port="$1" line=""
  # shellcheck disable=SC2016
  line="$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET / HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nUser-Agent: scs-e2e-probe\r\n\r\n" "$1" >&3
    IFS= read -r status <&3 || exit 1
    printf "%s" "$status"
  ' _ "$port" 2>/dev/null)" || return 1
  [[ "$line" =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] || return 1
  printf '%s\n' "${BASH_REMATCH[1]}"
}

# True if the service answers GET / with 200 or 300 (version documents).
service_answers() {
  local code
  code="$(http_status "${PORT[$1]}")" || return 1
  [[ "$code" == 200 || "$code" == 300 ]]
}

# PIDs whose parent is $1 (reads /proc; procps may be absent on minimal images).
child_pids() {
  local parent="$1" stat line fields
  for stat in /proc/[0-9]*/stat; do
    { IFS= read -r line <"$stat"; } 2>/dev/null || continue
    # Format: pid (comm) state ppid ...; comm may contain spaces, so cut at the last ')'.
    read -r -a fields <<<"${line##*) }"
    [[ "${fields[1]:-}" == "$parent" ]] && printf '%s\n' "${line%% *}"
  done
  return 0
}

# Stop services by their PID files: SIGTERM to all, wait up to 15 s, then SIGKILL the
# stragglers (and their gunicorn workers). Only PIDs from our PID files are signalled.
stop_services() {
  local svc pid i
  declare -A live=()
  for svc in "$@"; do
    if pid="$(service_pid "$svc")"; then
      kill -TERM "$pid" 2>/dev/null || true
      live[$svc]=$pid
    else
      rm -f "$(pid_file "$svc")"
    fi
  done
  for ((i = 0; i < 150 && ${#live[@]} > 0; i++)); do
    for svc in "${!live[@]}"; do
      if ! kill -0 "${live[$svc]}" 2>/dev/null; then
        log "stopped $svc (pid ${live[$svc]})"
        rm -f "$(pid_file "$svc")"
        unset "live[$svc]"
      fi
    done
    ((${#live[@]} == 0)) || sleep 0.1
  done
  for svc in "${!live[@]}"; do
    pid="${live[$svc]}"
    local kids=()
    mapfile -t kids < <(child_pids "$pid")
    log "$svc (pid $pid) did not stop within 15 s: SIGKILL to it and its workers ${kids[*]}"
    kill -KILL "$pid" "${kids[@]}" 2>/dev/null || true
    rm -f "$(pid_file "$svc")"
  done
  return 0
}
