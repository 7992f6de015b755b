"""The simulated `bluetooth` module against MicroPython's documented API (the esp32 stubs)."""

import ast
import asyncio
import re
from pathlib import Path

import pytest

from host_sim import bluetooth_sim as bt
from host_sim.vloop import run


def _stub_text():
    import site

    for d in site.getsitepackages():
        p = Path(d) / "bluetooth.pyi"
        if p.exists():
            return p.read_text()
    pytest.skip("micropython-esp32-stubs not installed")


def test_irq_codes_match_documentation():
    text = _stub_text()
    documented = {m[0]: int(m[1]) for m in re.findall(r"_IRQ_(\w+) = const\((\d+)\)", text)}
    assert len(documented) >= 30
    for name, code in documented.items():
        assert bt.IRQ[name] == code


def test_flags_match_documentation():
    text = _stub_text()
    for name, value in re.findall(r"^(FLAG_\w+): Final\[int\] = (\d+)", text, re.M):
        assert getattr(bt, name) == int(value)


def test_methods_exist_and_take_the_documented_arguments():
    """Every documented method exists and accepts the documented positional arguments (they
    are positional-only on the device, so only the count matters; where the stubs disagree
    with MicroPython's own documentation, the documentation wins and is noted here)."""
    import inspect

    # MicroPython docs: gatts_notify/gatts_indicate(conn_handle, value_handle, data=None).
    doc_fixes = {"gatts_notify": (2, 3), "gatts_indicate": (2, 3)}
    tree = ast.parse(_stub_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "BLE")
    checked = set()
    for fn in cls.body:
        if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
            continue
        args = (fn.args.posonlyargs + fn.args.args)[1:]
        total = len(args)
        required = total - len(fn.args.defaults)
        required, total = doc_fixes.get(fn.name, (required, total))
        sig = inspect.signature(getattr(bt.BLE, fn.name))
        params = list(sig.parameters.values())[1:]
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD)]
        ours_required = sum(1 for p in positional if p.default is p.empty)
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            continue  # config(*args, **kwargs) covers both overloads
        assert ours_required <= required and len(positional) >= total, fn.name
        for kw in fn.args.kwonlyargs:
            assert kw.arg in sig.parameters, (fn.name, kw.arg)
        checked.add(fn.name)
    assert {"gap_advertise", "gap_scan", "gap_connect", "gattc_write", "gatts_notify",
            "gatts_register_services", "gattc_discover_characteristics"} <= checked


def _tuple_shapes():
    """event name -> number of fields, from the documentation's example handler."""
    text = _stub_text()
    shapes = {}
    for name, body in re.findall(r"event == _IRQ_(\w+):\n((?:\s+#.*\n)*\s+.*)", text):
        m = re.search(r"^\s*([\w, ]+) = data", body, re.M)
        shapes[name] = len(m.group(1).split(",")) if m else 0
    return shapes


def test_event_tuple_shapes_match_documentation():
    shapes = _tuple_shapes()
    assert shapes["SCAN_RESULT"] == 5 and shapes["GATTC_CHARACTERISTIC_RESULT"] == 5
    radio = bt.Radio(seed=2, shadow_db=0.0, loss_floor=0.0)
    seen = {}
    kept = []

    async def scenario():
        c = radio.ble_for("c", lambda: (0, 0))
        p = radio.ble_for("p", lambda: (2, 0))
        names = {v: k for k, v in bt.IRQ.items()}

        def handler(dev):
            def irq(event, data):
                seen.setdefault(names[event], set()).add(len(data))
                for v in data:
                    if isinstance(v, memoryview):
                        assert v.readonly
                        kept.append(v)
                if event == 5 and dev is c and c._connecting is None and not conn:
                    conn.append(1)
                    c.gap_connect(data[0], bytes(data[1]))
                return None
            return irq

        conn = []
        for dev in (c, p):
            dev.active(True)
            dev.config(mtu=100, bond=True)
            dev.irq(handler(dev))
        svc = bt.UUID("12345678-1234-5678-1234-56789abcdef0")
        chr_ = bt.UUID(0x2A37)
        ((h,),) = p.gatts_register_services(((svc, ((chr_, bt.FLAG_NOTIFY | bt.FLAG_WRITE),)),))
        p.gap_advertise(100000, b"\x02\x01\x06")
        c.gap_scan(0, 100000, 100000, True)
        await asyncio.sleep(1)
        ch = next(iter(c._conns))
        c.gattc_exchange_mtu(ch)
        c.gattc_discover_services(ch)
        c.gattc_discover_characteristics(ch, 1, 0xFFFF)
        c.gattc_discover_descriptors(ch, 1, 0xFFFF)
        c.gattc_write(ch, h, b"x" * 40, 1)
        c.gattc_read(ch, h)
        ph = next(iter(p._conns))
        p.gatts_notify(ph, h, b"hello")
        p.gatts_indicate(ph, h, b"hi")
        c.gap_pair(ch)
        await asyncio.sleep(1)
        assert p.gatts_read(h) == b"x" * 20  # the default 20-byte characteristic buffer
        c.gap_disconnect(ch)
        await asyncio.sleep(1)
        c.gap_scan(None)

    run(scenario())
    checked = 0
    for name, sizes in seen.items():
        if name in shapes:
            assert sizes == {shapes[name]}, name
            checked += 1
    assert checked >= 15
    # Buffers handed to the handler are dead after it returns, as on the device.
    assert kept and all(set(bytes(v)) == {0xEE} for v in kept if len(v))


def test_errors_are_oserrors_like_the_device():
    radio = bt.Radio()

    async def scenario():
        ble = radio.ble_for("x", lambda: (0, 0))
        with pytest.raises(OSError):
            ble.gap_advertise(100000, b"")  # not active
        ble.active(True)
        with pytest.raises(OSError):
            ble.gattc_write(7, 1, b"x")  # no such connection
        assert ble.gap_disconnect(7) is False
        with pytest.raises(OSError):
            ble.gap_advertise(100000, b"x" * 32)  # longer than a legacy advert
        ble.gap_scan(0)
        with pytest.raises(OSError):
            ble.gap_scan(0)  # already scanning (EALREADY)
        assert ble.config("mac")[0] == 1 and len(ble.config("mac")[1]) == 6

    run(scenario())


def test_uuid_like_micropython():
    u = bt.UUID("5e3c9a71-0b24-4f8e-9d61-c2a7f04b8e13")
    assert bt.UUID(bytes(u)) == u and len(bytes(u)) == 16
    assert bytes(bt.UUID(0x180D)) == b"\x0d\x18"
    assert repr(u) == "UUID('5e3c9a71-0b24-4f8e-9d61-c2a7f04b8e13')"
    with pytest.raises(ValueError):
        bt.UUID("nope")


def test_rssi_model_and_range():
    radio = bt.Radio(seed=5)

    async def scenario():
        a = radio.ble_for("a", lambda: (0, 0))
        far = {"x": 0.0}
        b = radio.ble_for("b", lambda: (far["x"], 0))
        out = {}
        for d in (1, 10, 20, 60):
            far["x"] = d
            samples = [radio.rssi(a, b) for _ in range(2000)]
            heard = sum(radio.packet_ok(s) for s in samples) / len(samples)
            out[d] = (sum(samples) / len(samples), heard)
        return out

    out = run(scenario())
    assert abs(out[1][0] - (-59)) < 0.5  # P(1 m)
    assert abs(out[10][0] - (-86)) < 0.5  # -59 - 27 dB per decade
    assert out[1][1] > 0.95 and out[20][1] > 0.2 and out[60][1] < 0.01
