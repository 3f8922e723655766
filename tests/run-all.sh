#!/usr/bin/env bash
# The whole test suite, as the README gives it and CI runs it:
#   1. the Zuul configuration against Zuul's own schemas, and its playbooks with Ansible
#      (tests/zuul/validate.sh installs Zuul and Ansible into a venv on first use),
#   2. unit and integration tests (no network beyond 127.0.0.1),
#   3. real OpenStack services on 127.0.0.1 (tests/e2e/openstack-up.sh installs them into a
#      venv on first use), with the workers that make servers, volumes and backups complete
#      (tests/e2e/workers.sh: RabbitMQ, Nova and Cinder workers; only where Debian's
#      rabbitmq-server is installed, as .ci/run does — otherwise the probe tests that need
#      them say "skipped"), and the end-to-end tests against them.
# The services are stopped again at the end unless they were already running before, or
# SCS_E2E_KEEP=1 is set (handy while developing: the next run then takes seconds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export SCS_E2E_STATE="${SCS_E2E_STATE:-/tmp/scs-e2e}"
running_before=0
if [[ -d "$SCS_E2E_STATE/run" ]] && compgen -G "$SCS_E2E_STATE/run/*.pid" >/dev/null; then
  for pidfile in "$SCS_E2E_STATE"/run/*.pid; do
    if kill -0 "$(cat "$pidfile")" 2>/dev/null; then running_before=1; break; fi
  done
fi

workers_running() {
  compgen -G "$SCS_E2E_STATE/run/workers/*.pid" >/dev/null || return 1
  local pidfile
  for pidfile in "$SCS_E2E_STATE"/run/workers/*.pid; do
    kill -0 "$(cat "$pidfile")" 2>/dev/null || return 1
  done
}

stop() {
  if [[ "$running_before" == 0 && "${SCS_E2E_KEEP:-0}" != 1 ]]; then
    echo "== stopping the services this run started"
    tests/e2e/workers.sh down "$SCS_E2E_STATE" || true
    tests/e2e/openstack-down.sh "$SCS_E2E_STATE" || true
  else
    echo "== leaving the services of $SCS_E2E_STATE running (running before: $running_before," \
      "SCS_E2E_KEEP=${SCS_E2E_KEEP:-0}); stop them with tests/e2e/workers.sh down and" \
      "tests/e2e/openstack-down.sh"
  fi
}
trap stop EXIT

echo "== Zuul configuration and playbooks"
bash tests/zuul/validate.sh

echo "== building and starting OpenStack services on 127.0.0.1 (state: $SCS_E2E_STATE)"
# Build while the services come up: both take minutes on a fresh machine.
cargo build --locked --tests &
build=$!
tests/e2e/openstack-up.sh "$SCS_E2E_STATE"
if workers_running; then
  echo "== workers already running"
elif [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
  echo "== starting RabbitMQ and the Nova and Cinder workers"
  tests/e2e/workers.sh up "$SCS_E2E_STATE"
else
  echo "NOTE: rabbitmq-server is not installed (apt-get install rabbitmq-server): no workers," \
    "so the probe tests that need servers, volumes or backups to complete say 'skipped'"
fi
wait "$build"

echo "== cargo test (unit, integration, end-to-end)"
cargo test --locked -- --include-ignored
