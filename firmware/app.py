"""Boot sequence: emergency exception buffer, journal, config, then the device shell forever.

main.py calls `start(board.Board())` on the device; the simulator calls `run(hw)` with a
simulated board for each device. Kept out of main.py so it is precompiled like the rest:
compiling source at boot costs heap the device does not have.
"""

import asyncio
import gc

from compat import MICROPYTHON, drop_module
from store.journal import Journal

TYPE_CHECKING = False  # the type check reads the board interface; the device never imports it
if TYPE_CHECKING:
    from drivers.board_base import BoardBase

try:  # tracebacks from IRQ handlers need this buffer on the device
    import micropython

    micropython.alloc_emergency_exception_buf(100)
except (ImportError, AttributeError):  # CPython, or a port without it
    pass



def _unhex(text):
    return bytes(int(text[i:i + 2], 16) for i in range(0, len(text), 2))


def make_link(hw: "BoardBase", cfg, folder, far_pipe=None):
    """BLE near (when the board has it) and the far link (SMS through the modem, or the
    board's own frame pipe), sharing one authenticated channel."""
    from link.channel import Channel
    from link.counters import CounterStore
    from link.nearfar import NearFarLink
    from link.pipe import PipeLink

    role = 0 if cfg["role"] == "A" else 1
    secret = _unhex(cfg["pair_secret"])
    if far_pipe is None:
        far_pipe = hw.partner_pipe()
    ble = hw.ble()
    if ble is not None:
        from ble.link import BleLink

        near = BleLink(ble, secret, role, folder + "/ble", hw.ticks_ms, urandom=hw.urandom,
                       epoch_s=getattr(hw, "epoch_s", None))
        far = PipeLink(far_pipe, near.channel) if far_pipe is not None else None
        return NearFarLink(near, far, hw.ticks_ms)
    channel = Channel(secret, role, CounterStore(folder + "/ctr"), urandom=hw.urandom)
    return NearFarLink(None, PipeLink(far_pipe, channel) if far_pipe else None, hw.ticks_ms)


def make_phone(hw: "BoardBase", cfg, journal):
    """(phone, far pipe or None, background coroutines): the modem when the board has one,
    else the board's own phone (the simulator's script board), else None (no calls)."""
    streams = hw.modem_uart()
    if streams is None:
        return hw.phone(), None, []
    from link import far
    from modem.modem import Modem
    from shell.phone import Phone

    reader, writer = streams
    partner = cfg["partner_phone"]
    far_pipe = far.FarPipe(None, partner) if partner else None
    modem = Modem(reader, writer, hw.MODEM_PROFILE, sim_pin=cfg["sim_pin"] or None,
                  dtr=hw.modem_dtr(),
                  far_peers=[partner] if partner else [],
                  on_far=far_pipe.received if far_pipe else None, clock=hw.ticks_ms,
                  far_framing=far)
    phone = Phone(modem, cfg, lambda cat, fields: journal.append(cat, fields, hw.epoch_s()),
                  hw.modem_power_on)
    modem.on_event = phone.modem_event
    background = [phone.start()]
    if far_pipe is not None:
        far_pipe.modem = modem
        background.append(far_pipe.run())
    return phone, far_pipe, background


def load_config(folder):
    """(config, rejected, missing, migrated_from): rejected/missing are (field, reason) or None;
    migrated_from is the schema version an old file was upgraded from, or None.

    Validation code is needed once per boot; on the device its modules are dropped afterwards
    so their bytecode does not sit in the heap for the rest of the day (gps.defaults too, where
    the config takes its distance default from: the GNSS side loads it again if it runs).
    """
    from core.config import ConfigError
    from store import config_store

    try:
        cfg, problem, migrated = config_store.load_checked(folder)
        result = (cfg, (problem.field, problem.reason) if problem else None, None, migrated)
    except ConfigError as e:
        result = (None, None, (e.field, e.reason), None)
    if MICROPYTHON:
        for name in ("store.config_store", "store.migrate", "core.config", "gps.defaults"):
            drop_module(name)
        gc.collect()
    return result


