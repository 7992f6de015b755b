"""The codec (AES-CTR, HMAC), the handshake, replay window and counter store give identical
bytes and results under MicroPython and CPython.

This file is both the pytest module and the script run by both interpreters (the script part
runs only as __main__ and imports nothing CPython-only).
"""

import sys


def script(store_dir):
    import json

    from link import codec as protocol
    from ble.adv import find_ident, make_ident, open_ident, payload
    from compat import aes_ecb
    from link.auth import Hmac, ctr, derive, hmac_sha256, keys
    from link.channel import Channel
    from link.counters import CounterStore

    secret = bytes(range(7, 39))
    out = {}
    out["hmac"] = [hmac_sha256(bytes([i]) * i, b"m" * (i * 7)).hex() for i in range(0, 90, 11)]
    out["ctr"] = [ctr(aes_ecb(bytes([i]) * (16 + 16 * (i & 1))), bytes([i]) * 12,
                      b"p" * (i * 5)).hex() for i in range(1, 12)]
    k = keys(secret)
    msgs = [
        {"t": "start", "tid": 65535, "by": 1, "why": 1, "el": 4294967295, "lv": 0},
        {"t": "undo", "tid": 1}, {"t": "prop", "pid": 77}, {"t": "acc", "pid": 77},
        {"t": "mood", "tid": 5, "seq": 255, "m": 3, "fin": 1},
        {"t": "state", "tid": 0, "el": 123456, "ph": 4, "ext": 1, "m": 2, "on": 1,
         "by": 1, "lv": 0},
        {"t": "end", "tid": 5, "out": 3},
        {"t": "pos", "lat": -900000000, "lon": 1800000000, "hdop": 91, "ft": 4294967295},
    ]
    counters = [0, 1000003, 2**31 - 1, 2**31, 2**32 - 1, 77, 2**31 + 5, 12]
    frames = [protocol.encode(m, k, i & 1, counters[i]) for i, m in enumerate(msgs)]
    out["frames"] = [f.hex() for f in frames]
    out["decoded"] = [list(protocol.decode(f, k)) for f in frames]
    bad = [b"", frames[0][:13], b"\x11" + frames[0][1:], frames[0][:-1] + b"\x00",
           frames[1] + b"\x00", bytes(30)]
    out["bad"] = [protocol.decode(f, k)[0] for f in bad]

    def deliver(x, y):
        for _ in range(6):
            for me, other in ((x, y), (y, x)):
                sent, me.out = me.out, []
                for f in sent:
                    other.open(f)

    seq_nonce = [0]

    def urandom(n):  # the same nonces on both interpreters
        seq_nonce[0] += 1
        return bytes([seq_nonce[0]]) * n

    a = Channel(secret, 0, CounterStore(store_dir + "/a", block=4), urandom=urandom)
    b = Channel(secret, 1, CounterStore(store_dir + "/b", block=4), urandom=urandom)
    hs = [a.seal({"t": "ping"}).hex()]
    b.open(bytes.fromhex(hs[0]))
    hs += [f.hex() for f in b.out]
    deliver(a, b)
    out["handshake"] = hs + [a.store.epoch.hex(), b.store.epoch.hex()]
    seq = []
    sealed = [a.seal(m) for m in msgs]
    out["sealed"] = [f.hex() for f in sealed]
    for f in sealed + sealed[:3] + [sealed[2]]:
        seq.append(b.open(f)[0])
    b2 = Channel(secret, 1, CounterStore(store_dir + "/b", block=4))
    seq += [b2.open(f)[0] for f in sealed[-2:]]
    out["channel"] = seq
    out["stats"] = b.stats
    out["store"] = [b2.store.rx_high, CounterStore(store_dir + "/a", block=4).tx]
    # Partner high marks at the signed limit and the top of u32, across a reboot.
    highs = []
    for high in (2**31 - 1, 2**31, 2**32 - 1):
        s = CounterStore(store_dir + "/h%d" % high, block=4)
        s.rekey(b"epoch-01")
        s.set_rx_high(high)
        back = Channel(secret, 1, CounterStore(store_dir + "/h%d" % high, block=4))
        old = protocol.encode({"t": "undo", "tid": 1}, keys(secret, b"epoch-01"), 0, high - 5)
        highs.append([back.store.rx_high, back.open(old)[0]])
    out["highs"] = highs
    # Our own send counter near the top of u32, across a reboot: never reused, then used up.
    t = CounterStore(store_dir + "/t", block=4)
    t.rekey(b"epoch-02")
    t.tx = t._reserved = 2**32 - 3
    sends = [t.next_tx(), t.next_tx()]
    t2 = CounterStore(store_dir + "/t", block=4)
    out["sends"] = sends + [t2.tx, t2.next_tx(), t2.next_tx()]
    # A lost store on B: old frames are not believed, the link agrees a new epoch.
    import os

    for name in os.listdir(store_dir + "/b"):
        os.remove(store_dir + "/b/" + name)
    b3 = Channel(secret, 1, CounterStore(store_dir + "/b", block=4), urandom=urandom)
    lost = [b3.open(f)[0] for f in sealed[:2]]
    deliver(a, b3)
    lost += [b3.open(f)[0] for f in sealed[:2]]
    lost.append(b3.open(a.seal({"t": "undo", "tid": 9}))[2])
    out["lost"] = lost
    amac = Hmac(derive(secret, b"adv"))
    ident = make_ident(amac, b"1234", 1, 0x80000000 | 29666666)
    p = payload(ident)
    out["adv"] = [p.hex(), open_ident(amac, find_ident(p), 1), open_ident(amac, find_ident(p), 0)]
    print(json.dumps(out))


def _outputs(tmp_path):
    import json
    import subprocess

    from mpy import FIRMWARE, SIM_BOARD, run

    here = __file__
    (tmp_path / "m").mkdir()
    (tmp_path / "c").mkdir()
    # a source import of the link and the store work at once: more than a device boot holds
    mp = run(here, str(tmp_path / "m"), heapsize="160wK")
    assert mp.returncode == 0, mp.stderr.decode()
    env_path = "%s:%s" % (FIRMWARE, SIM_BOARD)
    cp = subprocess.run([sys.executable, here, str(tmp_path / "c")], capture_output=True,
                        env={"PYTHONPATH": env_path}, check=True)
    return json.loads(mp.stdout), json.loads(cp.stdout)


def test_micropython_matches_cpython(tmp_path):
    mp, cp = _outputs(tmp_path)
    assert mp == cp
    # And the results are the specified ones, not just equal.
    assert all(d[0] == 0 for d in cp["decoded"])
    assert [d[2] for d in cp["decoded"]] == [0, 1000003, 2**31 - 1, 2**31, 2**32 - 1, 77,
                                             2**31 + 5, 12]
    assert cp["bad"] == [1, 1, 2, 5, 4, 4]
    assert cp["handshake"][2] == cp["handshake"][3]
    assert cp["channel"] == [0] * 8 + [9, 9, 9, 9, 9, 9]
    assert cp["stats"]["rej_dup"] == 4
    assert cp["adv"][1:] == [0x80000000 | 29666666, None]
    assert cp["store"][0] == 8 and cp["store"][1] >= 10
    assert cp["highs"] == [[2**31 - 1, 9], [2**31, 9], [2**32 - 1, 9]]  # refused as seen
    assert cp["sends"] == [2**32 - 3, 2**32 - 2, 2**32, None, None]
    assert cp["lost"] == [11, 11, 5, 5, {"t": "undo", "tid": 9}]


if __name__ == "__main__":
    script(sys.argv[1])
