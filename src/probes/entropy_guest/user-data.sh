#!/bin/sh
# scs-check, scs-0101 entropy probe: the guest side. cloud-init runs this once on the test VM
# (user data); scs-check reads the results from the VM's console log. It needs no network.
#
# Every result is one console line `scs-check-entropy: KEY=VALUE #CRC`, CRC being the POSIX
# cksum of `KEY=VALUE`, so a line garbled by interleaved kernel output is detected, never
# misread. The whole report is printed twice, a few seconds apart, so one damaged copy does
# not lose a result. `end=N` closes each copy (N = results before it).
#
# Test hooks (cloud-init sets none of them): SCS_ENTROPY_SOURCE (default /dev/random),
# SCS_ENTROPY_FIPS_TOOL (auto, rngtest or python3), SCS_ENTROPY_OUT (default /dev/console),
# SCS_ENTROPY_REPEAT_DELAY (seconds between the copies, default 3).

export LC_ALL=C
source=${SCS_ENTROPY_SOURCE:-/dev/random}
out=${SCS_ENTROPY_OUT:-/dev/console}
{ : >>"$out"; } 2>/dev/null || out=/dev/stdout
records=
count=0

say() {
    sum=$(printf '%s' "$1" | cksum | cut -d ' ' -f 1)
    printf 'scs-check-entropy: %s #%s\n' "$1" "$sum" >>"$out"
}

record() {
    value=$(printf '%s' "$2" | tr -s '\t\n' '  ' | tr -cd ' -~')
    say "$1=${value:-none}"
    records="$records$1=${value:-none}
"
    count=$((count + 1))
}

first_line() {
    { head -n 1 "$1"; } 2>/dev/null
}

rngd_state() {
    for comm in /proc/[0-9]*/comm; do
        name=$(first_line "$comm")
        if [ "$name" = rngd ]; then
            echo running
            return
        fi
    done
    if command -v rngd >/dev/null 2>&1 || [ -x /usr/sbin/rngd ] || [ -x /sbin/rngd ]; then
        echo installed-not-running
    else
        echo not-installed
    fi
}

# Prints `successes=N failures=N monobit=N poker=N runs=N long_run=N continuous_run=N`
# (blocks failing each test), or the tool's last line when it gave no result.
fips_rngtest() {
    log=$($limit rngtest -c 1000 <"$source" 2>&1)
    summary=$(printf '%s\n' "$log" | sed -n \
        -e 's/^rngtest: FIPS 140-2 \(successes\|failures\): \([0-9][0-9]*\)$/\1=\2/p' \
        -e 's/^rngtest: FIPS 140-2([0-9-]*) \([A-Za-z ]*\): \([0-9][0-9]*\)$/\1=\2/p' |
        tr 'A-Z ' 'a-z_' | tr '\n' ' ')
    case $summary in
    *failures=*) echo "$summary" ;;
    *) printf '%s\n' "$log" | tail -n 1 ;;
    esac
}

