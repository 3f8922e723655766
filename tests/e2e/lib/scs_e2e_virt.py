"""A Nova virt driver for the loopback tier: Nova's fake driver (servers reach ACTIVE without a
hypervisor; the variant with one stable node, so nova-compute can be restarted), whose
console shows what a test put into `<state_path>/console.log`, so the scs-0101 probe can read
a real guest's recorded console. Without that file, the console is the fake driver's fixed
text, which no guest report can be read from.

Nova loads `compute_driver` from below `nova.virt` only, so nova-compute is started through
this module (`python -m scs_e2e_virt --config-file …`), which makes itself known there first."""

# Started as nova-compute's entry point, this module must let eventlet patch the standard
# library before anything else is imported, as nova's own entry points do.
import nova.monkey_patch  # noqa: F401  # isort: skip

import os
import sys

from oslo_config import cfg

from nova.virt import fake


class ConsoleFileDriver(fake.FakeDriverWithoutFakeNodes):
    def get_console_output(self, context, instance):
        try:
            # Bytes: Nova's compute manager passes them on as they are (a str it would
            # re-encode as latin-1, which a UTF-8 recording does not survive).
            with open(os.path.join(cfg.CONF.state_path, "console.log"), "rb") as f:
                return f.read()
        except FileNotFoundError:
            return super().get_console_output(context, instance)


if __name__ == "__main__":
    sys.modules["nova.virt.scs_e2e_virt"] = sys.modules[__name__]
    from nova.cmd import compute

    compute.main()
