#!/usr/bin/env python3
"""Seed the loopback OpenStack started by openstack-up.sh (run with the e2e venv's python).

usage: seed.py [--state-dir DIR]

Reads DIR/state.json (ports, passwords; written by openstack-up.sh), then creates or
repairs, idempotently:
  * service users and the catalog (compute, image, placement, block-storage, volumev3,
    network, key-manager, identity, plus catalog-only load-balancer and object-store-s3),
  * projects scs-good / scs-bad with member users and an application credential,
  * Keystone endpoint filtering: scs-bad does not see load-balancer / object-store-s3,
  * private SCS flavors per project (scs-bad's with deliberate defects),
  * images, volume types, Neutron's default security-group rule templates,
  * DIR/clouds.yaml and DIR/env.sh.
Progress goes to stdout, diagnostics to stderr. Exit status 1 on any failure.
"""

import argparse
import datetime
import json
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import yaml
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

REGION = "RegionOne"
NOVA_MICROVERSION = "2.61"
IMAGE_DATA = b"\0" * (1024 * 1024)  # 1 MiB raw payload: gives the images size and hashes

# Catalog: service type -> (service name, port key or None for catalog-only, URL path)
CATALOG = {
    "compute": ("nova", "nova", "/v2.1"),
    "image": ("glance", "glance", ""),
    "placement": ("placement", "placement", ""),
    "block-storage": ("cinder", "cinder", "/v3"),
    "volumev3": ("cinderv3", "cinder", "/v3"),
    "network": ("neutron", "neutron", ""),
    "key-manager": ("barbican", "barbican", ""),
    "load-balancer": ("octavia", None, ""),
    "object-store-s3": ("s3", None, ""),
}
CATALOG_ONLY_URL = "http://127.0.0.1:9/"  # discard port: nothing answers there
HIDDEN_FROM_BAD = ("load-balancer", "object-store-s3")
SERVICE_USERS = ("nova", "glance", "placement", "cinder", "neutron", "barbican")

GOOD, BAD = "scs-good", "scs-bad"

# The 15 mandatory flavors of scs-0103-v1.
MANDATORY_FLAVORS = [
    "SCS-1V-4", "SCS-2V-8", "SCS-4V-16", "SCS-8V-32", "SCS-1V-2", "SCS-2V-4", "SCS-4V-8",
    "SCS-8V-16", "SCS-16V-32", "SCS-1V-8", "SCS-2V-16", "SCS-4V-32", "SCS-1L-1",
    "SCS-2V-4-20s", "SCS-4V-16-100s",
]
BAD_PREFIX = "bad-"

_print_lock = threading.Lock()


def say(msg):
    with _print_lock:
        print(f"[seed] {msg}", flush=True)


class SeedError(Exception):
    pass


# --------------------------------------------------------------------------- HTTP


