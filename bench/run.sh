#!/usr/bin/env bash
# Benchmark: `scs-check run` against the loopback OpenStack tier seeded with N flavors and N
# images (default 1000 each) in project scs-bench. Prints wall time per run, peak RSS, and the
# HTTP requests one run sent to each service (from the services' access logs), so that
# "every collection is listed once" is measured, not assumed. Not part of the test suite:
# numbers belong here, not in timed tests. Results are recorded in docs/design.md.
#
# usage: bench/run.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

n="${1:-1000}"
runs="${2:-10}"
state="${SCS_E2E_STATE:-/tmp/scs-e2e}"
scope=scopes/scs-compatible-iaas.yaml

tests/e2e/openstack-up.sh --bench="$n" "$state"
cargo build --release --locked
bin=target/release/scs-check
[[ -x /usr/bin/time ]] || { apt-get install -y -qq time >/dev/null; }
export OS_CLIENT_CONFIG_FILE="$state/clouds.yaml"
# --read-only: the benchmark measures reading the cloud, not the probes (docs/probes.md).
cmd=("$bin" -q run "$scope" --os-cloud scs-bench --json /dev/null --read-only)

echo "== warm-up"
"${cmd[@]}" || true

services=(keystone nova glance cinder neutron placement barbican)
declare -A before
for s in "${services[@]}"; do before[$s]=$(wc -l < "$state/logs/$s-access.log"); done
/usr/bin/time -q -f '%e s wall, %M KiB peak RSS' -o /tmp/scs-bench-time.txt "${cmd[@]}" || true
sleep 1  # access logs are written after the response
echo "== one run: $(cat /tmp/scs-bench-time.txt)"
echo "== requests of that run, per service"
for s in "${services[@]}"; do
  total=$(wc -l < "$state/logs/$s-access.log")
  delta=$((total - before[$s]))
  ((delta > 0)) || continue
  echo "  $s: $delta"
  tail -n "$delta" "$state/logs/$s-access.log" | awk '{print "    " $4, $5}' | sed 's/"//g' | sort | uniq -c
done

echo "== $runs runs"
for _ in $(seq "$runs"); do
  /usr/bin/time -q -f '%e %M' -a -o /tmp/scs-bench-runs.txt "${cmd[@]}" >/dev/null || true
done
summary() {
  awk '{ t += $1; if ($1 > tmax) tmax = $1; if ($2 > m) m = $2 }
       END { printf "  mean %.3f s, max %.3f s wall; peak RSS %d KiB\n", t / NR, tmax, m }' "$1"
  rm -f "$1"
}
summary /tmp/scs-bench-runs.txt

# The same facts replayed from a snapshot: what scs-check itself costs, without the
# services' answer times.
snapshot=$(mktemp --suffix=.json)
"${cmd[@]}" --record "$snapshot" >/dev/null || true
echo "== $runs replays of the recorded snapshot ($(du -h "$snapshot" | cut -f1))"
for _ in $(seq "$runs"); do
  /usr/bin/time -q -f '%e %M' -a -o /tmp/scs-bench-replays.txt \
    "$bin" -q run "$scope" --snapshot "$snapshot" --json /dev/null >/dev/null || true
done
summary /tmp/scs-bench-replays.txt
rm -f "$snapshot" /tmp/scs-bench-time.txt
