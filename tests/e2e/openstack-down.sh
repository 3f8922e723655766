#!/usr/bin/env bash
# Stop the services that openstack-up.sh started for STATE_DIR.
#
# usage: openstack-down.sh [STATE_DIR]     (default ${SCS_E2E_STATE:-/tmp/scs-e2e})
#
# Only the PIDs recorded in STATE_DIR/run/*.pid are signalled (SIGTERM, then SIGKILL
# after 15 s); nothing is killed by name. Configs, databases and logs are kept for
# inspection; the next openstack-up.sh wipes them.
set -euo pipefail

# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

case "${1:-}" in
  -h|--help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) die "unknown option $1" ;;
esac
(($# <= 1)) || die "usage: openstack-down.sh [STATE_DIR]"

dir="${1:-${SCS_E2E_STATE:-/tmp/scs-e2e}}"
if [[ ! -d "$dir" ]]; then
  log "$dir does not exist: nothing to stop"
  exit 0
fi
resolve_state_dir "$dir"
lock_state_dir

stop_services "${SERVICES[@]}"
log "all services of $STATE_DIR are stopped"
