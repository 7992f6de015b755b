"""Wiring for the simulated radio: install the fake `bluetooth` module, build partner links.

CPython only. The simulator and the BLE tests use these so that the firmware's `ble.link`
runs unchanged on top of `host_sim.bluetooth_sim`.
"""

import asyncio
import os
import random
import sys

from host_sim import bluetooth_sim, use_firmware_path


def install():
    """Make `import bluetooth` in firmware resolve to the simulated module."""
    use_firmware_path()
    sys.modules["bluetooth"] = bluetooth_sim
    return bluetooth_sim


def make_link(radio, name, secret, role, store_dir, position_fn, on_message=None, seed=None,
              epoch_s=None):
    """A firmware BleLink for device `name` on the simulated radio (not started); epoch_s():
    its wall clock (Unix seconds, None while unknown), no wall clock when None."""
    install()
    from ble.link import BleLink

    os.makedirs(store_dir, exist_ok=True)
    rng = random.Random(seed if seed is not None else name)
    ble = radio.ble_for(name, position_fn)
    return BleLink(ble, secret, role, store_dir, radio.ticks_ms, on_message=on_message,
                   urandom=lambda n: bytes(rng.getrandbits(8) for _ in range(n)),
                   epoch_s=epoch_s)


class Stranger:
    """A stranger's phone on the simulated radio: it connects to whatever advertises
    connectable, pairs (bonding unless bond=False) and leaves. Its own secret store keeps the
    `bluetooth` module's contract, as aioble's does; forget() is "forget this device"."""

    def __init__(self, radio, name, position_fn, bond=True):
        self.radio = radio
        self.name = name
        self.secrets = {}
        self.events = []
        self.ble = radio.ble_for(name, position_fn)
        self.ble.irq(self._irq)
        self.ble.active(True)
        self.ble.config(bond=bond, le_secure=True, mitm=False)

    def _irq(self, event, data):
        if event == bluetooth_sim.IRQ["GET_SECRET"]:
            sec_type, index, key = data
            if key is None:
                found = [v for (t, _), v in self.secrets.items() if t == sec_type]
                return found[index] if index < len(found) else None
            return self.secrets.get((sec_type, bytes(key)))
        if event == bluetooth_sim.IRQ["SET_SECRET"]:
            sec_type, key, value = data
            if value is None:
                return self.secrets.pop((sec_type, bytes(key)), None) is not None
            self.secrets[(sec_type, bytes(key))] = bytes(value)
            return True
        self.events.append((event, tuple(bytes(x) if isinstance(x, memoryview) else x
                                         for x in data)))
        return None

    def forget(self):
        self.secrets.clear()

    async def _wait(self, event, limit_s, since):
        t_end = self.radio.now() + limit_s
        while self.radio.now() < t_end:
            for ev, data in self.events[since:]:
                if ev == event:
                    return data
            await asyncio.sleep(0.02)
        return None

    async def pair_once(self, limit_s=10.0):
        """Find a connectable advertiser, connect, pair, disconnect. The ENCRYPTION_UPDATE
        data it got (None: no connection or no answer)."""
        irq = bluetooth_sim.IRQ
        t_end = self.radio.now() + limit_s
        while self.radio.now() < t_end:
            since = len(self.events)
            self.ble.gap_scan(1000, 100000, 100000, False)
            found = None
            while found is None and self.radio.now() < t_end:
                for ev, data in self.events[since:]:
                    if ev == irq["SCAN_RESULT"] and data[2] == 0:
                        found = data
                        break
                else:
                    if any(ev == irq["SCAN_DONE"] for ev, _ in self.events[since:]):
                        break
                    await asyncio.sleep(0.05)
            if found is None:
                continue
            since = len(self.events)
            self.ble.gap_connect(found[0], found[1], 2000)
            conn = await self._wait(irq["PERIPHERAL_CONNECT"], 3.0, since)
            if conn is None:
                continue
            since = len(self.events)
            self.ble.gap_pair(conn[0])
            enc = await self._wait(irq["ENCRYPTION_UPDATE"], 3.0, since)
            self.ble.gap_disconnect(conn[0])
            await self._wait(irq["PERIPHERAL_DISCONNECT"], 2.0, since)
            return enc
        return None

    def leave(self):
        self.ble.active(False)
