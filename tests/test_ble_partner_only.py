"""Only the partner gets anything from a device's radio, on the simulated NimBLE stack: a
stranger's central is thrown out, cannot pair or read; the GATT UUIDs are the couple's own and
the GAP name says nothing; a recorded advert replayed in a later slot is not "near"."""

import asyncio
import os

from host_sim import bluetooth_sim as bt
from host_sim.radio_world import Stranger, install, make_link
from host_sim.vloop import run

install()

from ble import adv  # noqa: E402

SECRET = bytes(range(1, 33))
OTHER = bytes(range(60, 92))
EPOCH = 1_780_000_000
IRQ = bt.IRQ


def _clock(radio, skew_s=0):
    return lambda: EPOCH + int(radio.now()) + skew_s


def _link(radio, tmp, name, role, secret=SECRET, where=(0.0, 0.0)):
    return make_link(radio, name, secret, role, os.path.join(tmp, name), lambda: where,
                     epoch_s=_clock(radio, 7 * role))


class Central:
    """A stranger's central with an app that does what it likes (not the firmware)."""

    def __init__(self, radio, name, where=(1.0, 1.0)):
        self.radio = radio
        self.events = []
        self.ble = radio.ble_for(name, lambda: where)
        self.ble.irq(self._irq)
        self.ble.active(True)
        self.ble.config(bond=True, le_secure=True, mitm=False)

    def _irq(self, event, data):
        if event in (IRQ["GET_SECRET"], IRQ["SET_SECRET"]):
            return None if event == IRQ["GET_SECRET"] else True
        self.events.append((event, tuple(bytes(x) if isinstance(x, memoryview) else x
                                         for x in data)))
        return None

    def seen(self, event):
        return [d for e, d in self.events if e == IRQ[event]]

    async def connect(self):
        n_conn = len(self.seen("PERIPHERAL_CONNECT"))
        n_scan = len(self.seen("SCAN_RESULT"))
        self.ble.gap_scan(3000, 100000, 100000)
        for _ in range(60):
            await asyncio.sleep(0.05)
            found = [d for d in self.seen("SCAN_RESULT")[n_scan:] if d[2] == 0]
            if found:
                self.ble.gap_scan(None)
                self.ble.gap_connect(found[-1][0], found[-1][1])
                break
        for _ in range(40):
            await asyncio.sleep(0.05)
            if len(self.seen("PERIPHERAL_CONNECT")) > n_conn:
                return self.seen("PERIPHERAL_CONNECT")[-1][0]
        return None


def test_a_strangers_central_cannot_read_pair_or_stay(tmp_path):
    radio = bt.Radio(seed=61)
    b = _link(radio, str(tmp_path), "B", 1)

    async def scenario():
        b.start()
        await asyncio.sleep(1)
        m = Central(radio, "M")
        conn = await m.connect()
        assert conn is not None, "B is connectable: anyone may try"
        m.ble.gattc_discover_services(conn)
        await asyncio.sleep(0.3)
        m.ble.gattc_discover_characteristics(conn, 1, 0xFFFF)
        await asyncio.sleep(0.3)
        chars = m.seen("GATTC_CHARACTERISTIC_RESULT")
        assert chars
        m.ble.gattc_read(conn, chars[0][2])
        m.ble.gattc_read(conn, bt.GAP_NAME_HANDLE)
        await asyncio.sleep(0.3)
        reads = {d[1]: d[2] for d in m.seen("GATTC_READ_RESULT")}
        done = {d[1]: d[2] for d in m.seen("GATTC_READ_DONE")}
        await asyncio.sleep(3)  # says nothing: thrown out once the proof window ends
        kicked_quiet = bool(m.seen("PERIPHERAL_DISCONNECT"))
        services = [d[3] for d in m.seen("GATTC_SERVICE_RESULT")]

        conn = await m.connect()  # again, and this time it pairs at once
        t0 = radio.now()
        m.ble.gap_pair(conn)
        while not len(m.seen("PERIPHERAL_DISCONNECT")) > 1 and radio.now() - t0 < 5:
            await asyncio.sleep(0.01)
        kicked_after_pair_s = radio.now() - t0
        await asyncio.sleep(1)
        b.stop()
        await asyncio.sleep(1)
        return (reads, done, kicked_quiet, kicked_after_pair_s, services,
                dict(b.stats), b.bonds.peers())

    reads, done, kicked_quiet, kicked_after_pair_s, services, stats, peers = run(scenario())
    assert kicked_quiet
    assert kicked_after_pair_s < 0.5  # paired before proving the secret: cut off at once
    assert stats["strangers"] == 2 and stats["connects"] == 0
    assert peers == 0  # nothing it paired is kept
    char_handle = [h for h in done if h != bt.GAP_NAME_HANDLE][0]
    assert char_handle not in reads and done[char_handle] == bt.ATT_READ_NOT_PERMITTED
    assert reads[bt.GAP_NAME_HANDLE] == b""  # the GAP name says nothing
    assert services and all(u != bt.UUID("5e3c9a71-0b24-4f8e-9d61-c2a7f04b8e13")
                            for u in services)


