"""The partner link end to end on the simulated radio, in virtual time: delivery, link loss,
reboots, near, and attackers (eavesdropper replaying, forger, another couple next door)."""

import asyncio
import os

from host_sim.bluetooth_sim import IRQ, UUID, Radio
from host_sim.vloop import run
from host_sim.radio_world import install, make_link

install()

SECRET = bytes(range(1, 33))
OTHER = bytes(range(50, 82))
EPOCH = 1_780_000_000  # the wall clock at radio time 0 (set from GNSS or the network)


class Pair:
    """Two linked devices whose positions (metres) tests move around."""

    def __init__(self, tmp, radio, secret=SECRET, names=("A", "B"), where=((0, 0), (4, 0)),
                 clocks=True):
        # clocks: both wall clocks set (B's 20 s ahead of A's), or None: neither set yet
        self.clocks = {names[0]: 0, names[1]: 20} if clocks else None
        self.pos = {names[0]: list(where[0]), names[1]: list(where[1])}
        self.got = {names[0]: [], names[1]: []}
        self.radio = radio
        self.tmp = tmp
        self.secret = secret
        self.names = names
        self.links = [self._link(i) for i in (0, 1)]

    def _link(self, role):
        name = self.names[role]

        def on_message(msg, name=name):
            self.got[name].append((self.radio.now(), msg))

        epoch_s = None
        if self.clocks is not None:
            skew = self.clocks[name]

            def epoch_s():
                return EPOCH + int(self.radio.now()) + skew

        return make_link(self.radio, name, self.secret, role, os.path.join(self.tmp, name),
                         lambda: tuple(self.pos[name]), on_message=on_message,
                         epoch_s=epoch_s)

    def start(self):
        for link in self.links:
            link.start()

    def reboot(self, role):
        self.links[role].stop()
        self.links[role] = self._link(role)
        self.links[role].start()

    async def until(self, cond, limit_s):
        t_end = self.radio.now() + limit_s
        while not cond() and self.radio.now() < t_end:
            await asyncio.sleep(0.05)
        return cond()

    async def stop(self):
        for link in self.links:
            link.stop()
        await asyncio.sleep(2)


def start_msg(tid):
    return {"t": "start", "tid": tid, "by": 0, "why": 0, "el": 0, "lv": 1}


def test_press_on_a_reaches_b_within_one_second(tmp_path):
    radio = Radio(seed=11)
    pair = Pair(str(tmp_path), radio)
    latencies = []

    async def scenario():
        pair.start()
        assert await pair.until(lambda: all(x.connected for x in pair.links), 10)
        for tid in range(1, 21):
            t0 = radio.now()
            assert pair.links[tid % 2].send(start_msg(tid))
            other = pair.names[1 - tid % 2]
            assert await pair.until(
                lambda tid=tid, other=other: any(m["tid"] == tid for _, m in pair.got[other]), 5)
            latencies.append(radio.now() - t0)
            await asyncio.sleep(0.3)
        await pair.stop()

    run(scenario())
    assert max(latencies) < 1.0
    assert [m["tid"] for _, m in pair.got["A"]] == list(range(1, 21, 2))
    assert [m["tid"] for _, m in pair.got["B"]] == list(range(2, 21, 2))
    assert not radio.irq_errors
    assert all(link.stats["irq_err"] == 0 for link in pair.links)


