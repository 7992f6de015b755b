"""Wiring for the simulated radio: install the fake `bluetooth` module, build partner links.

CPython only. The simulator and the BLE tests use these so that the firmware's `ble.link`
runs unchanged on top of `host_sim.bluetooth_sim`.
"""

import os
import random
import sys

from host_sim import bluetooth_sim, use_firmware_path


def install():
    """Make `import bluetooth` in firmware resolve to the simulated module."""
    use_firmware_path()
    sys.modules["bluetooth"] = bluetooth_sim
    return bluetooth_sim


def make_link(radio, name, secret, role, store_dir, position_fn, on_message=None, seed=None):
    """A firmware PartnerLink for device `name` on the simulated radio (not started)."""
    install()
    from ble.link import PartnerLink

    os.makedirs(store_dir, exist_ok=True)
    rng = random.Random(seed if seed is not None else name)
    ble = radio.ble_for(name, position_fn)
    return PartnerLink(ble, secret, role, store_dir, radio.ticks_ms, on_message=on_message,
                       urandom=lambda n: bytes(rng.getrandbits(8) for _ in range(n)))
