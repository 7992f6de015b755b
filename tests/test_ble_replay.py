"""The simulated stack against the recorded NimBLE runs in ../shared/data/ble/ (README there).

The recorded stories are played again on the simulated radio, with the real firmware (run2's
boots and reboots) or with the store the recorded firmware had (the failure runs), traced the
way the recordings were (every call with its result, every IRQ with what the handler
returned), and compared with the recordings: the radio set-up calls and their results, the
central's connect-to-pair sequence, every IRQ's argument types, and the secret-store calls of
every connection. A difference is where the simulator is not NimBLE.

Since the recordings, the firmware's own calls changed in two places, and the comparison
leaves exactly those out (the stack's answers are still compared): it sets a neutral GAP name
(`config(gap_name=...)`, traced as `config:gap_name`), and the central pairs only after the
partner's first authenticated answer, so that notification now comes before `gap_pair`.
The advertising payload and the GATT UUIDs are not compared byte for byte (random and
per-couple in both).
"""

import asyncio
import os
import re
from pathlib import Path

import pytest

from host_sim import bluetooth_sim as bt
from host_sim.radio_world import Stranger, install
from host_sim.vloop import run

install()

from ble.bond import BondStore  # noqa: E402
from ble.link import BleLink  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ble"
NAMES = {v: k for k, v in bt.IRQ.items()}
SECRET = bytes(range(1, 33))

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="recorded BLE traces not present")

_LINE = re.compile(r"^\d+ (\w+) (CALL|IRQ) (\w+) \((.*?)\)\s*(?:\{.*?\})?\s*(?:->\s*(.*?))?\s*"
                   r"(?:PARTNER|type=\S+ ctr=\S+ len=\S+)?\s*$")
_RET = re.compile(r"^\d+ \w+\s+irq returned (.*)$")


def _split(text):
    out, depth, cur, quote = [], 0, "", False
    for ch in text:
        if ch == "'":
            quote = not quote
        elif not quote and ch in "([":
            depth += 1
        elif not quote and ch in ")]":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _value(tok):
    """A recorded argument as (kind, value): i, bool, N, mv, b, U, tuple."""
    if re.fullmatch(r"-?\d+", tok):
        return ("i", int(tok))
    if tok in ("True", "False"):
        return ("bool", tok == "True")
    if tok == "None":
        return ("N", None)
    if tok.startswith("mv'"):
        return ("mv", bytes.fromhex(tok[3:-1]))
    if tok.startswith("b'"):
        return ("b", bytes.fromhex(tok[2:-1]))
    if tok.startswith("UUID("):
        return ("U", tok)
    return ("tuple", tok)


def _kind(v):
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("i", v)
    if v is None:
        return ("N", None)
    if isinstance(v, memoryview):
        return ("mv", bytes(v))
    if isinstance(v, (bytes, bytearray)):
        return ("b", bytes(v))
    if isinstance(v, bt.UUID):
        return ("U", repr(v))
    return ("tuple", repr(v))


def load(path):
    """[(kind, name, args [(kind, value)], result (kind, value) or None)] of one log."""
    events = []
    for line in Path(path).read_text().splitlines():
        if line.lstrip().startswith("... ["):
            break  # the recording left lines out here: compare what comes before
        m = _LINE.match(line)
        if m:
            _, kind, name, args, result = m.groups()
            res = None if result is None else _value(result.strip() or "None")
            if name == "gatts_register_services":
                args = ""
            events.append([kind, name, [_value(t) for t in _split(args)], res])
            continue
        m = _RET.match(line)
        if m and events:
            events[-1][3] = _value(m.group(1).strip())
    if events and events[-1][1] in ("GET_SECRET", "SET_SECRET") and events[-1][3] is None:
        events.pop()  # cut off before its answer was logged
    return events


