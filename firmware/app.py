"""Boot sequence: emergency exception buffer, journal, config, then the device shell forever.

main.py calls `start(board.Board())` on the device; the simulator calls `run(hw)` with a
simulated board for each device. Kept out of main.py so it is precompiled like the rest:
compiling source at boot costs heap the device does not have.
"""

import asyncio
import gc
import os
import sys

from compat import MICROPYTHON
from store.journal import Journal

try:  # tracebacks from IRQ handlers need this buffer on the device
    import micropython

    micropython.alloc_emergency_exception_buf(100)
except (ImportError, AttributeError):  # CPython, or a port without it
    pass


def _rand16():
    return int.from_bytes(os.urandom(2), "little")


def _unhex(text):
    return bytes(int(text[i:i + 2], 16) for i in range(0, len(text), 2))


def make_link(hw, cfg, folder):
    """BLE when the board has it, with the frame pipe (cellular stand-in) as the far link."""
    from ble.channel import Channel
    from ble.counters import CounterStore
    from partner import PartnerLinks
    from pipe_link import PipeLink

    role = 0 if cfg["role"] == "A" else 1
    secret = _unhex(cfg["pair_secret"])
    pipe = hw.partner_pipe() if hasattr(hw, "partner_pipe") else None
    if hasattr(hw, "ble"):
        from ble.link import PartnerLink

        near = PartnerLink(hw.ble(), secret, role, folder + "/ble", hw.ticks_ms)
        far = PipeLink(pipe, near.channel) if pipe is not None else None
        return PartnerLinks(near, far)
    channel = Channel(secret, role, CounterStore(folder + "/ctr"))
    return PartnerLinks(None, PipeLink(pipe, channel))


def load_config(folder):
    """(config, rejected, missing): rejected/missing are (field, reason) or None.

    Validation code is needed once per boot; on the device its modules are dropped afterwards
    so their bytecode does not sit in the heap for the rest of the day.
    """
    from core.config import ConfigError
    from store import config_store

    try:
        cfg, problem = config_store.load(folder)
        result = (cfg, (problem.field, problem.reason) if problem else None, None)
    except ConfigError as e:
        result = (None, None, (e.field, e.reason))
    if MICROPYTHON:
        for name in ("store.config_store", "core.config"):
            sys.modules.pop(name, None)
        gc.collect()
    return result


async def unprovisioned(hw, journal, error):
    """No usable config: say so on the LED and wait for the social worker (never crash)."""
    journal.append("fault", {"what": "config", "field": error[0], "reason": error[1]},
                   hw.epoch_s())
    feedback = hw.feedback()
    while True:
        feedback.show("unprovisioned", (255, 0, 255), (), None, "This device is not set up.")
        await asyncio.sleep(10)


async def run(hw):
    folder = hw.storage_dir()
    journal = Journal(folder, observer=getattr(hw, "observe", None))
    journal.append("boot", {"board": hw.name, "cause": hw.reset_cause()}, hw.epoch_s())
    cfg, rejected, missing = load_config(folder)
    if missing is not None:
        await unprovisioned(hw, journal, missing)
        return
    if rejected is not None:
        journal.append("config_rejected", {"field": rejected[0], "reason": rejected[1]},
                       hw.epoch_s())
    from device import Device

    device = Device(hw, cfg, journal, make_link(hw, cfg, folder), _rand16)
    await device.run()


def start(hw):
    """Run until the board says stop (the sim board's script); a crash propagates, so the
    unix port exits non-zero and the device's watchdog resets it."""
    stop = getattr(hw, "until_stop", None)
    failure = []

    async def guarded():
        try:
            await run(hw)
        except Exception as e:
            failure.append(e)

    async def boot():
        task = asyncio.create_task(guarded())
        if stop is None:
            await task
        else:
            await stop()
            task.cancel()

    asyncio.run(boot())
    if failure:
        raise failure[0]
