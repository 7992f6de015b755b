"""Canaries: a time-out with distinctive values (a home position, a task text, contact numbers,
moods, the positions relayed) and not one of them in any byte that leaves a device: BLE
adverts, writes and notifications, every byte written to the modem's UART, the user data of
every text message; and on the flash only where docs/link.md ("Where things are kept") says.
"""

import os
import re
import struct
from pathlib import Path

import pytest

from host_sim import modem_sim, scenario
from host_sim.vloop import run
from host_sim.world import World

from link import codec
from link.auth import keys

TASK = "Canary walk along the Zwanenvijver"
HOME = (521357913, 48642097)
CONTACTS = {"A": [{"name": "Anja Kanarie", "phone": "+31687654321"},
                  {"name": "Bram Kanarie", "phone": "+31623456789"},
                  {"name": "Dirk Kanarie", "phone": "+31635792468"}],
            "B": [{"name": "Cees Kanarie", "phone": "+31698765432"},
                  {"name": "Evi Kanarie", "phone": "+31613572468"},
                  {"name": "Fien Kanarie", "phone": "+31624681357"}]}

SCENARIO = """
name = "canary"
duration = "45m"
seed = 3

[couple]
leaver = "B"
timeout_min = 30
home_lat_e7 = %d
home_lon_e7 = %d
walk_away_grace_s = 300
too_close_tolerance_s = 60

[A]
moods = ["angry", "so-so", "calm"]
config = { task = "%s" }
contacts = [{ name = "Anja Kanarie", phone = "+31687654321" },
            { name = "Bram Kanarie", phone = "+31623456789" },
            { name = "Dirk Kanarie", phone = "+31635792468" }]
contact_answers = ["no_answer", "answer"]

[B]
moods = ["so-so", "calm"]
contacts = [{ name = "Cees Kanarie", phone = "+31698765432" },
            { name = "Evi Kanarie", phone = "+31613572468" },
            { name = "Fien Kanarie", phone = "+31624681357" }]

[[at]]
t = "1m"
A = "press"

[[at]]
t = "1m30s"
B = "walk 600"

[[at]]
t = "16m"
B = "walk home"

[[expect]]
event = "timeout_started"
""" % (HOME[0], HOME[1], TASK)


def _gsm7(text):
    """The default alphabet's septets packed into octets (23.038 6.1.2.1.1), ASCII subset."""
    bits, n, out = 0, 0, bytearray()
    for ch in text.encode():
        bits |= ch << n
        n += 7
        while n >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            n -= 8
    return bytes(out)


def _semi_octets(number):
    digits = number.lstrip("+")
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def _forms_of_text(text):
    raw, ucs2 = text.encode(), text.encode("utf-16-be")
    return [raw, ucs2, _gsm7(text)[:12], raw.hex().encode(), raw.hex().upper().encode(),
            ucs2.hex().upper().encode()]


def _forms_of_coordinate(v):
    packed = struct.pack("<i", v)
    return [packed, struct.pack(">i", v), str(v).encode(), ("%.5f" % (v / 1e7)).encode(),
            packed.hex().encode(), packed.hex().upper().encode()]


def _forms_of_number(number):
    digits = number.lstrip("+")
    return [digits.encode(), digits[2:].encode(), _semi_octets(number),
            _semi_octets(number).hex().upper().encode(), digits.encode("utf-16-be")]


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _run(tmp_path_factory.mktemp("canary"), monkeypatch)