def _service_uuid(tmp, secret, seed):
    radio = bt.Radio(seed=seed)
    b = _link(radio, tmp, "B", 1, secret=secret)

    async def scenario():
        b.start()
        await asyncio.sleep(1)
        m = Central(radio, "M")
        conn = await m.connect()
        m.ble.gattc_discover_services(conn)
        await asyncio.sleep(0.3)
        m.ble.gattc_discover_characteristics(conn, 1, 0xFFFF)
        await asyncio.sleep(0.3)
        b.stop()
        await asyncio.sleep(1)
        return ([d[3] for d in m.seen("GATTC_SERVICE_RESULT")],
                [d[4] for d in m.seen("GATTC_CHARACTERISTIC_RESULT")])

    return run(scenario())


def test_gatt_uuids_differ_per_couple_and_stay_for_one(tmp_path):
    ours = _service_uuid(str(tmp_path / "1"), SECRET, 71)
    again = _service_uuid(str(tmp_path / "2"), SECRET, 72)  # another boot, another radio
    theirs = _service_uuid(str(tmp_path / "3"), OTHER, 73)
    assert ours == again
    assert ours[0] != theirs[0] and ours[1] != theirs[1]
    assert ours[0] != ours[1]


def test_a_stranger_pairing_many_times_never_locks_the_partner_out(tmp_path):
    radio = bt.Radio(seed=62)
    a = _link(radio, str(tmp_path), "A", 0, where=(0.0, 0.0))
    b = _link(radio, str(tmp_path), "B", 1, where=(3.0, 0.0))

    async def scenario():
        b.start()
        for i in range(10):  # ten strangers' phones pair with B before A comes
            s = Stranger(radio, "S%d" % i, lambda: (2.0, 1.0))
            await s.pair_once(limit_s=6)
            s.leave()
        a.start()
        t0 = radio.now()
        while not (a.connected and b.connected and b.security == "encrypted") \
                and radio.now() - t0 < 30:
            await asyncio.sleep(0.1)
        ok = a.connected and b.security == "encrypted"
        for link in (a, b):
            link.stop()
        await asyncio.sleep(1)
        return ok, b.bonds.peers(), dict(b.stats)

    ok, peers, stats = run(scenario())
    assert ok
    assert peers == 2  # the partner's two entries, no stranger's
    assert stats["strangers"] >= 10


def test_a_recorded_advert_replayed_later_is_not_near(tmp_path):
    radio = bt.Radio(seed=63)
    a = _link(radio, str(tmp_path), "A", 0)
    b = _link(radio, str(tmp_path), "B", 1, where=(40.0, 0.0))  # out of range of A
    captured = []

    async def scenario():
        a.start()
        b.start()
        rec = radio.ble_for("R", lambda: (40.0, 1.0))  # records next to B
        rec.irq(lambda ev, data: captured.append(bytes(data[4])) if ev == 5 else None)
        rec.active(True)
        rec.gap_scan(3000, 100000, 100000)
        await asyncio.sleep(3.5)
        b.stop()  # B goes far away
        recorded = [p for p in captured if adv.find_ident(p) is not None]
        assert recorded
        await asyncio.sleep(3 * adv.SLOT_S)
        # Three slots later the recording is played next to A, again and again.
        rec.active(False)
        player = radio.ble_for("P", lambda: (1.0, 0.0))
        player.active(True)
        for _ in range(40):  # advertising again whenever a connection stopped it
            player.gap_advertise(100000, recorded[-1], connectable=True)
            await asyncio.sleep(1)
        out = (a.near, a.rssi, a.stats["adv_stale"], a.stats["conn_fail"])
        a.stop()
        await asyncio.sleep(1)
        return out

    near, rssi, stale, tries = run(scenario())
    assert stale >= 3
    assert near is not True and rssi is None
    assert tries <= 2  # steered into at most one connection attempt in 30 s