async def unprovisioned(hw: "BoardBase", journal, error):
    """No usable config: say so on the LED and wait for the social worker (never crash)."""
    journal.append("fault", {"what": "config", "field": error[0], "reason": error[1]},
                   hw.epoch_s())
    feedback = hw.feedback()
    while True:
        feedback.show("unprovisioned", (255, 0, 255), (), None, "This device is not set up.")
        await asyncio.sleep(10)


async def run(hw: "BoardBase", journal=None):
    hw.power_setup()
    folder = hw.storage_dir()
    if journal is None:
        journal = Journal(folder, hw.JOURNAL_BYTES, observer=hw.observer(), ticks=hw.ticks_ms)
    journal.append("boot", {"board": hw.name, "cause": hw.reset_cause()}, hw.epoch_s())
    cfg, rejected, missing, migrated = load_config(folder)
    if missing is not None:
        await unprovisioned(hw, journal, missing)
        return
    if rejected is not None:
        journal.append("config_rejected", {"field": rejected[0], "reason": rejected[1]},
                       hw.epoch_s())
    if migrated is not None:
        journal.append("config_migrated", {"from": migrated}, hw.epoch_s())
    # Collect between the boot steps: each leaves garbage (file buffers, parsed JSON) between
    # the objects that live all day, and on a small heap fragmentation, not the total, is
    # what makes a later allocation fail.
    gc.collect()
    from shell.device import Device

    gc.collect()
    phone, far_pipe, background = make_phone(hw, cfg, journal)
    link = make_link(hw, cfg, folder, far_pipe)
    gc.collect()
    device = Device(hw, cfg, journal, link, lambda: int.from_bytes(hw.urandom(2), "little"),
                    phone)
    watchdog = hw.watchdog()
    if watchdog is not None:
        from drivers.supervisor import Supervisor

        # Fed only while the session loop (which wakes at least once a minute) is alive.
        background.append(Supervisor(watchdog, device.alive, hw.ticks_ms,
                                     {"session": 150000}).run())
    gc.collect()
    await device.run(background)


CONSOLE_LEASE_MS = 600000  # an unlocked console lasts this long at most, then a restart


def start(hw: "BoardBase"):
    """Run until the board says stop (the sim board's script) or the console's lock opens
    (shell/console.py: then return, and the REPL follows). A crash propagates, so the unix
    port exits non-zero and the device's watchdog resets it; on a locked device it restarts
    the device instead, so that no crash ever leaves the REPL open."""
    failure = []
    console = hw.console()
    lock = None
    journal = None
    if console is not None:
        from drivers.console import keyboard_interrupt
        from shell.console import ConsoleLock, load_lock

        folder = hw.storage_dir()
        lock = ConsoleLock(load_lock(folder), hw.urandom, hw.ticks_ms)
        keyboard_interrupt(lock.lock is None)  # main.py turned it off; open: back on
        journal = Journal(folder, hw.JOURNAL_BYTES, observer=hw.observer(), ticks=hw.ticks_ms)
    done = asyncio.Event()

    async def guarded(work):
        try:
            await work
        except Exception as e:
            failure.append(e)
        done.set()

    def refused():
        journal.append("fault", {"what": "console_refused"}, hw.epoch_s())

    async def boot():
        tasks = [asyncio.create_task(guarded(run(hw, journal)))]
        if lock is not None:
            from shell.console import serve

            tasks.append(asyncio.create_task(guarded(serve(console, lock, refused))))
        stop = hw.until_stop()
        if stop is not None:
            tasks.append(asyncio.create_task(guarded(stop)))
        await done.wait()
        for task in tasks:
            task.cancel()

    try:
        asyncio.run(boot())
    except BaseException:  # KeyboardInterrupt, a MemoryError in the loop itself
        if lock is not None and lock.lock is not None and not lock.opened:
            hw.reset()
        raise
    if lock is None:
        if failure:
            raise failure[0]
        return
    if failure and lock.lock is not None and not lock.opened:
        hw.reset()
    if lock.opened:
        from drivers.console import keyboard_interrupt

        keyboard_interrupt(True)
        hw.console_lease(CONSOLE_LEASE_MS)
        return
    if failure:
        raise failure[0]
