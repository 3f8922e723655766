#!/usr/bin/env python3
"""Smoke test of the loopback OpenStack with plain HTTP requests (run with the e2e venv).

usage: smoke.py [STATE_DIR]

Reads STATE_DIR/clouds.yaml and checks, as the tenants see it: token issue for
scs-good / scs-bad / scs-good-appcred, flavors with inline extra specs (compute 2.61),
images, Cinder volume types, Neutron default security-group rules, the Barbican
secret round trip, and the per-project catalog and flavor sets. Exit status 1 on failure.
"""

import json
import os
import sys

import requests
import yaml

failures = []


def check(cond, msg):
    print(("ok    " if cond else "FAIL  ") + msg)
    if not cond:
        failures.append(msg)


def token(cloud):
    a = cloud["auth"]
    if cloud["auth_type"] == "v3applicationcredential":
        ident = {"methods": ["application_credential"], "application_credential": {
            "id": a["application_credential_id"], "secret": a["application_credential_secret"]}}
        body = {"auth": {"identity": ident}}
    else:
        ident = {"methods": ["password"], "password": {"user": {
            "name": a["username"], "domain": {"name": a["user_domain_name"]},
            "password": a["password"]}}}
        body = {"auth": {"identity": ident, "scope": {"project": {
            "name": a["project_name"], "domain": {"name": a["project_domain_name"]}}}}}
    r = requests.post(a["auth_url"] + "/auth/tokens", json=body, timeout=30)
    r.raise_for_status()
    return r.headers["X-Subject-Token"], r.json()["token"]


def endpoint(tok, stype):
    for svc in tok["catalog"]:
        if svc["type"] == stype:
            for ep in svc["endpoints"]:
                if ep["interface"] == "public":
                    return ep["url"].rstrip("/")
    return None


def main():
    state = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SCS_E2E_STATE", "/tmp/scs-e2e")
    with open(os.path.join(state, "clouds.yaml")) as f:
        clouds = yaml.safe_load(f)["clouds"]

    flavor_sets = {}
    for name in ("scs-good", "scs-good-appcred", "scs-bad"):
        tid, tok = token(clouds[name])
        roles = sorted(r["name"] for r in tok["roles"])
        check(roles == ["member", "reader"], f"{name}: token issued, roles {roles}")
        types = {s["type"] for s in tok["catalog"]}
        lb_s3 = {"load-balancer", "object-store-s3"} & types
        if name == "scs-bad":
            check(not lb_s3, f"{name}: catalog has no load-balancer/object-store-s3 "
                             f"({len(types)} types)")
        else:
            check(len(lb_s3) == 2, f"{name}: catalog has load-balancer and object-store-s3 "
                                   f"({len(types)} types)")
        h = {"X-Auth-Token": tid}

        r = requests.get(endpoint(tok, "compute") + "/flavors/detail", timeout=60,
                         headers=dict(h, **{"OpenStack-API-Version": "compute 2.61"}))
        fl = r.json()["flavors"]
        flavor_sets[name] = sorted(f["name"] for f in fl)
        check(r.ok and fl and all("extra_specs" in f for f in fl),
              f"{name}: {len(fl)} flavors, extra specs inline")
        std = {f["extra_specs"].get("scs:name-v2"): f for f in fl}
        if name == "scs-bad":
            check("SCS-4V-16" not in std and std["SCS-1V-4"]["ram"] == 2048
                  and "scs:cpu-type" not in std["SCS-2V-8"]["extra_specs"]
                  and std["SCS-2V-4-20s"]["extra_specs"]["scs:disk0-type"] == "network",
                  f"{name}: flavor defects present")
        else:
            f = std.get("SCS-2V-4-20s", {})
            check(f.get("vcpus") == 2 and f.get("ram") == 4096 and f.get("disk") == 20
                  and f["extra_specs"].get("scs:disk0-type") == "ssd"
                  and f["extra_specs"].get("scs:name-v1") == "SCS-2V:4:20s",
                  f"{name}: SCS-2V-4-20s correct")

        r = requests.get(endpoint(tok, "image") + "/v2/images", headers=h, timeout=60)
        imgs = {i["name"]: i for i in r.json().get("images", [])}
        check(r.ok and "Ubuntu 24.04" in imgs and imgs["Ubuntu 24.04"].get("size"),
              f"{name}: images {sorted(imgs)}")

        r = requests.get(endpoint(tok, "volumev3") + "/types", headers=h, timeout=60)
        vt = sorted(t["name"] for t in r.json().get("volume_types", []))
        check(r.ok and "LUKS" in vt, f"{name}: volume types {vt}")

        r = requests.get(endpoint(tok, "network") + "/v2.0/default-security-group-rules",
                         headers=h, timeout=60)
        rules = r.json().get("default_security_group_rules", [])
        check(r.ok and len(rules) == 4, f"{name}: {len(rules)} default security-group rules")

        if name == "scs-good":
            km = endpoint(tok, "key-manager")
            r = requests.post(km + "/v1/secrets", headers=h, timeout=60, json={
                "name": "scs-e2e-smoke", "payload": "foo", "payload_content_type": "text/plain",
                "secret_type": "opaque"})
            ok = r.status_code == 201
            if ok:
                ok = requests.delete(r.json()["secret_ref"], headers=h, timeout=60).ok
            check(ok, f"{name}: barbican secret create/delete as member ({r.status_code})")

    check(flavor_sets["scs-good"] == flavor_sets["scs-good-appcred"]
          and not set(flavor_sets["scs-good"]) & set(flavor_sets["scs-bad"]),
          "flavor sets are per project")
    if failures:
        print(json.dumps({"failures": failures}, indent=1))
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