def test_link_loss_out_of_range_and_reboots_end_consistent(tmp_path):
    radio = Radio(seed=12, drop_per_hour=20, gatt_loss=0.05)
    pair = Pair(str(tmp_path), radio)

    async def scenario():
        pair.start()
        assert await pair.until(lambda: pair.links[0].connected, 10)
        a, b = pair.links
        assert a.send(start_msg(42))
        await asyncio.sleep(0.5)
        pair.pos["A"] = [300, 0]  # walks out of range mid time-out
        assert await pair.until(lambda: not a.connected, 20)
        for seq in range(1, 4):  # mood answers while apart queue up
            assert a.send({"t": "mood", "tid": 42, "seq": seq, "m": seq, "fin": 0})
        a.send({"t": "state", "tid": 42, "el": 60000, "ph": 2, "home": 0, "ext": 0, "m": 1,
                "on": 1, "by": 0, "lv": 1})
        await asyncio.sleep(60)
        pair.reboot(1)  # B reboots while apart
        await asyncio.sleep(5)
        pair.pos["A"] = [3, 0]  # back in range
        assert await pair.until(lambda: a.connected and a.pending() == 0, 60)
        for i in range(30):  # keep talking through random drops
            a.send({"t": "mood", "tid": 42, "seq": 10 + i, "m": 1, "fin": 0})
            pair.links[1].send({"t": "mood", "tid": 42, "seq": 10 + i, "m": 2, "fin": 0})
            await asyncio.sleep(20)
        assert a.send({"t": "end", "tid": 42, "out": 1})
        assert await pair.until(lambda: a.pending() == 0 and pair.links[1].pending() == 0, 120)
        await pair.stop()

    run(scenario())
    got_b = [m for _, m in pair.got["B"]]
    got_a = [m for _, m in pair.got["A"]]
    # Everything A said arrived, once each, and both ended with the same time-out.
    seqs = [m["seq"] for m in got_b if m["t"] == "mood"]
    assert sorted(set(seqs)) == [1, 2, 3] + list(range(10, 40))
    assert len(seqs) == len(set(seqs))
    assert [m["tid"] for m in got_b if m["t"] == "start"] == [42]
    assert got_b[-1] == {"t": "end", "tid": 42, "out": 1}
    assert sorted(m["seq"] for m in got_a) == list(range(10, 40))
    drops = [e for e in radio.log if e[1].startswith("drop")]
    assert any(1 < e[0] < 60 for e in drops)  # the walk away did break the connection
    assert pair.links[0].stats["connects"] >= 2
    assert not radio.irq_errors


def test_queue_is_bounded_and_newest_state_wins(tmp_path):
    radio = Radio(seed=13)
    pair = Pair(str(tmp_path), radio, where=((0, 0), (500, 0)))  # out of range

    async def scenario():
        pair.start()
        a = pair.links[0]
        results = [a.send({"t": "undo", "tid": i}) for i in range(1, 11)]
        for el in (1, 2, 3):
            a.send({"t": "state", "tid": 1, "el": el, "ph": 0, "home": 2, "ext": 0, "m": 0,
                    "on": 1, "by": 0, "lv": 0})
        assert not a.send({"t": "undo", "tid": 0})  # invalid: refused, counted
        assert not a.send({"t": "wave"})
        pair.pos["B"] = [5, 0]
        await pair.until(lambda: a.pending() == 0, 30)
        await pair.stop()
        return results, a.stats

    results, stats = run(scenario())
    assert results == [True] * 8 + [False] * 2
    assert stats["q_full"] == 2 + 3  # no queued state to replace: the states were refused
    assert stats["bad_msg"] == 2
    got = [m for _, m in pair.got["B"]]
    assert [m["tid"] for m in got if m["t"] == "undo"] == list(range(1, 9))


def test_near_follows_distance(tmp_path):
    radio = Radio(seed=14)
    pair = Pair(str(tmp_path), radio, where=((0, 0), (3, 0)))

    async def scenario():
        pair.start()
        assert await pair.until(lambda: all(x.near for x in pair.links), 30)
        pair.pos["B"] = [80, 0]
        assert await pair.until(lambda: not any(x.near for x in pair.links), 40)
        await pair.stop()

    run(scenario())


def _attacker(radio, name, where):
    """A device running hostile code on the same radio."""
    ble = radio.ble_for(name, lambda: where)
    ble.active(True)
    events = []

    def irq(event, data):
        events.append((event, tuple(bytes(x) if isinstance(x, memoryview) else x
                                    for x in data)))

    ble.irq(irq)
    return ble, events


