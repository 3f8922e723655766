#!/usr/bin/env bash
# Records real serial consoles of a Debian VM running the scs-0101 entropy probe's user data
# (src/probes/entropy_guest/user-data.sh), for the fixtures in fixtures/console/.
#
# Not run in CI: needs root, debootstrap, qemu-system-x86, genisoimage and e2fsprogs, network
# access to a Debian mirror, and about ten minutes. Usage:
#   sudo tests/entropy/record-console.sh [WORK_DIR] [OUT_DIR]
# WORK_DIR (default /tmp/scs-entropy-record) keeps the root file system between runs.
# SUITE (default bookworm) and MIRROR choose the Debian release.
#
# Two guests, booted the way a cloud boots them (serial console ttyS0, cloud-init NoCloud
# seed carrying the user data, no network interface at all):
#   debian-<suite>-python.log   plain image: no rng-tools, so the Python FIPS test runs;
#   debian-<suite>-rngtest.log  rng-tools5 installed and a virtio RNG attached: rngtest
#                               runs, rngd feeds /dev/hwrng.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-/tmp/scs-entropy-record}
out=${2:-$repo/fixtures/console}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
root=$work/root
boot_timeout=${BOOT_TIMEOUT:-600}

# TCG by default: under nested virtualisation KVM guests hung at boot here. TCG's `max`
# CPU emulates RDRAND and RDSEED, as a cloud passing them through would. ACCEL=kvm for KVM.
accel=(-accel tcg -cpu max)
if [ "${ACCEL:-tcg}" = kvm ]; then
    accel=(-enable-kvm -cpu host)
fi

in_root() {
    chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
}

mounted=()
unmount_root() {
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount "${mounted[i]}" 2>/dev/null || true
    done
    mounted=()
}
trap unmount_root EXIT

mount_root() {
    for fs in proc sys dev; do
        mountpoint -q "$root/$fs" || { mount --bind "/$fs" "$root/$fs" && mounted+=("$root/$fs"); }
    done
}

build_root() {
    if [ -e "$root/etc/scs-record-ready" ]; then
        return
    fi
    rm -rf "$root"
    # Only essentials through debootstrap: its resolver misses virtual packages that
    # cloud-init's dependencies need; apt inside the root resolves them.
    debootstrap --variant=minbase --include=systemd-sysv,udev,kmod "$suite" "$root" "$mirror"
    mount_root
    in_root apt-get update
    in_root apt-get install -y --no-install-recommends \
        linux-image-amd64 initramfs-tools cloud-init python3 procps ifupdown
    echo "/dev/vda / ext4 defaults 0 1" >"$root/etc/fstab"
    echo "scs-entropy" >"$root/etc/hostname"
    # NoCloud only: a local seed, no metadata service to wait for.
    echo "datasource_list: [ NoCloud, None ]" >"$root/etc/cloud/cloud.cfg.d/90-scs-record.cfg"
    touch "$root/etc/scs-record-ready"
}

make_image() {
    local image=$1
    unmount_root
    cp -L "$root/vmlinuz" "$work/vmlinuz"
    cp -L "$root/initrd.img" "$work/initrd.img"
    rm -f "$image"
    mkfs.ext4 -q -F -L root -d "$root" "$image" 3G
}

make_seed() {
    local seed=$work/seed
    rm -rf "$seed" && mkdir -p "$seed"
    cp "$repo/src/probes/entropy_guest/user-data.sh" "$seed/user-data"
    printf 'instance-id: scs-entropy-%s\nlocal-hostname: scs-entropy\n' "$(date +%s)" >"$seed/meta-data"
    genisoimage -quiet -output "$work/seed.iso" -volid cidata -joliet -rock "$seed/user-data" "$seed/meta-data"
}

# Boots IMAGE, writes the serial console to LOG until the second end line and cloud-init's
# closing line appear (or the timeout), then stops the VM.
record() {
    local image=$1 log=$2
    shift 2
    rm -f "$log"
    qemu-system-x86_64 "${accel[@]}" -m 1024 -smp 2 -display none -monitor none \
        -serial "file:$log" -nic none \
        -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
        -append "root=/dev/vda rw console=tty0 console=ttyS0,115200" \
        -drive "file=$image,format=raw,if=virtio" \
        -drive "file=$work/seed.iso,format=raw,if=virtio,readonly=on" "$@" &
    local qemu=$! waited=0
    while [ "$waited" -lt "$boot_timeout" ] && kill -0 "$qemu" 2>/dev/null; do
        local ends
        ends=$(grep -c 'scs-check-entropy: end=' "$log" 2>/dev/null || true)
        if [ "${ends:-0}" -ge 2 ] &&
            grep -q 'Cloud-init v. .* finished at' "$log"; then
            break
        fi
        sleep 2
        waited=$((waited + 2))
    done
    sleep 2
    kill "$qemu" 2>/dev/null || true
    wait "$qemu" 2>/dev/null || true
    echo "recorded $log after ${waited}s"
}

mkdir -p "$work" "$out"
build_root
make_seed
make_image "$work/python.img"
record "$work/python.img" "$out/debian-$suite-python.log"

mount_root
in_root apt-get install -y --no-install-recommends rng-tools5
make_image "$work/rngtest.img"
record "$work/rngtest.img" "$out/debian-$suite-rngtest.log" \
    -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-pci,rng=rng0

kernel=$(basename "$(readlink -f "$root/vmlinuz")")
cloud_init=$(in_root dpkg-query -W -f '${Version}' cloud-init)
echo "Debian $suite ($(cat "$root/etc/debian_version")), $kernel, cloud-init $cloud_init, $(date -u +%F)"