class Tracer:
    """What the recordings' tracing proxy did, around a simulated BLE."""

    def __init__(self, ble):
        self._ble = ble
        self.events = []

    def irq(self, handler):
        def traced(event, data):
            result = handler(event, data)
            self.events.append(["IRQ", NAMES[event], [_kind(v) for v in data],
                                None if result is None else _kind(result)])
            return result

        self._ble.irq(traced)

    def __getattr__(self, name):
        fn = getattr(self._ble, name)

        def call(*args, **kwargs):
            result = fn(*args, **kwargs)
            traced = name
            if name == "config" and set(kwargs) == {"gap_name"}:
                traced = "config:gap_name"  # not made by the recorded firmware
            if name != "config" or kwargs:
                self.events.append(["CALL", traced, [_kind(v) for v in args] if name !=
                                    "gatts_register_services" else [], _kind(result)])
            return result

        return call


# ---- abstractions compared ---------------------------------------------------------------

def setup_calls(events):
    """The calls from activation to the first scan, with their results."""
    out = []
    for kind, name, _args, res in events:
        if kind == "CALL" and name != "config:gap_name":
            if res is not None and res[0] == "tuple":  # ((21,),) was logged as ((21))
                res = ("tuple", re.sub(r"[ ,]", "", res[1]))
            out.append((name, res if name != "gap_advertise" else None))
            if name == "gap_scan":
                break
    return out


def connect_sequence(events):
    """From the first gap_connect to gap_pair: names and the integer arguments (frames both
    ways left out)."""
    out, on = [], False
    for kind, name, args, _res in events:
        if kind == "CALL" and name == "gap_connect":
            on = True
            continue
        if not on or name in ("gattc_write", "GATTC_NOTIFY", "SCAN_RESULT", "SCAN_DONE"):
            continue
        out.append((kind, name, tuple(v for k, v in args if k == "i")))
        if name == "gap_pair":
            break
    return out


def signatures(events, skip_activation=True):
    """IRQ name -> the set of argument kind tuples seen."""
    out = {}
    for kind, name, args, _res in events:
        if kind != "IRQ":
            continue
        if skip_activation and name in ("GET_SECRET", "SET_SECRET") and (
                args[0][1] == 10 or args[-1][0] == "N" and name == "GET_SECRET"):
            continue  # the activation's IRK calls: the recorded firmware was not asked them
        out.setdefault(name, set()).add(tuple(k for k, _ in args))
    return out


def _ret(res):
    if res is None or res[0] == "N":
        return None
    if res[0] == "bool":
        return res[1]
    return "value"


def secret_calls(events):
    """Per connection (split at each connect), the store calls and encryption updates."""
    conns = []
    for _kind, name, args, res in events:
        if name in ("CENTRAL_CONNECT", "PERIPHERAL_CONNECT"):
            conns.append([])
        elif not conns:
            continue
        elif name == "GET_SECRET":
            key = args[2]
            conns[-1].append(("GET", args[0][1], args[1][1],
                              "zeros" if key[0] != "N" and not any(key[1]) else key[0],
                              _ret(res)))
        elif name == "SET_SECRET":
            conns[-1].append(("SET", args[0][1], args[2][0] == "N", _ret(res)))
        elif name == "ENCRYPTION_UPDATE":
            conns[-1].append(("ENC",) + tuple(v for _, v in args[1:]))
    return conns


def assert_prefixes(recorded, simulated, what):
    assert len(simulated) >= len(recorded), (what, "connections", len(recorded), simulated)
    for i, (rec, sim) in enumerate(zip(recorded, simulated)):
        assert sim[:len(rec)] == rec, (what, "connection", i + 1, rec, sim)


# ---- run2 with the firmware ----------------------------------------------------------------

class Device:
    def __init__(self, radio, tmp, role, x):
        self.radio, self.tmp, self.role, self.x = radio, tmp, role, x
        self.boots = []

    def boot(self):
        name = "AB"[self.role]
        ble = Tracer(self.radio.ble_for(name, lambda: (self.x, 0.0)))
        link = BleLink(ble, SECRET, self.role, os.path.join(self.tmp, name),
                           self.radio.ticks_ms, urandom=os.urandom)
        self.boots.append((ble, link))
        link.start()
        return link

    @property
    def link(self):
        return self.boots[-1][1]