def _run(tmp_path, monkeypatch):
    ble, uart, texts = [], [], []
    orig_init = modem_sim.SimModem.__init__

    def init(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        write = self.writer.write

        def tapped(data, write=write):
            uart.append(bytes(data))
            write(data)

        self.writer.write = tapped

    orig_submit = modem_sim.SimNetwork.submit

    def submit(self, sender, tpdu):
        texts.append(modem_sim.parse_submit(bytes(tpdu)))
        return orig_submit(self, sender, tpdu)

    monkeypatch.setattr(modem_sim.SimModem, "__init__", init)
    monkeypatch.setattr(modem_sim.SimNetwork, "submit", submit)
    path = tmp_path / "canary.toml"
    path.write_text(SCENARIO)
    scn = scenario.load(path)
    flash = tmp_path / "flash"
    flash.mkdir()
    world = World(scn, seed=scn.seed, flash=str(flash))
    world.radio.taps.append(lambda t, kind, src, dst, payload: ble.append((kind, bytes(payload))))
    timeline = run(world.run(scn.duration))
    return world, timeline, ble, uart, texts, flash


def _epoch(folder):
    from link.counters import CounterStore

    for sub in ("ble", "ctr"):
        if os.path.isdir(os.path.join(folder, sub)):
            return CounterStore(os.path.join(folder, sub)).epoch
    return None


def _relayed(world, ble, texts, flash):
    """The frames that left either device and what the partner opened of them."""
    far = [ud for dest, pid, dcs, udhi, udl, ud in texts if dcs == 4]
    secret = bytes.fromhex(world.configs["A"]["pair_secret"])
    epoch = _epoch(str(flash / "A"))
    assert epoch is not None and epoch == _epoch(str(flash / "B"))
    k = keys(secret, epoch)
    frames = [p for kind, p in ble if kind != "adv"] + [ud[-codec.FRAME_LEN:] for ud in far]
    return far, frames, [codec.decode(f, k) for f in frames]


def test_no_canary_leaves_a_device(canary_run):
    world, timeline, ble, uart, texts, flash = canary_run
    events = [e["event"] for e in timeline]
    assert "timeout_started" in events and "firmware_crash" not in events
    far, frames, sent = _relayed(world, ble, texts, flash)
    assert far, "the far link carried frames as texts"
    assert len([k for k, _ in ble if k in ("write", "notify")]) > 10
    assert any(k == "adv" for k, _ in ble)
    # The frames' own plaintexts: every position and mood the devices relayed.
    opened = [s[3] for s in sent if s[0] == codec.OK]
    assert len(opened) >= len(frames) - 8  # all but the handshake's frames
    positions = [m for m in opened if m["t"] == "pos"]
    moods = [m for m in opened if m["t"] == "mood"]
    assert positions and moods, "the run relayed positions and moods"
    # No frame shows its plaintext: not the body, not four bytes of it in a row.
    for f, s in zip(frames, sent):
        if s[0] != codec.OK:
            continue
        entry = [e for e in codec.TABLE if e[1] == s[3]["t"]][0]
        plain = bytes([entry[0]]) + struct.pack(
            "<" + "".join(x.split(":")[1] for x in entry[2].split()),
            *[s[3][x.split(":")[0]] for x in entry[2].split()])
        for i in range(len(plain) - 3):
            window = plain[i:i + 4]
            assert not any(window) or window not in f[codec.HEADER_LEN:], (s[3], f.hex())

    canaries = {"task": _forms_of_text(TASK),
                "home": _forms_of_coordinate(HOME[0]) + _forms_of_coordinate(HOME[1])}
    for m in positions:
        canaries.setdefault("relayed position", []).extend(
            [struct.pack("<ii", m["lat"], m["lon"])] + _forms_of_coordinate(m["lat"])[2:4]
            + _forms_of_coordinate(m["lon"])[2:4])
    for name in "AB":
        for c in CONTACTS[name]:
            canaries["contact " + c["phone"]] = _forms_of_number(c["phone"]) + _forms_of_text(
                c["name"])

    radio = b"".join(p for _, p in ble)
    line = b"".join(uart)
    for what, forms in canaries.items():
        for form in forms:
            assert form not in radio, ("BLE", what, form)
            for ud in far:
                assert form not in ud, ("far text", what, form)
    # The modem line: a contact's number goes out only to call or text that contact, and no
    # text carries another contact's number, the task, the home or any position.
    calls = re.findall(rb"ATD([+0-9]+);", line)
    for number in calls:
        assert any(c["phone"].encode() == number for n in "AB" for c in CONTACTS[n])
    contact_texts = [(dest, ud) for dest, pid, dcs, udhi, udl, ud in texts if dcs != 4]
    assert calls and contact_texts, "the run called and texted contacts"
    without_dial = re.sub(rb"ATD[+0-9]+;", b"", line)
    without_pdus = re.sub(rb"[0-9A-F]{24,}", b"", without_dial)
    for what, forms in canaries.items():
        for form in forms:
            assert form not in without_pdus, ("UART", what, form)
            for dest, ud in contact_texts:
                if what == "contact " + dest:
                    continue
                assert form not in ud, ("text to " + dest, what, form)


def test_flash_holds_the_canaries_only_where_documented(canary_run):
    world, timeline, ble, uart, texts, flash = canary_run
    far, frames, sent = _relayed(world, ble, texts, flash)
    relayed = []
    for s in sent:
        if s[0] == codec.OK and s[3]["t"] == "pos":
            relayed += _forms_of_coordinate(s[3]["lat"])[:4] + _forms_of_coordinate(
                s[3]["lon"])[:4]
    assert relayed
    found = {}
    forms = {"task": _forms_of_text(TASK)[:2], "home": _forms_of_coordinate(HOME[0])[:3],
             "contact": _forms_of_number(CONTACTS["A"][0]["phone"])[:1], "relayed": relayed}
    for path in sorted(Path(flash).rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for what, fs in forms.items():
            if any(f in data for f in fs):
                found.setdefault(what, set()).add(str(path.relative_to(flash / path.parts[
                    len(flash.parts)])))
    # The config (and its last good copy) holds the contacts, the task and the home by
    # necessity; nothing else holds any of them, the journal and the link's stores included,
    # and no relayed position is kept anywhere. (The journal does keep moods and contacts'
    # names for the caseworker's report: docs/link.md, "Where things are kept".)
    config = {"config.json", "config.good.json"}
    assert found == {"task": config, "home": config, "contact": config}, found