class Api:
    """Thin JSON client on a keystoneauth1 session with a fixed base URL."""

    def __init__(self, sess, base, headers=None):
        self.sess = sess
        self.base = base.rstrip("/")
        self.headers = dict(headers or {})

    def req(self, method, path, body=None, ok=(200, 201, 202, 204), headers=None, data=None,
            params=None):
        url = path if path.startswith("http") else self.base + path
        hdrs = dict(self.headers)
        hdrs.update(headers or {})
        kwargs = {"headers": hdrs, "raise_exc": False, "params": params}
        if body is not None:
            if "Content-Type" in hdrs:
                kwargs["data"] = json.dumps(body)
            else:
                kwargs["json"] = body
        if data is not None:
            kwargs["data"] = data
        for attempt in range(3):
            resp = self.sess.request(url, method, **kwargs)
            # SQLite may still report a busy database under bursts; retry those.
            if resp.status_code in (500, 503) and "locked" in resp.text and attempt < 2:
                time.sleep(0.5 * (attempt + 1))
                continue
            break
        if resp.status_code not in ok:
            raise SeedError(f"{method} {url} -> {resp.status_code}: {resp.text[:500]}")
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            return None

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.req("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.req("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.req("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        kw.setdefault("ok", (200, 202, 204, 404))
        return self.req("DELETE", path, **kw)


def make_session(auth_url, *, username=None, password=None, project_name=None,
                 app_cred=None):
    if app_cred:
        auth = v3.ApplicationCredential(auth_url=auth_url, application_credential_id=app_cred[0],
                                        application_credential_secret=app_cred[1])
    else:
        auth = v3.Password(auth_url=auth_url, username=username, password=password,
                           user_domain_id="default", project_name=project_name,
                           project_domain_id="default")
    sess = ks_session.Session(auth=auth)
    # Larger connection pool for the thread pools used by the seeders.
    import requests.adapters
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=16)
    sess.session.mount("http://", adapter)
    return sess


def paginate(api, path, key, params=None, links_key=None):
    """Follow Nova-style `<key>_links` or Glance-style `next` pagination."""
    items = []
    url, prm = path, dict(params or {})
    while url:
        body = api.get(url, params=prm)
        items.extend(body.get(key, []))
        url = None
        nxt = body.get("next")
        if nxt:  # glance: relative "/v2/images?marker=..."
            url = api.base.rsplit("/v2", 1)[0] + nxt if nxt.startswith("/") else nxt
            prm = None
        for link in body.get(links_key or f"{key}_links", []) or []:
            if link.get("rel") == "next":
                url, prm = link["href"], None
    return items


# --------------------------------------------------------------------------- state


class State:
    def __init__(self, state_dir):
        self.dir = os.path.abspath(state_dir)
        path = os.path.join(self.dir, "state.json")
        try:
            with open(path) as f:
                data = json.load(f)
        except OSError as e:
            raise SeedError(f"cannot read {path} (run openstack-up.sh first): {e}")
        self.data = data
        self.host = data["host"]
        self.ports = data["ports"]
        self.passwords = data["passwords"]
        self.auth_url = data["keystone_url"]

    def url(self, service, path=""):
        return f"http://{self.host}:{self.ports[service]}{path}"


class Admin:
    """Admin-scoped clients for every service (explicit URLs, no catalog look-ups)."""

    def __init__(self, state):
        self.state = state
        self.sess = make_session(state.auth_url, username="admin",
                                 password=state.passwords["admin"], project_name="admin")
        self.sess.get_token()  # authenticate once before any thread pool uses the session
        s = state
        self.keystone = Api(self.sess, s.auth_url)
        self.nova = Api(self.sess, s.url("nova", "/v2.1"), {
            "OpenStack-API-Version": f"compute {NOVA_MICROVERSION}",
            "X-OpenStack-Nova-API-Version": NOVA_MICROVERSION,
        })
        self.glance = Api(self.sess, s.url("glance", "/v2"))
        self.cinder = Api(self.sess, s.url("cinder", "/v3"))
        self.neutron = Api(self.sess, s.url("neutron", "/v2.0"))
        self._ids = {}

    # ---- keystone helpers

    def find_one(self, kind, name, **filters):
        body = self.keystone.get(f"/{kind}", params={"name": name, **filters})
        items = body[kind]
        return items[0] if items else None

    def ensure_project(self, name, description):
        proj = self.find_one("projects", name, domain_id="default")
        if not proj:
            proj = self.keystone.post("/projects", {"project": {
                "name": name, "domain_id": "default", "description": description,
                "enabled": True}})["project"]
            say(f"created project {name}")
        return proj["id"]

    def ensure_role(self, name):
        role = self.find_one("roles", name)
        if not role:
            role = self.keystone.post("/roles", {"role": {"name": name}})["role"]
        return role["id"]

    def password_works(self, username, password, project):
        try:
            make_session(self.state.auth_url, username=username, password=password,
                         project_name=project).get_token()
            return True
        except Exception:  # noqa: BLE001 - any auth failure means "reset it"
            return False

    def ensure_user(self, name, password, project_name, project_id):
        user = self.find_one("users", name, domain_id="default")
        if not user:
            user = self.keystone.post("/users", {"user": {
                "name": name, "domain_id": "default", "password": password,
                "default_project_id": project_id, "enabled": True}})["user"]
            say(f"created user {name}")
            return user["id"], True
        return user["id"], False

    def grant(self, project_id, user_id, role_id):
        self.keystone.put(f"/projects/{project_id}/users/{user_id}/roles/{role_id}")

    def fix_password(self, name, user_id, password, project_name):
        if not self.password_works(name, password, project_name):
            self.keystone.patch(f"/users/{user_id}", {"user": {"password": password}})
            say(f"reset password of {name}")


# --------------------------------------------------------------------------- keystone


def seed_identity(adm):
    s = adm.state
    ids = {}
    role = {r: adm.ensure_role(r) for r in ("admin", "member", "reader", "service")}
    ids["roles"] = role

    # Service project and users for keystonemiddleware.
    service_pid = adm.ensure_project("service", "OpenStack service users")
    for name in SERVICE_USERS:
        uid, created = adm.ensure_user(name, s.passwords["service"], "service", service_pid)
        for r in ("admin", "service"):
            adm.grant(service_pid, uid, role[r])
        if not created:
            adm.fix_password(name, uid, s.passwords["service"], "service")

    # Catalog.
    endpoints = {}  # service type -> [endpoint ids]
    existing_services = adm.keystone.get("/services")["services"]
    for stype, (sname, port_key, path) in CATALOG.items():
        svc = next((x for x in existing_services if x["type"] == stype), None)
        if not svc:
            svc = adm.keystone.post("/services", {"service": {
                "type": stype, "name": sname, "enabled": True,
                "description": f"{sname} ({'catalog only' if port_key is None else 'loopback'})",
            }})["service"]
        url = s.url(port_key, path) if port_key else CATALOG_ONLY_URL
        eps = adm.keystone.get("/endpoints", params={"service_id": svc["id"]})["endpoints"]
        ids_for_type = []
        for iface in ("public", "internal", "admin"):
            ep = next((e for e in eps if e["interface"] == iface and e.get("region_id") == REGION),
                      None)
            if ep is None:
                ep = adm.keystone.post("/endpoints", {"endpoint": {
                    "service_id": svc["id"], "interface": iface, "url": url,
                    "region_id": REGION, "enabled": True}})["endpoint"]
            elif ep["url"] != url or not ep.get("enabled", True):
                adm.keystone.patch(f"/endpoints/{ep['id']}",
                                   {"endpoint": {"url": url, "enabled": True}})
            ids_for_type.append(ep["id"])
        endpoints[stype] = ids_for_type
    identity = next(x for x in adm.keystone.get("/services")["services"]
                    if x["type"] == "identity")
    endpoints["identity"] = [e["id"] for e in adm.keystone.get(
        "/endpoints", params={"service_id": identity["id"]})["endpoints"]]
    ids["endpoints"] = endpoints
    say(f"catalog: {len(endpoints)} service types, "
        f"{sum(len(v) for v in endpoints.values())} endpoints")

    # Tenant projects and their member users (member + reader, not admin).
    ids["projects"] = {}
    ids["users"] = {}
    for proj in (GOOD, BAD):
        pid = adm.ensure_project(proj, f"scs-check e2e project {proj}")
        uname = f"{proj}-member"
        uid, created = adm.ensure_user(uname, s.passwords[uname], proj, pid)
        for r in ("member", "reader"):
            adm.grant(pid, uid, role[r])
        if not created:
            adm.fix_password(uname, uid, s.passwords[uname], proj)
        ids["projects"][proj] = pid
        ids["users"][uname] = uid
    return ids


def seed_endpoint_filter(adm, ids):
    """scs-bad sees every endpoint except load-balancer and object-store-s3.

    OS-EP-FILTER is an allow-list: once a project has any project-endpoint
    association, its tokens only carry the associated endpoints (the stock
    `[catalog] driver = sql` implements this; no extra setting is needed).
    """
    pid = ids["projects"][BAD]
    want = {e for t, eps in ids["endpoints"].items() if t not in HIDDEN_FROM_BAD for e in eps}
    have = {e["id"] for e in adm.keystone.get(
        f"/OS-EP-FILTER/projects/{pid}/endpoints")["endpoints"]}
    for eid in want - have:
        adm.keystone.put(f"/OS-EP-FILTER/projects/{pid}/endpoints/{eid}")
    for eid in have - want:
        adm.keystone.delete(f"/OS-EP-FILTER/projects/{pid}/endpoints/{eid}")
    say(f"endpoint filter for {BAD}: {len(want)} endpoints allowed "
        f"({len(want - have)} added, {len(have - want)} removed)")


def catalog_types(sess):
    access = sess.auth.get_access(sess)
    return sorted({svc["type"] for svc in access.service_catalog.catalog})


def seed_app_credential(s, ids):
    """Keep or (re)create the good user's application credential; returns (id, secret).

    The credential in an existing clouds.yaml is kept if it still authenticates."""
    entry = load_clouds(s).get("scs-good-appcred", {}).get("auth", {})
    old = (entry.get("application_credential_id"), entry.get("application_credential_secret"))
    if all(old):
        try:
            make_session(s.auth_url, app_cred=old).get_token()
            say(f"application credential scs-good-appcred still valid: {old[0]}")
            return old
        except Exception:  # noqa: BLE001 - stale credential: replace it
            pass
    uname = f"{GOOD}-member"
    sess = make_session(s.auth_url, username=uname, password=s.passwords[uname],
                        project_name=GOOD)
    ks = Api(sess, s.auth_url)
    uid = ids["users"][uname]
    name = "scs-good-appcred"
    for ac in ks.get(f"/users/{uid}/application_credentials",
                     params={"name": name})["application_credentials"]:
        ks.delete(f"/users/{uid}/application_credentials/{ac['id']}")
    ac = ks.post(f"/users/{uid}/application_credentials", {"application_credential": {
        "name": name, "description": "scs-check e2e", "unrestricted": False}}
    )["application_credential"]
    say(f"application credential {name} for {uname}: {ac['id']}")
    return ac["id"], ac["secret"]


# --------------------------------------------------------------------------- flavors

_FLAVOR_RE = re.compile(r"^SCS-(\d+)([VL])-(\d+)(?:-(\d+)(s?))?$")


def standard_flavor(name):
    """Expected properties of a mandatory SCS flavor (scs-0100 v3 naming)."""
    m = _FLAVOR_RE.match(name)
    if not m:
        raise ValueError(name)
    cpus, ctype, ram, disk, ssd = m.groups()
    specs = {
        "scs:cpu-type": "shared-core" if ctype == "V" else "crowded-core",
        "scs:name-v1": "SCS-" + name[4:].replace("-", ":"),
        "scs:name-v2": name,
        "hw_rng:allowed": "True",
    }
    if disk:
        specs["scs:disk0-type"] = "ssd" if ssd else "network"
    return {"name": name, "vcpus": int(cpus), "ram": int(ram) * 1024,
            "disk": int(disk or 0), "extra_specs": specs}


def desired_flavors():
    """{project: [flavor spec]}: the good set, and the bad set with its defects."""
    good = [standard_flavor(n) for n in MANDATORY_FLAVORS]
    bad = []
    for f in good:
        f = json.loads(json.dumps(f))  # deep copy
        std = f["name"]
        if std == "SCS-4V-16":
            continue  # missing entirely
        if std == "SCS-1V-4":
            f["ram"] = 2048  # too little RAM
        if std == "SCS-2V-8":
            del f["extra_specs"]["scs:cpu-type"]  # lacks the cpu-type extra spec
        if std == "SCS-2V-4-20s":
            f["extra_specs"]["scs:disk0-type"] = "network"  # should be ssd
        f["name"] = BAD_PREFIX + std  # names are unique in Nova; scs:name-v2 keeps std
        bad.append(f)
    return {GOOD: good, BAD: bad}


def list_all_flavors(nova):
    return paginate(nova, "/flavors/detail", "flavors", params={"is_public": "None"})


def ensure_flavor(nova, spec, project_ids, existing):
    """Create or repair one private flavor with exactly `project_ids` granted access."""
    fl = existing.get(spec["name"])
    if fl and (fl["vcpus"], fl["ram"], fl["disk"], fl["os-flavor-access:is_public"]) != (
            spec["vcpus"], spec["ram"], spec["disk"], False):
        nova.delete(f"/flavors/{fl['id']}")
        fl = None
    created = fl is None
    if created:
        fl = nova.post("/flavors", {"flavor": {
            "name": spec["name"], "vcpus": spec["vcpus"], "ram": spec["ram"],
            "disk": spec["disk"], "os-flavor-access:is_public": False}})["flavor"]
        fl["extra_specs"] = {}
    fid = fl["id"]
    have = fl.get("extra_specs") or {}
    want = spec["extra_specs"]
    if have != want:
        changed = {k: v for k, v in want.items() if have.get(k) != v}
        if changed:
            nova.post(f"/flavors/{fid}/os-extra_specs", {"extra_specs": changed})
        for k in set(have) - set(want):
            nova.delete(f"/flavors/{fid}/os-extra_specs/{k}")
    access = set() if created else {
        a["tenant_id"] for a in nova.get(f"/flavors/{fid}/os-flavor-access")["flavor_access"]}
    for pid in set(project_ids) - access:
        nova.post(f"/flavors/{fid}/action", {"addTenantAccess": {"tenant": pid}})
    for pid in access - set(project_ids):
        nova.post(f"/flavors/{fid}/action", {"removeTenantAccess": {"tenant": pid}})
    return created


def seed_flavors(adm, ids, workers=4):
    existing = {f["name"]: f for f in list_all_flavors(adm.nova)}
    jobs = []
    for proj, specs in desired_flavors().items():
        for spec in specs:
            jobs.append((spec, [ids["projects"][proj]]))
    with ThreadPoolExecutor(workers) as pool:
        created = sum(pool.map(lambda j: ensure_flavor(adm.nova, j[0], j[1], existing), jobs))
    say(f"flavors: {len(jobs)} private flavors ({created} created) "
        f"[{GOOD}: {len(MANDATORY_FLAVORS)}, {BAD}: {len(jobs) - len(MANDATORY_FLAVORS)}]")


# --------------------------------------------------------------------------- images


def _date(d):
    return d.strftime("%Y-%m-%d")


def desired_images(ids):
    """Image specs: (creator, name, visibility, fields, properties)."""
    common = {
        "architecture": "x86_64", "hw_rng_model": "virtio", "hw_disk_bus": "scsi",
        "hw_scsi_model": "virtio-scsi", "replace_frequency": "monthly",
        "provided_until": "none", "uuid_validity": "last-3", "os_purpose": "generic",
    }
    fields = {"disk_format": "raw", "container_format": "bare", "min_disk": 8, "min_ram": 512}
    return [
        ("admin", "Ubuntu 24.04", "public", fields, dict(common, **{
            "os_distro": "ubuntu", "os_version": "24.04", "image_original_user": "ubuntu",
            "image_source": "https://cloud-images.ubuntu.com/releases/noble/release/"
                            "ubuntu-24.04-server-cloudimg-amd64.img",
            "image_description": "https://ubuntu.com/server/docs (scs-check e2e record)",
        })),
        ("admin", "Debian 12", "public", fields, dict(common, **{
            "os_distro": "debian", "os_version": "12", "image_original_user": "debian",
            "image_source": "https://cloud.debian.org/images/cloud/bookworm/latest/"
                            "debian-12-genericcloud-amd64.qcow2",
            "image_description": "https://cloud.debian.org/images/cloud/ (scs-check e2e record)",
        })),
        # Visible to scs-bad only (community images are listed for their owner only, unless
        # asked for with visibility=community): wrong source, most SCS properties missing.
        (BAD, "Ubuntu 22.04", "community", dict(fields, min_disk=0, min_ram=0), {
            "os_distro": "ubuntu", "os_version": "22.04",
            "image_source": "https://example.com/not-ubuntu/jammy.img",
        }),
    ]


def image_api_for(adm, s, creator):
    if creator == "admin":
        return adm.glance
    uname = f"{creator}-member"
    sess = make_session(s.auth_url, username=uname, password=s.passwords[uname],
                        project_name=creator)
    return Api(sess, s.url("glance", "/v2"))


def _parse_ts(ts):
    return datetime.datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


def ensure_image(glance, name, visibility, fields, props, owner=None, existing=None,
                 build_date=None, upload=True, data=IMAGE_DATA):
    """Create (and upload) an image or repair its properties. Returns True if created."""
    now = datetime.datetime.now(datetime.timezone.utc)
    img = existing
    if img is not None:
        age = now - _parse_ts(img["created_at"])
        bad = (img["status"] != ("active" if upload else "queued")
               or img["visibility"] != visibility
               or age > datetime.timedelta(days=20)  # keep monthly images recent
               or any(img.get(k) != v for k, v in fields.items()))
        if bad:
            glance.delete(f"/images/{img['id']}")
            img = None
    # The build date must not be after created_at (scs-0102): use the day before.
    if build_date is None:
        base = _parse_ts(img["created_at"]) if img else now
        build_date = _date(base - datetime.timedelta(days=1))
    props = dict(props)
    if "image_source" in props and "os_purpose" in props:
        props["image_build_date"] = build_date
    if img is None:
        body = {"name": name, "visibility": visibility, **fields, **props}
        if owner:
            body["owner"] = owner
        img = glance.post("/images", body)
        if upload:
            glance.put(f"/images/{img['id']}/file", data=data,
                       headers={"Content-Type": "application/octet-stream"})
        return True
    ops = [{"op": "add" if k not in img else "replace", "path": f"/{k}", "value": v}
           for k, v in props.items() if img.get(k) != v]
    if ops:
        glance.patch(f"/images/{img['id']}", ops, headers={
            "Content-Type": "application/openstack-images-v2.1-json-patch"})
    return False


def seed_images(adm, ids):
    s = adm.state
    all_images = paginate(adm.glance, "/images", "images",
                          params={"visibility": "all", "limit": 200})
    created = 0
    for creator, name, visibility, fields, props in desired_images(ids):
        owner = None if creator == "admin" else ids["projects"][creator]
        matches = [i for i in all_images if i["name"] == name
                   and (owner is None or i["owner"] == owner)]
        for extra in matches[1:]:
            adm.glance.delete(f"/images/{extra['id']}")
        glance = image_api_for(adm, s, creator)
        created += ensure_image(glance, name, visibility, fields, props,
                                existing=matches[0] if matches else None)
    say(f"images: {len(desired_images(ids))} ({created} created and uploaded)")


# --------------------------------------------------------------------------- cinder, neutron


def seed_volume_types(adm, ids):
    cinder = adm.cinder
    types = {t["name"]: t for t in cinder.get("/types", params={"is_public": "None"})[
        "volume_types"]}
    want = [
        # name, description, public, extra_specs, encryption, projects
        ("LUKS", "[scs:encrypted] LUKS-encrypted volumes (scs-check e2e)", True, {},
         {"provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256,
          "control_location": "front-end"}, []),
        ("bad-aspects", "[scs:replicated, encrypted] unsorted aspect list (scs-bad only)",
         False, {}, None, [ids["projects"][BAD]]),
    ]
    for name, desc, public, specs, enc, projects in want:
        t = types.get(name)
        if t and t.get("os-volume-type-access:is_public", t.get("is_public")) != public:
            cinder.delete(f"/types/{t['id']}")
            t = None
        if t is None:
            t = cinder.post("/types", {"volume_type": {
                "name": name, "description": desc, "os-volume-type-access:is_public": public,
                "extra_specs": specs}})["volume_type"]
        elif t.get("description") != desc:
            cinder.put(f"/types/{t['id']}", {"volume_type": {"description": desc}})
        if enc:
            have = cinder.get(f"/types/{t['id']}/encryption")
            if not have or not have.get("provider"):
                cinder.post(f"/types/{t['id']}/encryption", {"encryption": enc})
        if not public:
            access = {a["project_id"] for a in cinder.get(
                f"/types/{t['id']}/os-volume-type-access")["volume_type_access"]}
            for pid in set(projects) - access:
                cinder.post(f"/types/{t['id']}/action", {"addProjectAccess": {"project": pid}})
    say("volume types: __DEFAULT__, LUKS (encrypted, public), bad-aspects (scs-bad only)")


# The legacy templates that Neutron's migrations would insert (2023.2 c33da356b165).
DEFAULT_SG_RULES = [
    {"direction": "egress", "ethertype": "IPv4", "used_in_default_sg": True,
     "used_in_non_default_sg": True, "description": "Legacy default SG rule for egress traffic"},
    {"direction": "egress", "ethertype": "IPv6", "used_in_default_sg": True,
     "used_in_non_default_sg": True, "description": "Legacy default SG rule for egress traffic"},
    {"direction": "ingress", "ethertype": "IPv4", "remote_group_id": "PARENT",
     "used_in_default_sg": True, "used_in_non_default_sg": False,
     "description": "Legacy default SG rule for ingress traffic"},
    {"direction": "ingress", "ethertype": "IPv6", "remote_group_id": "PARENT",
     "used_in_default_sg": True, "used_in_non_default_sg": False,
     "description": "Legacy default SG rule for ingress traffic"},
]


def seed_default_sg_rules(adm):
    have = adm.neutron.get("/default-security-group-rules")["default_security_group_rules"]

    def key(r):
        return (r["direction"], r["ethertype"], r.get("remote_group_id"),
                r["used_in_default_sg"], r["used_in_non_default_sg"])

    keys = {key(r) for r in have}
    added = 0
    for rule in DEFAULT_SG_RULES:
        if key(rule) not in keys:
            adm.neutron.post("/default-security-group-rules",
                             {"default_security_group_rule": rule})
            added += 1
    say(f"default security-group rule templates: {len(DEFAULT_SG_RULES)} ({added} added)")


# --------------------------------------------------------------------------- verification


def verify(s, ids):
    """Check what the tenants see: catalog filtering and per-project flavors."""
    problems = []
    for proj in (GOOD, BAD):
        uname = f"{proj}-member"
        sess = make_session(s.auth_url, username=uname, password=s.passwords[uname],
                            project_name=proj)
        types = catalog_types(sess)
        hidden = [t for t in HIDDEN_FROM_BAD if t not in types]
        expected_hidden = list(HIDDEN_FROM_BAD) if proj == BAD else []
        missing = [t for t in list(CATALOG) + ["identity"]
                   if t not in types and t not in expected_hidden]
        if hidden != expected_hidden or missing:
            problems.append(f"{proj} catalog {types}: hidden {hidden}, missing {missing}")
        nova = Api(sess, s.url("nova", "/v2.1"),
                   {"OpenStack-API-Version": f"compute {NOVA_MICROVERSION}"})
        names = sorted(f["name"] for f in nova.get("/flavors/detail")["flavors"])
        want = sorted(f["name"] for f in desired_flavors()[proj])
        if names != want:
            problems.append(f"{proj} sees flavors {names}, expected {want}")
        say(f"verified {proj}: catalog {len(types)} types"
            f"{' (without ' + ', '.join(hidden) + ')' if hidden else ''}, {len(names)} flavors")
    if problems:
        raise SeedError("verification failed:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------- clouds.yaml


def cloud_entry(s, auth, auth_type="password"):
    return {
        "auth_type": auth_type,
        "auth": dict(auth_url=s.auth_url, **auth),
        "region_name": REGION,
        "interface": "public",
        "identity_api_version": 3,
    }


def password_entry(s, username, project):
    return cloud_entry(s, {
        "username": username, "password": s.passwords[username], "project_name": project,
        "user_domain_name": "Default", "project_domain_name": "Default"})


def write_clouds(s, app_cred, extra_projects=()):
    """Write clouds.yaml (atomically, mode 0600) and env.sh."""
    clouds = {
        "scs-good": password_entry(s, f"{GOOD}-member", GOOD),
        "scs-good-appcred": cloud_entry(s, {
            "application_credential_id": app_cred[0],
            "application_credential_secret": app_cred[1]}, "v3applicationcredential"),
        "scs-bad": password_entry(s, f"{BAD}-member", BAD),
        "scs-admin": password_entry(s, "admin", "admin"),
    }
    for proj in extra_projects:
        clouds[proj] = password_entry(s, f"{proj}-member", proj)
    path = os.path.join(s.dir, "clouds.yaml")
    fd, tmp = tempfile.mkstemp(dir=s.dir, prefix=".clouds.", suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write("# Generated by tests/e2e/seed.py; rewritten on every openstack-up.sh\n")
        yaml.safe_dump({"clouds": clouds}, f, sort_keys=False, default_flow_style=False)
    os.replace(tmp, path)
    with open(os.path.join(s.dir, "env.sh"), "w") as f:
        f.write("# source this file to use the scs-check e2e cloud\n"
                f"export OS_CLIENT_CONFIG_FILE={path}\n"
                f"export SCS_E2E_STATE={s.dir}\n")
    return path


def load_clouds(s):
    path = os.path.join(s.dir, "clouds.yaml")
    try:
        with open(path) as f:
            return yaml.safe_load(f)["clouds"]
    except (OSError, KeyError, TypeError):
        return {}


def add_cloud_entry(s, name, entry):
    """Add or replace one entry of clouds.yaml, keeping the others."""
    clouds = load_clouds(s)
    clouds[name] = entry
    path = os.path.join(s.dir, "clouds.yaml")
    fd, tmp = tempfile.mkstemp(dir=s.dir, prefix=".clouds.", suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write("# Generated by tests/e2e/seed.py; rewritten on every openstack-up.sh\n")
        yaml.safe_dump({"clouds": clouds}, f, sort_keys=False, default_flow_style=False)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- main


def project_exists(adm, name):
    return adm.find_one("projects", name, domain_id="default") is not None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--state-dir", default=os.environ.get("SCS_E2E_STATE", "/tmp/scs-e2e"))
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    s = State(args.state_dir)
    adm = Admin(s)
    ids = seed_identity(adm)
    seed_endpoint_filter(adm, ids)
    app_cred = seed_app_credential(s, ids)
    seed_default_sg_rules(adm)
    seed_flavors(adm, ids)
    seed_images(adm, ids)
    seed_volume_types(adm, ids)
    verify(s, ids)
    # Keep the scs-bench entry if bench-seed.py created that project earlier.
    extra = ["scs-bench"] if project_exists(adm, "scs-bench") else []
    path = write_clouds(s, app_cred, extra)
    say(f"wrote {path} (entries: scs-good, scs-good-appcred, scs-bad, scs-admin"
        f"{''.join(', ' + e for e in extra)}) in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SeedError as e:
        print(f"seed.py: ERROR: {e}", file=sys.stderr)
        sys.exit(1)