@pytest.fixture(scope="module")
def run2(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("run2"))
    radio = bt.Radio(seed=21)
    a, b = Device(radio, tmp, 0, 0.0), Device(radio, tmp, 1, 3.0)

    async def until(cond, limit_s):
        t_end = radio.now() + limit_s
        while not cond() and radio.now() < t_end:
            await asyncio.sleep(0.05)
        assert cond()

    def both_encrypted():
        return all(d.link.connected and d.link.security == "encrypted" for d in (a, b))

    async def story():
        b.boot()
        await asyncio.sleep(1.0)
        a.boot()
        await until(both_encrypted, 15)  # B1 and A1
        await asyncio.sleep(2)
        b.link.stop()  # B: a clean stop and a reboot
        await asyncio.sleep(2)
        b.boot()
        await until(both_encrypted, 30)  # B2 and A1: A pairs afresh, B repeats pairing
        await asyncio.sleep(2)
        a.link.stop()  # A: killed and rebooted (its keys were written already)
        await asyncio.sleep(1)
        a.boot()
        await until(lambda: a.link.connected and a.link.security == "encrypted", 30)
        await asyncio.sleep(2)
        for d in (a, b):
            d.link.stop()
        await asyncio.sleep(1)

    run(story())
    sims = {"A1": a.boots[0][0].events, "A2": a.boots[1][0].events,
            "B1": b.boots[0][0].events, "B2": b.boots[1][0].events}
    recs = {n: load(DATA / "run2_bondfix_full_success" / (n + ".log")) for n in sims}
    return recs, sims, radio


def test_recordings_parse():
    recs = load(DATA / "run2_bondfix_full_success" / "B2.log")
    names = {e[1] for e in recs}
    assert {"CENTRAL_CONNECT", "GET_SECRET", "SET_SECRET", "ENCRYPTION_UPDATE",
            "gatts_notify", "active"} <= names
    enc = [e for e in recs if e[1] == "ENCRYPTION_UPDATE"][0]
    assert [k for k, _ in enc[2]] == ["i"] * 5  # ints on the real stack, not bools


def test_radio_setup_calls_and_results_match(run2):
    recs, sims, _ = run2
    for name in sims:
        assert setup_calls(sims[name]) == setup_calls(recs[name]), name


def test_central_connect_to_pair_sequence_matches(run2):
    recs, sims, _ = run2
    for name in ("A1", "A2"):
        rec = connect_sequence(recs[name])
        assert rec and connect_sequence(sims[name]) == rec, name


def test_the_central_pairs_only_after_the_partner_answered(run2):
    _, sims, _ = run2
    for name in ("A1", "A2"):
        calls = [(kind, n) for kind, n, _a, _r in sims[name]]
        first_pair = calls.index(("CALL", "gap_pair"))
        assert ("IRQ", "GATTC_NOTIFY") in calls[:first_pair], name


def test_the_gap_name_is_set_once_at_each_boot(run2):
    _, sims, _ = run2  # its value: tests/test_ble_partner_only.py
    for name, events in sims.items():
        made = [n for _k, n, _a, _r in events if n.startswith("config:")]
        assert made == ["config:gap_name"], name


def test_irq_argument_types_match(run2):
    recs, sims, _ = run2
    rec_sig, sim_sig = {}, {}
    for name in sims:
        for k, v in signatures(recs[name]).items():
            rec_sig.setdefault(k, set()).update(v)
        for k, v in signatures(sims[name]).items():
            sim_sig.setdefault(k, set()).update(v)
    assert {"CENTRAL_CONNECT", "PERIPHERAL_CONNECT", "MTU_EXCHANGED", "GATTS_WRITE",
            "GATTC_NOTIFY", "SCAN_RESULT", "ENCRYPTION_UPDATE", "GET_SECRET",
            "SET_SECRET", "GATTC_CHARACTERISTIC_RESULT"} <= set(sim_sig)
    for name in rec_sig:
        if name in sim_sig:
            assert sim_sig[name] == rec_sig[name], name


def test_activation_asks_for_the_irk_then_walks_the_peer_keys(run2):
    _, sims, _ = run2
    for name, events in sims.items():
        first = [e for e in events if e[0] == "IRQ"][:2]
        assert first[0][1] == "GET_SECRET" and first[0][2][0] == ("i", 10), name
        if name in ("A1", "B1"):  # nothing stored yet: a new key is made and saved
            assert first[1][1] == "SET_SECRET" and first[1][3] == ("bool", True), name


