"""The codec, HMAC, replay window and counter store give identical results under MicroPython.

This file is both the pytest module and the script run by both interpreters (the script part
runs only as __main__ and imports nothing CPython-only).
"""

import sys


def script(store_dir):
    import json

    from link import codec as protocol
    from ble.adv import find_ident, is_from, make_ident, payload
    from link.auth import Hmac, derive, hmac_sha256
    from link.channel import Channel
    from link.counters import CounterStore

    secret = bytes(range(7, 39))
    out = {}
    out["hmac"] = [hmac_sha256(bytes([i]) * i, b"m" * (i * 7)).hex() for i in range(0, 90, 11)]
    mac = Hmac(derive(secret, b"msg"))
    msgs = [
        {"t": "start", "tid": 65535, "by": 1, "why": 1, "el": 4294967295, "lv": 0},
        {"t": "undo", "tid": 1}, {"t": "prop", "pid": 77}, {"t": "acc", "pid": 77},
        {"t": "mood", "tid": 5, "seq": 255, "m": 3, "fin": 1},
        {"t": "state", "tid": 0, "el": 123456, "ph": 4, "ext": 1, "m": 2, "on": 1,
         "by": 1, "lv": 0},
        {"t": "end", "tid": 5, "out": 3},
        {"t": "pos", "lat": -900000000, "lon": 1800000000, "hdop": 91, "ft": 4294967295},
    ]
    frames = [protocol.encode(m, mac, i & 1, i * 1000003) for i, m in enumerate(msgs)]
    out["frames"] = [f.hex() for f in frames]
    out["decoded"] = [list(protocol.decode(f, mac)) for f in frames]
    bad = [b"", frames[0][:13], b"\x21" + frames[0][1:], frames[0][:-1] + b"\x00",
           frames[1] + b"\x00", bytes(30)]
    out["bad"] = [protocol.decode(f, mac)[0] for f in bad]
    a = Channel(secret, 0, CounterStore(store_dir + "/a", block=4))
    b = Channel(secret, 1, CounterStore(store_dir + "/b", block=4))
    seq = []
    sealed = [a.seal(m) for m in msgs]
    for f in sealed + sealed[:3] + [sealed[2]]:
        seq.append(b.open(f)[0])
    b2 = Channel(secret, 1, CounterStore(store_dir + "/b", block=4))
    seq += [b2.open(f)[0] for f in sealed[-2:]]
    out["channel"] = seq
    out["stats"] = b.stats
    out["store"] = [b2.store.rx_high, CounterStore(store_dir + "/a", block=4).tx]
    amac = Hmac(derive(secret, b"adv"))
    ident = make_ident(amac, b"12345678", 1)
    p = payload(ident)
    out["adv"] = [p.hex(), is_from(amac, find_ident(p), 1), is_from(amac, find_ident(p), 0)]
    print(json.dumps(out))


def _outputs(tmp_path):
    import json
    import subprocess

    from mpy import FIRMWARE, SIM_BOARD, run

    here = __file__
    (tmp_path / "m").mkdir()
    (tmp_path / "c").mkdir()
    mp = run(here, str(tmp_path / "m"))
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
    assert cp["bad"] == [1, 1, 2, 5, 4, 2]
    assert cp["channel"] == [0] * 8 + [9, 9, 9, 9, 9, 9]
    assert cp["stats"] == {"rej_dup": 4}
    assert cp["store"][0] == 7 and cp["store"][1] >= 8
    assert cp["adv"][1:] == [True, False]


if __name__ == "__main__":
    script(sys.argv[1])