def test_eavesdropper_replay_and_forger_change_nothing(tmp_path):
    radio = Radio(seed=15)
    pair = Pair(str(tmp_path), radio)
    captured = []
    radio.taps.append(lambda t, kind, src, dst, data: captured.append((kind, src, data)))

    async def scenario():
        pair.start()
        a, b = pair.links
        assert await pair.until(lambda: a.connected, 10)
        a.send(start_msg(7))
        a.send({"t": "undo", "tid": 7})
        assert await pair.until(lambda: a.pending() == 0, 10)
        before = list(pair.got["B"])
        a.stop()  # A switched off: B advertises for anyone
        await asyncio.sleep(3)
        mallory, ev = _attacker(radio, "M", (2, 2))
        mallory.gap_scan(0, 100000, 100000)
        await asyncio.sleep(2)
        adv = [d for e, d in ev if e == IRQ["SCAN_RESULT"] and d[2] == 0]
        assert adv, "B is connectable and visible"
        mallory.gap_scan(None)
        mallory.gap_connect(adv[-1][0], adv[-1][1])
        await asyncio.sleep(1)
        conn = next(d[0] for e, d in ev if e == IRQ["PERIPHERAL_CONNECT"])
        mallory.config(mtu=100)
        mallory.gattc_exchange_mtu(conn)  # a competent attacker sends whole frames
        mallory.gattc_discover_characteristics(conn, 1, 0xFFFF)
        await asyncio.sleep(0.5)
        handle = next(d[2] for e, d in ev if e == IRQ["GATTC_CHARACTERISTIC_RESULT"])
        frames = [d for kind, src, d in captured if kind == "write" and src == "A"]
        assert len(frames) >= 3
        forged = bytearray(frames[0])
        forged[6] ^= 1  # change the tid, keep the tag
        mallory.gattc_write(conn, handle, bytes(forged))
        mallory.gattc_write(conn, handle, b"\x10\x01" + bytes(30))
        # replay everything A ever sent, newest first (its first frames are the key
        # handshake; B throws the central out at the third frame that does not open)
        for f in reversed(frames):
            mallory.gattc_write(conn, handle, f)
        await asyncio.sleep(8)  # B must throw the unauthenticated central out
        kicked = any(e == IRQ["PERIPHERAL_DISCONNECT"] for e, _ in ev)
        mallory.active(False)
        after_attack = list(pair.got["B"])
        pair.reboot(0)  # A comes back: the real link still works
        assert await pair.until(lambda: pair.links[0].connected, 30)
        pair.links[0].send({"t": "end", "tid": 7, "out": 0})
        assert await pair.until(lambda: pair.links[0].pending() == 0, 10)
        await pair.stop()
        return before, after_attack, kicked, b.stats

    before, after_attack, kicked, stats = run(scenario())
    assert after_attack == before  # nothing the attacker sent was believed
    assert kicked
    assert stats.get("rej_dup", 0) + stats.get("rej_replay", 0) >= 1
    assert stats["strangers"] >= 1  # three frames that do not open: thrown out at once
    assert stats.get("rej_tag", 0) >= 1 and stats.get("rej_length", 0) >= 1
    assert pair.got["B"][-1][1] == {"t": "end", "tid": 7, "out": 0}
    assert not radio.irq_errors


def test_another_couple_next_door(tmp_path):
    radio = Radio(seed=16)
    us = Pair(str(tmp_path / "us"), radio)
    them = Pair(str(tmp_path / "them"), radio, secret=OTHER, names=("C", "D"),
                where=((2, 2), (3, 3)))

    async def scenario():
        us.start()
        them.start()
        assert await us.until(lambda: all(x.connected for x in us.links + them.links), 20)
        for i in range(1, 6):
            us.links[0].send({"t": "prop", "pid": i})
            them.links[0].send({"t": "prop", "pid": 100 + i})
            await asyncio.sleep(2)
        await us.stop()
        await them.stop()

    run(scenario())
    assert [m["pid"] for _, m in us.got["B"]] == [1, 2, 3, 4, 5]
    assert [m["pid"] for _, m in them.got["D"]] == [101, 102, 103, 104, 105]
    couples = {"A": "B", "C": "D"}
    for _, kind, central, peripheral in radio.log:
        if kind == "connect":
            assert couples[central] == peripheral


def test_irq_handler_survives_garbage_and_keeps_no_memoryview(tmp_path):
    radio = Radio(seed=17)
    pair = Pair(str(tmp_path), radio)

    async def scenario():
        pair.start()
        await asyncio.sleep(0.1)
        link = pair.links[0]
        for data in [(), (1,), (None, None, None), (1, 2, 3, 4, 5, 6), "x"]:
            for event in range(0, 40):
                link._irq(event, data)
        link._irq(IRQ["SCAN_RESULT"], (1, memoryview(b"\xff" * 6), 0, -40, memoryview(b"\x05")))
        await asyncio.sleep(1)
        assert await pair.until(lambda: link.connected, 10)
        link.send(start_msg(5))
        assert await pair.until(lambda: link.pending() == 0, 5)
        await pair.stop()
        return link.stats

    stats = run(scenario())
    assert stats["irq_err"] > 0  # counted, not raised
    assert pair.got["B"][-1][1]["tid"] == 5
    assert UUID(0x1800) == UUID(0x1800)