def test_secret_store_calls_per_connection_match(run2):
    recs, sims, radio = run2
    for name in sims:
        assert_prefixes(secret_calls(recs[name]), secret_calls(sims[name]), name)
    assert not [x for x in radio.log if x[1] == "ble_stack_hung"]


# ---- the failure runs, with the store the recorded firmware had ------------------------

class RecordedStore:
    """The bond store as the recorded stock firmware had it: every delete answered True,
    new keys refused once 8 are held."""

    def __init__(self):
        self.keys = {}

    def irq(self, event, data):
        if event == bt.IRQ["GET_SECRET"]:
            sec_type, index, key = data
            return self.keys.get((sec_type, bytes(key))) if key is not None else None
        if event == bt.IRQ["SET_SECRET"]:
            sec_type, key, value = data
            k = (sec_type, bytes(key))
            if value is None:
                self.keys.pop(k, None)
                return True
            if k in self.keys or len(self.keys) < 8:
                self.keys[k] = bytes(value)
                return True
            return False
        return None


class FixedStore:
    """The firmware's store with every key trusted (run5 had only the delete fixed)."""

    def __init__(self, path):
        self.store = BondStore(path)

    def irq(self, event, data):
        if event == bt.IRQ["GET_SECRET"]:
            return self.store.get(*data)
        if event == bt.IRQ["SET_SECRET"]:
            return self.store.set(data[0], data[1], data[2], True)
        return None


def _strangers(store, plan, seed):
    """B as a bare peripheral with `store`; plan: [(stranger name, bond, forget_and_repair)]."""
    radio = bt.Radio(seed=seed)
    b = Tracer(radio.ble_for("B", lambda: (0.0, 0.0)))
    b.active(True)  # then the handler, in the recorded firmware's order: no IRK is asked
    b.irq(store.irq)
    b.config(bond=True, le_secure=True, mitm=False, mtu=64, addr_mode=2)

    async def story():
        for name, bond, repair in plan:
            s = Stranger(radio, name, lambda: (2.0, 0.0), bond=bond)
            for _ in range(2 if repair else 1):
                b.gap_advertise(250000, b"\x02\x01\x06", connectable=True)
                await s.pair_once(limit_s=8)
                if b._ble._hung:
                    return
                s.forget()
                await asyncio.sleep(1.5)
            s.leave()

    run(story())
    return b.events, radio


def test_run1_and_run3_a_store_that_always_deletes_hangs_the_stack():
    events, radio = _strangers(RecordedStore(), [("S", True, True)], seed=31)
    rec = load(DATA / "run3_stock_stranger_forget_repair_livelock" / "B.log")
    assert_prefixes(secret_calls(rec), secret_calls(events), "run3")
    assert [x for x in radio.log if x[1] == "ble_stack_hung"]
    rec1 = secret_calls(load(DATA / "run1_stock_firmware_bond_delete_livelock" / "B2.log"))
    assert rec1[0][:3] == secret_calls(events)[1][:3]  # the partner's re-pair: the same loop


def test_run4_strangers_fill_the_recorded_store():
    plan = [("S1", True, False), ("S2", False, False), ("S3", True, False),
            ("S4", True, False), ("S5", True, False), ("S6", True, False)]
    events, _ = _strangers(RecordedStore(), plan, seed=41)
    rec = load(DATA / "run4_stock_strangers_fill_bond_table" / "B.log")
    assert_prefixes(secret_calls(rec), secret_calls(events), "run4")


def test_run5_a_store_keeping_the_contract_lets_the_stranger_pair_again(tmp_path):
    events, radio = _strangers(FixedStore(str(tmp_path / "bonds.bin")), [("S", True, True)],
                               seed=51)
    rec = load(DATA / "run5_bondfix_stranger_forget_repair_ok" / "B.log")
    assert_prefixes(secret_calls(rec), secret_calls(events), "run5")
    assert not [x for x in radio.log if x[1] == "ble_stack_hung"]
