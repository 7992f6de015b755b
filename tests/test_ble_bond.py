"""The bond store keeps the `bluetooth` module's secret contract, keeps only the partner's keys
(least recently used evicted), and the link brings the radio up so NimBLE asks for its
address-privacy key; a side whose stored keys fail pairs again. On the simulated radio, which
calls the store as NimBLE does (see docs/ble.md)."""

import asyncio
import os

from host_sim import bluetooth_sim as bt
from host_sim.radio_world import Stranger, install, make_link
from host_sim.vloop import run

install()

from ble.bond import BondStore  # noqa: E402

SECRET = bytes(range(1, 33))


def key(n):
    return bytes((1, n, 2, 3, 4, 5, 6))


def test_delete_answers_true_only_for_a_key_held(tmp_path):
    store = BondStore(str(tmp_path / "bonds.bin"))
    assert store.set(1, key(1), None) is False  # NimBLE deletes until a delete fails
    assert store.set(1, key(1), b"v" * 80, True)
    assert store.set(1, key(1), None) is True
    assert store.set(1, key(1), None) is False
    assert store.get(1, 0, key(1)) is None


def test_strangers_are_never_kept_and_the_partner_is(tmp_path):
    path = str(tmp_path / "bonds.bin")
    store = BondStore(path)
    store.set(1, key(9), b"s" * 80)  # paired on a connection that proved nothing yet
    assert store.get(1, 0, key(9)) == b"s" * 80  # NimBLE may read it back meanwhile
    store.forget_pending()
    assert store.get(1, 0, key(9)) is None
    store.set(2, key(7), b"p" * 80)
    store.trust()  # the partner's hello came
    store.flush()
    again = BondStore(path)
    assert again.get(2, 0, key(7)) == b"p" * 80 and again.get(1, 0, key(9)) is None


def test_least_recently_used_peer_is_evicted(tmp_path):
    path = str(tmp_path / "bonds.bin")
    store = BondStore(path)
    for n in range(4):
        for t in (1, 2):
            store.set(t, key(n), bytes((n,)) * 80, True)
    assert store.get(2, 0, key(0)) is not None  # peer 0 used again: now peer 1 is oldest
    store.set(1, key(5), b"x" * 80, True)
    store.set(2, key(5), b"x" * 80, True)
    assert store.get(1, 0, key(1)) is None and store.get(2, 0, key(1)) is None
    assert all(store.get(2, 0, key(n)) for n in (0, 2, 3, 5))
    assert store.evicted == 1
    store.set(10, b"irk", b"i" * 16)  # our own key: kept, never counted or evicted
    store.flush()
    again = BondStore(path)
    assert again.get(10, 0, b"irk") == b"i" * 16 and again.get(2, 0, key(5))
    # The index walk NimBLE does at start-up and when counting bonded peers.
    walked = [again.get(2, i, None) for i in range(5)]
    assert walked[-1] is None and len([w for w in walked if w]) == 4


class Pair:
    def __init__(self, tmp, radio):
        self.tmp = tmp
        self.radio = radio
        self.links = [self._link(r) for r in (0, 1)]

    def _link(self, role):
        name = "AB"[role]
        return make_link(self.radio, name, SECRET, role, os.path.join(self.tmp, name),
                         lambda role=role: (4.0 * role, 0.0))

    def restart(self, role):
        self.links[role].stop()
        self.links[role] = self._link(role)
        self.links[role].start()

    async def until(self, cond, limit_s):
        t_end = self.radio.now() + limit_s
        while not cond() and self.radio.now() < t_end:
            await asyncio.sleep(0.05)
        return cond()


def _encrypted(link):
    return getattr(link, "security", None) == "encrypted"


def _hung(radio):
    return [x for x in radio.log if x[1] == "ble_stack_hung"]


