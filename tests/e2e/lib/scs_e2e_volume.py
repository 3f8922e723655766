"""A Cinder volume driver for the loopback tier: each volume is a sparse file below
`<state_path>/volumes`, attached over os-brick's `local` protocol (no iSCSI, no LVM), so
cinder-volume and cinder-backup can create, back up and restore volumes on 127.0.0.1."""

import os

from oslo_config import cfg

from cinder import interface
from cinder.volume import driver

GIB = 1024 ** 3


@interface.volumedriver
class FileVolumeDriver(driver.VolumeDriver):
    VERSION = "1.0"
    CI_WIKI_NAME = "scs-e2e"

    def _dir(self):
        return os.path.join(cfg.CONF.state_path, "volumes")

    def do_setup(self, context):
        os.makedirs(self._dir(), exist_ok=True)

    def check_for_setup_error(self):
        pass

    def local_path(self, volume):
        return os.path.join(self._dir(), volume.id)

    def create_volume(self, volume):
        with open(self.local_path(volume), "wb") as f:
            f.truncate(volume.size * GIB)

    def delete_volume(self, volume):
        try:
            os.remove(self.local_path(volume))
        except FileNotFoundError:
            pass

    def create_export(self, context, volume, connector):
        pass

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        pass

    def initialize_connection(self, volume, connector):
        return {"driver_volume_type": "local",
                "data": {"device_path": self.local_path(volume)}}

    def terminate_connection(self, volume, connector, **kwargs):
        pass

    def _update_volume_stats(self):
        self._stats = {
            "volume_backend_name": self.configuration.safe_get("volume_backend_name") or "file",
            "vendor_name": "scs-e2e",
            "driver_version": self.VERSION,
            "storage_protocol": "local",
            "total_capacity_gb": 100,
            "free_capacity_gb": 100,
            "reserved_percentage": 0,
            "thin_provisioning_support": True,
        }

    def clone_image(self, context, volume, image_location, image_meta, image_service):
        # Volumes from images (a server booted from a volume) without qemu-img, which the
        # generic download path needs: the tier's images are raw, so their bytes are the disk.
        self.create_volume(volume)
        with open(self.local_path(volume), "r+b") as f:
            image_service.download(context, image_meta["id"], f)
        return {}, True
