#!/usr/bin/env bash
# Derives damaged variants of a recorded entropy console (fixtures/console/*.log), to test
# that damage never turns into a verdict:
#   NAME-truncated.log   the log cut in the middle of the first report, inside a line, as a
#                        console read while the FIPS test still runs;
#   NAME-garbled.log     every result line loses one character before its checksum (a serial
#                        line dropping bytes), so nothing is intact;
#   NAME-interleaved.log every result line of the first copy cut in two by a kernel message,
#                        every second line of the second copy missing: still decidable.
# Usage: tests/entropy/derive-variants.sh fixtures/console/debian-bookworm-python.log
set -euo pipefail

log=$1
base=${log%.log}
marker='scs-check-entropy: '

awk -v marker="$marker" '
    index($0, marker) && /rngd=/ && !done { print; cut = 1; next }
    cut && !done { print substr($0, 1, 24); done = 1; exit }
    { print }
' "$log" >"$base-truncated.log"

awk -v marker="$marker" '
    index($0, marker) { at = index($0, " #"); $0 = substr($0, 1, at - 2) substr($0, at) }
    { print }
' "$log" >"$base-garbled.log"

awk -v marker="$marker" '
    index($0, marker) {
        seen++
        if (!second) {
            half = int(length($0) / 2)
            printf "%s[   42.%06d] random: crng reseeded on system resumption\n", substr($0, 1, half), seen
            print substr($0, half + 1)
        } else if (seen % 2) {
            print
        }
        if (/end=/) second = 1
        next
    }
    { print }
' "$log" >"$base-interleaved.log"