def test_radio_comes_up_with_a_private_key_of_its_own(tmp_path):
    radio = bt.Radio(seed=3)
    pair = Pair(str(tmp_path), radio)
    seen = []

    async def scenario():
        for link in pair.links:
            link.start()
        assert await pair.until(lambda: all(x.connected for x in pair.links), 10)
        observer = radio.ble_for("watcher", lambda: (2.0, 2.0))
        observer.irq(lambda ev, data: seen.append(bytes(data[1])) if ev == 5 else None)
        observer.active(True)
        observer.gap_scan(5000, 100000, 100000)
        await asyncio.sleep(6)
        for link in pair.links:
            link.stop()
        await asyncio.sleep(1)

    run(scenario())
    for name in "AB":
        dev = radio.devices[name]
        assert dev._irk != bt.DEFAULT_IRK, name + " asked for its IRK at activation"
    assert seen, "the watcher heard adverts"
    assert not any(bt.resolve(addr, bt.DEFAULT_IRK) for addr in seen)
    assert any(bt.resolve(addr, radio.devices["B"]._irk) for addr in seen)


def test_partner_pairs_again_after_a_reboot_without_hanging_the_stack(tmp_path):
    """run1: B reboots (a new identity on this radio, as in the recording), A pairs afresh,
    B's stack finds A's old bond and deletes it until a delete fails."""
    radio = bt.Radio(seed=4)
    pair = Pair(str(tmp_path), radio)

    async def scenario():
        for link in pair.links:
            link.start()
        await pair.until(lambda: all(x.connected for x in pair.links), 15)
        await asyncio.sleep(2)
        pair.restart(1)
        await asyncio.sleep(1)
        ok.append(await pair.until(lambda: all(_encrypted(x) for x in pair.links), 20))
        for link in pair.links:
            link.stop()
        await asyncio.sleep(1)

    ok = []
    run(scenario())
    assert _hung(radio) == []
    assert ok == [True]
    assert pair.links[1].bonds.peers() == 2  # the old bond went, the new one is kept


def test_side_whose_keys_fail_pairs_again(tmp_path):
    """run2's A2: A reboots with a new identity but keeps B's keys; B has none for it, so
    the encryption with A's stored keys fails; A forgets them and pairs afresh."""
    radio = bt.Radio(seed=6)
    pair = Pair(str(tmp_path), radio)

    async def scenario():
        for link in pair.links:
            link.start()
        await pair.until(lambda: all(_encrypted(x) for x in pair.links), 15)
        await asyncio.sleep(1)
        pair.restart(0)
        await asyncio.sleep(1)
        ok.append(await pair.until(lambda: _encrypted(pair.links[0]), 20))
        for link in pair.links:
            link.stop()
        await asyncio.sleep(1)

    ok = []
    run(scenario())
    assert ok == [True], "A pairs again and is encrypted"
    a = pair.links[0]
    assert a.stats["enc_fail"] == 1 and a.stats["repairs"] == 1


def test_stranger_pairs_forgets_and_pairs_again(tmp_path):
    """run3 / run5: a stranger's phone pairs with B, forgets it, pairs again: B's stack must
    not hang, B keeps no key of it, and the partner still gets through."""
    radio = bt.Radio(seed=8)
    pair = Pair(str(tmp_path), radio)
    results = []

    async def scenario():
        pair.links[1].start()
        await asyncio.sleep(1)
        s = Stranger(radio, "S", lambda: (1.0, 1.0))
        results.append(await s.pair_once())
        s.forget()
        await asyncio.sleep(1.5)
        results.append(await s.pair_once())
        s.leave()
        for n in range(6):  # a crowd, one after another
            c = Stranger(radio, "C%d" % n, lambda: (1.0, -1.0))
            results.append(await c.pair_once())
            c.leave()
        assert pair.links[1].bonds.peers() == 0
        pair.links[0].start()
        assert await pair.until(lambda: all(x.connected for x in pair.links), 30)
        for link in pair.links:
            link.stop()
        await asyncio.sleep(1)

    run(scenario())
    assert _hung(radio) == []
    assert len(results) == 8 and all(r is not None and r[1] == 1 for r in results)
