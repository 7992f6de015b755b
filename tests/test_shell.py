"""The device shell on the board interface: a board without a modem, GNSS receiver or
microphone builds and runs its device, and an action kind the shell does not know is journaled
instead of dropped. Virtual time (host_sim.vloop): no timing flakes."""

import asyncio
import importlib.util
import json

import app
import board as sim_board
from drivers.board_base import BoardBase
from host_sim import vloop
from mpy import ROOT
from store.journal import Journal

CONFIG = {"role": "A", "pair_secret": "dd2970e6874e9d835dc443a528a719f3",
          "contacts": [{"name": "Ann", "phone": "+31611111111"},
                       {"name": "Bob", "phone": "+31622222222"},
                       {"name": "Cy", "phone": "+31633333333"}]}


def real_board_class(name):
    """boards/<name>/board.py's Board, loaded under its own module name (the sim board is the
    `board` module of the tests). Its parts are built on first use only, so no machine module
    is needed to ask it what it lacks."""
    spec = importlib.util.spec_from_file_location("board_" + name,
                                                  ROOT / "boards" / name / "board.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Board


class Lights:
    faults = 0

    def __init__(self, seen):
        self.seen = seen

    def show(self, key, rgb, vibration, tone, text):
        self.seen.append(("feedback", key))


def on_host(board_class, folder, seen):
    """board_class with the parts every board has (clock, storage, button, feedback) on the
    host and the virtual clock; what the class lacks stays absent. BLE and the microphone are
    taken away too: a board with nothing but a button and a light."""

    class HostBoard(board_class):
        def __init__(self):
            super().__init__()
            self._button = sim_board.SimButton()

        def ticks_ms(self):
            return int(asyncio.get_running_loop().time() * 1000) & ((1 << 30) - 1)

        def epoch_s(self):
            return None

        def reset_cause(self):
            return "power_on"

        def storage_dir(self):
            return str(folder)

        def button(self):
            return self._button

        def feedback(self):
            return Lights(seen)

        def ble(self):
            return None

        def microphone(self):
            return None

        def watchdog(self):
            return None

        def observer(self):
            return lambda kind, data: seen.append((kind, data))

    return HostBoard()


def journal_of(seen):
    return [data for kind, data in seen if kind == "journal"]


def test_home_unit_lacks_modem_gnss_and_battery():
    hw = real_board_class("home_unit")()
    assert isinstance(hw, BoardBase)
    assert hw.modem_uart() is None and hw.gnss() is None and hw.battery_mv() is None
    assert hw.phone() is None and hw.partner_pipe() is None and hw.until_stop() is None
    assert app.make_phone(hw, dict(CONFIG, partner_phone=""), None) == (None, None, [])


def test_board_without_modem_gnss_or_microphone_runs_a_timeout(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    seen = []
    hw = on_host(real_board_class("home_unit"), tmp_path, seen)

    async def main():
        task = asyncio.create_task(app.run(hw))
        await asyncio.sleep(2)
        hw.button().inject(True, hw.ticks_ms())
        await asyncio.sleep(0.08)
        hw.button().inject(False, hw.ticks_ms())
        await asyncio.sleep(5)
        hw.button().inject(True, hw.ticks_ms())  # three presses: call my contact now
        for _ in range(2):
            await asyncio.sleep(0.08)
            hw.button().inject(False, hw.ticks_ms())
            await asyncio.sleep(0.15)
            hw.button().inject(True, hw.ticks_ms())
        hw.button().inject(False, hw.ticks_ms())
        await asyncio.sleep(60)
        done = task.done()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return done

    assert vloop.run(main()) is False, "the firmware ran until stopped"
    cats = [e["cat"] for e in journal_of(seen)]
    assert cats[0] == "boot" and "timeout_started" in cats
    assert "fault" not in cats
    # no phone: nobody can be called or texted, and the wearer hears exactly that: no
    # "calling", no "nobody answered, they will get a message" (no text can ever go)
    assert ("feedback", "calling") not in seen
    assert ("feedback", "contacts_unreached") not in seen
    assert ("feedback", "cannot_call") in seen
    assert "chain_impossible" in cats and "all_contacts_unreached" not in cats


def test_an_unknown_action_kind_is_journaled_not_dropped(tmp_path):
    from shell.device import Device

    (tmp_path / "config.json").write_text(json.dumps(CONFIG))
    seen = []
    hw = on_host(BoardBase, tmp_path, seen)

    async def main():
        cfg = app.load_config(str(tmp_path))[0]
        journal = Journal(str(tmp_path), observer=hw.observer())
        device = Device(hw, cfg, journal, app.make_link(hw, cfg, str(tmp_path)), lambda: 7,
                        None)
        before = device.faults
        device.apply([("teleport", 1), ("journal", "boot", {"board": "x"})])
        return device.faults - before

    assert vloop.run(main()) == 1
    entries = journal_of(seen)
    unknown = [e for e in entries if e["cat"] == "fault" and e.get("what") == "unknown_action"]
    assert unknown and unknown[0]["kind"] == "'teleport'"
    assert entries[-1]["cat"] == "boot", "the actions after it still run"
