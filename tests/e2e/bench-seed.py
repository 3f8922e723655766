#!/usr/bin/env python3
"""Add a large data set for benchmarks to the loopback OpenStack (run with the e2e venv).

usage: bench-seed.py [--state-dir DIR] [-n N] [--workers 8] [--no-upload]

Creates (idempotently) project scs-bench with user scs-bench-member (member + reader),
N private flavors bench-flavor-NNNN (access for scs-bench only, a few extra specs each)
and N community images bench-image-NNNN with SCS image properties, created by
scs-bench-member (members may not create public images; community images show up
in their owner's default image list only). Bench items numbered above N are deleted.
Adds the clouds.yaml entry `scs-bench`. Requests run in a thread pool (default 8).
"""

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed  # noqa: E402

PROJECT = "scs-bench"
FLAVOR_PREFIX = "bench-flavor-"
IMAGE_PREFIX = "bench-image-"
UPLOAD = b"\0" * 4096


def flavor_spec(i, width):
    vcpus = 1 << (i % 5)  # 1..16
    ram_gib = vcpus * (1 << (i % 3))  # 1..4 GiB per vCPU
    disk = (0, 10, 20, 50)[i % 4]
    specs = {
        "scs:cpu-type": ("shared-core", "dedicated-thread", "dedicated-core", "crowded-core")[i % 4],
        "hw_rng:allowed": "True",
        "bench:index": str(i),
        "quota:cpu_shares": str(1024 * vcpus),
    }
    if disk:
        specs["scs:disk0-type"] = "ssd" if i % 2 else "network"
    return {"name": f"{FLAVOR_PREFIX}{i:0{width}d}", "vcpus": vcpus, "ram": ram_gib * 1024,
            "disk": disk, "extra_specs": specs}


def image_spec(i, width, build_date):
    distro, version, user, source = (
        ("ubuntu", "24.04", "ubuntu", "https://cloud-images.ubuntu.com/releases/noble/"),
        ("debian", "12", "debian", "https://cloud.debian.org/images/cloud/bookworm/"),
        ("almalinux", "9", "almalinux", "https://repo.almalinux.org/almalinux/9/cloud/"),
    )[i % 3]
    fields = {"disk_format": "raw", "container_format": "bare", "min_disk": 5 + i % 20,
              "min_ram": 512}
    props = {
        "architecture": "x86_64", "hw_rng_model": "virtio", "hw_disk_bus": "scsi",
        "os_distro": distro, "os_version": version, "image_original_user": user,
        "image_source": source, "image_description": f"bench image {i} (scs-check e2e)",
        "image_build_date": build_date, "replace_frequency": "never",
        "provided_until": "none", "uuid_validity": "none", "os_purpose": "custom",
    }
    return f"{IMAGE_PREFIX}{i:0{width}d}", fields, props


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--state-dir", default=os.environ.get("SCS_E2E_STATE", "/tmp/scs-e2e"))
    ap.add_argument("-n", "--count", type=int, default=1000,
                    help="number of flavors and of images (default 1000)")
    ap.add_argument("--workers", type=int, default=8, help="parallel requests (default 8)")
    ap.add_argument("--no-upload", action="store_true",
                    help="create image records only (no size/checksum; faster)")
    args = ap.parse_args(argv)
    n, width = args.count, max(4, len(str(args.count)))
    t0 = time.monotonic()

    s = seed.State(args.state_dir)
    adm = seed.Admin(s)
    role = {r: adm.ensure_role(r) for r in ("member", "reader")}
    pid = adm.ensure_project(PROJECT, "scs-check e2e benchmark project")
    uname = f"{PROJECT}-member"
    password = s.passwords[uname]
    uid, created = adm.ensure_user(uname, password, PROJECT, pid)
    for r in role.values():
        adm.grant(pid, uid, r)
    if not created:
        adm.fix_password(uname, uid, password, PROJECT)
    seed.add_cloud_entry(s, PROJECT, seed.password_entry(s, uname, PROJECT))

    member = seed.make_session(s.auth_url, username=uname, password=password,
                               project_name=PROJECT)
    member.get_token()
    glance = seed.Api(member, s.url("glance", "/v2"))

    # What is there already.
    flavors = {f["name"]: f for f in seed.list_all_flavors(adm.nova)
               if f["name"].startswith(FLAVOR_PREFIX)}
    images = {}
    for img in seed.paginate(glance, "/images", "images",
                             params={"owner": pid, "limit": 1000}):
        if img["name"].startswith(IMAGE_PREFIX):
            if img["name"] in images:  # duplicate from an interrupted run
                glance.delete(f"/images/{img['id']}")
            else:
                images[img["name"]] = img
    seed.say(f"bench: {len(flavors)} bench flavors and {len(images)} bench images exist")

    build_date = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    want_flavors = [flavor_spec(i, width) for i in range(1, n + 1)]
    want_images = [image_spec(i, width, build_date) for i in range(1, n + 1)]
    want_f = {f["name"] for f in want_flavors}
    want_i = {name for name, _, _ in want_images}

    def do_flavor(spec):
        return seed.ensure_flavor(adm.nova, spec, [pid], flavors)

    def do_image(spec):
        name, fields, props = spec
        old = images.get(name)
        if old is not None and old.get("image_build_date"):
            props = dict(props, image_build_date=old["image_build_date"])
        return seed.ensure_image(glance, name, "community", fields, props, existing=old,
                                 build_date=props["image_build_date"],
                                 upload=not args.no_upload, data=UPLOAD)

    counts = {"flavors": 0, "images": 0, "deleted": 0}
    with ThreadPoolExecutor(args.workers) as pool:
        futs = {}
        # Interleave so that Nova and Glance work at the same time.
        for fspec, ispec in zip(want_flavors, want_images):
            futs[pool.submit(do_flavor, fspec)] = "flavors"
            futs[pool.submit(do_image, ispec)] = "images"
        for name, fl in flavors.items():
            if name not in want_f:
                futs[pool.submit(adm.nova.delete, f"/flavors/{fl['id']}")] = "deleted"
        for name, img in images.items():
            if name not in want_i:
                futs[pool.submit(glance.delete, f"/images/{img['id']}")] = "deleted"
        done = 0
        for fut in as_completed(futs):
            kind = futs[fut]
            result = fut.result()  # re-raises the first failure
            counts[kind] += 1 if kind == "deleted" else int(bool(result))
            done += 1
            if done % 250 == 0:
                seed.say(f"bench: {done}/{len(futs)} items checked "
                         f"({time.monotonic() - t0:.0f} s)")
    seed.say(f"bench: {n} flavors ({counts['flavors']} created), {n} images "
             f"({counts['images']} created), {counts['deleted']} surplus deleted, "
             f"clouds.yaml entry {PROJECT}, {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except seed.SeedError as e:
        print(f"bench-seed.py: ERROR: {e}", file=sys.stderr)
        sys.exit(1)
