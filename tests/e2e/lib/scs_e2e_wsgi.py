"""WSGI entry point for the loopback OpenStack services (used by openstack-up.sh).

gunicorn leaves its own command line in sys.argv, and the Keystone, Nova, Cinder,
Neutron and Placement entry points hand sys.argv to oslo.config, which then fails
with "unrecognized arguments". This module resets sys.argv to point at our config
files before importing the service's WSGI application.

Environment (set by openstack-up.sh):
  SCS_E2E_SERVICE       keystone|nova|glance|placement|cinder|neutron|barbican
  SCS_E2E_CONFIG_DIR    directory holding the service's config files
"""

import os
import sys

SERVICE = os.environ["SCS_E2E_SERVICE"]
CONF_DIR = os.environ["SCS_E2E_CONFIG_DIR"]

# Main config file(s) per service, relative to CONF_DIR.
CONFIG_FILES = {
    "keystone": ["keystone.conf"],
    "nova": ["nova.conf"],
    "glance": ["glance-api.conf"],
    "placement": ["placement.conf"],
    "cinder": ["cinder.conf"],
    "neutron": ["neutron.conf"],
    "barbican": ["barbican.conf"],
}[SERVICE]

_files = [os.path.join(CONF_DIR, f) for f in CONFIG_FILES]
for _f in _files:
    if not os.path.isfile(_f):
        raise SystemExit(f"scs_e2e_wsgi: missing config file {_f}")

sys.argv = [f"{SERVICE}-api"]
for _f in _files:
    sys.argv += ["--config-file", _f]

# The services that look for config directories in the environment get them too.
os.environ[f"OS_{SERVICE.upper()}_CONFIG_DIR"] = CONF_DIR
if SERVICE in ("keystone", "neutron"):
    os.environ[f"OS_{SERVICE.upper()}_CONFIG_FILES"] = ";".join(CONFIG_FILES)
if SERVICE == "nova":
    # Nova loads its paste pipeline from the first file of this list.
    os.environ["OS_NOVA_CONFIG_FILES"] = "api-paste.ini;nova.conf"

if SERVICE == "keystone":
    from keystone.wsgi.api import application  # noqa: E402,F401
elif SERVICE == "nova":
    from nova.wsgi.osapi_compute import application  # noqa: E402,F401
elif SERVICE == "glance":
    from glance.wsgi.api import application  # noqa: E402,F401
elif SERVICE == "placement":
    from placement.wsgi.api import application  # noqa: E402,F401
elif SERVICE == "cinder":
    from cinder.wsgi.api import application  # noqa: E402,F401
elif SERVICE == "neutron":
    from neutron.wsgi.api import application  # noqa: E402,F401
elif SERVICE == "barbican":
    # Barbican ignores sys.argv: its config module (and each crypto plugin module)
    # parses the default search path (~/.barbican, ~, /etc/barbican, /etc) at import
    # time. Point that search at our file, then load our copy of the paste pipeline
    # instead of the hard-coded /etc/barbican/barbican-api-paste.ini.
    from oslo_config import cfg as _cfg

    _orig_find_config_files = _cfg.find_config_files

    def _find_config_files(project=None, prog=None, extension=".conf"):
        if project == "barbican" and extension == ".conf":
            return list(_files)
        return _orig_find_config_files(project, prog, extension)

    _cfg.find_config_files = _find_config_files

    from paste import deploy as _deploy  # noqa: E402

    import barbican.api.app  # noqa: E402,F401  (registers the app factories)

    application = _deploy.loadapp(
        "config:" + os.path.join(CONF_DIR, "barbican-api-paste.ini")
    )
else:  # pragma: no cover
    raise SystemExit(f"scs_e2e_wsgi: unknown service {SERVICE!r}")