# The same tests as rngtest (FIPS 140-2 as of the 2001-10-10 change notice, on 1000 blocks
# of 20000 bits, after 32 bits that seed the continuous run test), for images without it.
fips_python() {
    $limit python3 - "$source" 2>&1 <<'SCS_FIPS_PY' | tail -n 1
import sys
from collections import Counter

BLOCKS = 1000
BLOCK_BYTES = 2500
RUN_BOUNDS = ((2315, 2685), (1114, 1386), (527, 723), (240, 384), (103, 209), (103, 209))
TESTS = ("monobit", "poker", "runs", "long_run", "continuous_run")


def read_exact(stream, size):
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def runs_fail(pieces):
    """pieces: the runs of one bit value (with empty strings between adjacent separators)."""
    lengths = Counter(len(piece) for piece in pieces if piece)
    buckets = [lengths[n] for n in range(1, 6)] + [sum(c for n, c in lengths.items() if n >= 6)]
    out_of_bounds = any(not low <= got <= high for got, (low, high) in zip(buckets, RUN_BOUNDS))
    return out_of_bounds, max(lengths, default=0) >= 26


def failed_tests(block, last_word):
    failed = set()
    bits = bin(int.from_bytes(block, "big"))[2:].zfill(BLOCK_BYTES * 8)
    ones = bits.count("1")
    if ones <= 9725 or ones >= 10275:
        failed.add("monobit")
    nibbles = Counter(block.hex() if hasattr(block, "hex") else bits)
    squares = sum(count * count for count in nibbles.values())
    if not 1563176 <= squares <= 1576928:
        failed.add("poker")
    zero_bad, zero_long = runs_fail(bits.split("1"))
    one_bad, one_long = runs_fail(bits.split("0"))
    if zero_bad or one_bad:
        failed.add("runs")
    if zero_long or one_long:
        failed.add("long_run")
    for start in range(0, BLOCK_BYTES, 4):
        word = block[start:start + 4]
        if word == last_word:
            failed.add("continuous_run")
        last_word = word
    return failed, last_word


def main(path):
    with open(path, "rb") as stream:
        last_word = read_exact(stream, 4)
        if len(last_word) < 4:
            print("error: {} gave no data".format(path))
            return 1
        per_test = Counter()
        successes = failures = 0
        for _ in range(BLOCKS):
            block = read_exact(stream, BLOCK_BYTES)
            if len(block) < BLOCK_BYTES:
                break
            failed, last_word = failed_tests(block, last_word)
            per_test.update(failed)
            if failed:
                failures += 1
            else:
                successes += 1
    fields = ["successes={}".format(successes), "failures={}".format(failures)]
    fields += ["{}={}".format(test, per_test[test]) for test in TESTS]
    print(" ".join(fields))
    return 0


sys.exit(main(sys.argv[1]))
SCS_FIPS_PY
}

record start 1
record kernel "$(uname -r)"
entropy=$(first_line /proc/sys/kernel/random/entropy_avail)
case $entropy in
'' | *[!0-9]*) record entropy_avail_error "cannot read /proc/sys/kernel/random/entropy_avail" ;;
*) record entropy_avail "$entropy" ;;
esac
record hwrng_available "$(first_line /sys/devices/virtual/misc/hw_random/rng_available)"
record hwrng_current "$(first_line /sys/devices/virtual/misc/hw_random/rng_current)"
record rngd "$(rngd_state)"

tool=${SCS_ENTROPY_FIPS_TOOL:-auto}
if [ "$tool" = auto ]; then
    if command -v rngtest >/dev/null 2>&1; then
        tool=rngtest
    elif command -v python3 >/dev/null 2>&1; then
        tool=python3
    else
        tool=none
    fi
fi
limit=
if command -v timeout >/dev/null 2>&1; then
    limit="timeout 240"
fi
record fips_tool "$tool"
case $tool in
rngtest) result=$(fips_rngtest) ;;
python3) result=$(fips_python) ;;
*) result="neither rngtest nor python3 is installed" ;;
esac
case $result in
*failures=*) ;;
*) record fips_error "$tool: ${result:-no output (timed out after 240 s?)}" ;;
esac
successes=
failures=
for field in $result; do
    case $field in
    successes=*) successes=${field#*=} ;;
    failures=*) failures=${field#*=} ;;
    esac
done
if [ -n "$failures" ] && [ -n "$successes" ]; then
    record fips_blocks "$((successes + failures))"
    record fips_failures "$failures"
    record fips_tests "$(echo "$result" | tr ' ' '\n' | grep -v '^successes=\|^failures=' | tr '\n' ' ' | sed 's/ *$//')"
fi
say "end=$count"

# The second copy: the same results, after the console has had time to settle.
sleep "${SCS_ENTROPY_REPEAT_DELAY:-3}"
printf '%s' "$records" | while IFS= read -r line; do say "$line"; done
say "end=$count"
exit 0
