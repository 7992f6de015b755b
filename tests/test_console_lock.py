"""The locked USB console (firmware/shell/console.py, care/lock.py): the exchange itself under
CPython and MicroPython, then virtual devices that boot the firmware as a device does
(host_sim/vdevice.py, boot=True): mpremote without the organisation's key reads nothing, the
care tools with it provision, read back and report, and no secret is on a command line."""

import binascii
import json
import shutil
import subprocess

import pytest

from care import lock, provision, report
from care.usb import DeviceError, UsbDevice
from host_sim.vdevice import VirtualDevice
from mpy import ROOT, run
from provision_flow import couple_doc
from shell.console import ConsoleLock, load_lock
from tools import devtree

ORG = bytes(range(32))
IDENT = b"\x11\x22\x33\x44\x55\x66\x77\x88"


class Clock:
    now = 1000

    def __call__(self):
        return self.now


def locked(clock=None):
    key = lock.device_key(ORG, IDENT)
    return ConsoleLock((IDENT, key), lambda n: bytes([7] * n), clock or Clock())


def challenge(console):
    out = []
    console.feed(b"#?unlock\r\n", out)
    words = out[-1].split()
    assert words[0] == b"#!challenge" and words[1] == IDENT.hex().encode()
    return binascii.unhexlify(words[2])


def test_right_answer_opens_the_console():
    console = locked()
    nonce = challenge(console)
    out = []
    console.feed(b"#!answer " + lock.answer(ORG, IDENT, nonce).encode() + b"\n", out)
    assert console.opened and out == [b"#!open\r\n"]


def test_what_mpremote_sends_is_dropped():
    console = locked()
    out = []
    for data in (b"\r\x03\x03", b"\r\x01", b"import os\r\nprint(os.listdir())\r\n\x04",
                 b"#!answer " + b"00" * 32 + b"\r\n"):  # an answer without a challenge
        assert console.feed(data, out) == 0
    assert out == [] and not console.opened


def test_wrong_answers_are_refused_counted_and_slowed_down():
    clock = Clock()
    console = locked(clock)
    nonce = challenge(console)
    out = []
    assert console.feed(b"#!answer " + lock.answer(b"k" * 32, IDENT, nonce).encode() + b"\n",
                        out) == 1
    assert out == [b"#!refused\r\n"] and not console.opened
    out.clear()
    console.feed(b"#?unlock\n", out)  # too soon: no new challenge
    assert out == []
    clock.now += 2000
    nonce = challenge(console)
    console.feed(b"#!answer zz\n", out)
    assert console.refused == 2 and console.quiet_until == clock.now + 4000  # doubled
    clock.now += 4000
    nonce = challenge(console)
    out.clear()
    console.feed(b"#!answer " + lock.answer(ORG, IDENT, nonce).encode() + b"\n", out)
    assert console.opened


def test_a_repeated_request_gets_the_same_open_challenge():
    draws = iter([b"\x01" * 16, b"\x02" * 16])
    console = ConsoleLock((IDENT, lock.device_key(ORG, IDENT)), lambda n: next(draws), Clock())
    first = challenge(console)
    assert challenge(console) == first  # requests sent again while the device was busy
    out = []
    console.feed(b"#!answer " + lock.answer(ORG, IDENT, first).encode() + b"\n", out)
    assert console.opened


def test_an_answer_counts_once():
    console = locked()
    nonce = challenge(console)
    out = []
    wrong = b"#!answer " + b"ab" * 32 + b"\n"
    console.feed(wrong, out)
    right = b"#!answer " + lock.answer(ORG, IDENT, nonce).encode() + b"\n"
    console.feed(right, out)  # the challenge it answers was used up by the wrong answer
    assert not console.opened


def test_unprovisioned_device_hands_over_as_micropython_always_did():
    console = ConsoleLock(None, None, Clock())
    out = []
    console.feed(b"\r\x03", out)
    assert console.opened


@pytest.mark.parametrize("text", ["{", '{"id": "11", "key": "00"}', '{"key": "zz"}', "[]"])
def test_a_damaged_lock_file_keeps_the_console_locked(tmp_path, text):
    (tmp_path / "console.json").write_text(text)
    state = load_lock(str(tmp_path))
    assert state is not None and state[1] is None
    console = ConsoleLock(state, lambda n: bytes(n), Clock())
    out = []
    console.feed(b"#?unlock\n#!answer " + b"00" * 32 + b"\n\x03", out)
    assert not console.opened
    assert load_lock(str(tmp_path / "nothing")) is None


def test_the_exchange_under_micropython(tmp_path):
    doc = json.loads(lock.lock_document(ORG))
    (tmp_path / "console.json").write_text(json.dumps(doc))
    script = tmp_path / "x.py"
    script.write_text(
        "from shell.console import ConsoleLock, load_lock\nimport sys\n"
        "c = ConsoleLock(load_lock(%r), lambda n: bytes(range(n)), lambda: 5)\n"
        "out = []\nc.feed(b'\\x03\\x01#?unlock\\r\\n', out)\nprint(out[0].decode().strip())\n"
        "c.feed(sys.stdin.buffer.readline(), out)\nprint(c.opened, c.refused)\n"
        % str(tmp_path))
    nonce = bytes(range(16))
    ident = binascii.unhexlify(doc["id"])
    good = b"#!answer " + lock.answer(ORG, ident, nonce).encode() + b"\n"
    done = run(script, input_bytes=good)
    lines = done.stdout.decode().splitlines()
    assert lines == ["#!challenge %s %s" % (doc["id"], nonce.hex()), "True 0"], done.stderr
    done = run(script, input_bytes=b"#!answer " + lock.answer(b"x" * 32, ident, nonce).encode()
               + b"\n")
    assert done.stdout.decode().splitlines()[1] == "False 1"


def test_key_file_must_be_private(tmp_path):
    path = lock.make_key(tmp_path / "k")
    assert len(lock.load_key(path)) == 32 and (path.stat().st_mode & 0o777) == 0o600
    with pytest.raises(lock.LockError):
        lock.make_key(path)  # never overwritten: the devices depend on it
    path.chmod(0o644)
    with pytest.raises(lock.LockError, match="other users"):
        lock.load_key(path)
    with pytest.raises(lock.LockError, match="keygen"):
        lock.load_key(tmp_path / "missing")


# ----- on virtual devices that boot the firmware ---------------------------------------------

MPREMOTE = str(ROOT / ".venv" / "bin" / "mpremote")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return devtree.build("sim", tmp_path_factory.mktemp("build") / "sim", "host").flash


@pytest.fixture
def pair(tree, tmp_path):
    for name in ("A", "B"):
        shutil.copytree(tree, tmp_path / name)
    with VirtualDevice(tmp_path / "A", boot=True) as a, \
            VirtualDevice(tmp_path / "B", boot=True) as b:
        yield a, b, tmp_path


def bare_mpremote(port, code, timeout_s=4):
    """mpremote without the key: (return code or None when it got nowhere, all it got). On a
    pty mpremote waits for the raw REPL forever (on a USB port it gives up after 10 s with
    "could not enter raw repl"), so it is stopped after a few seconds."""
    try:
        done = subprocess.run([MPREMOTE, "connect", port, "resume", "exec", code],
                              capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"") + (e.stderr or b"")
    return done.returncode, done.stdout + done.stderr


def raw_repl_by_hand(port):
    """What mpremote sends to run a program in the raw REPL, written straight to the port;
    everything the device says within two seconds."""
    import time

    import serial

    with serial.Serial(port, 115200, timeout=0.1) as ser:
        ser.write(b"\r\x03\x03\r\x01print(open('data/config.json').read())\x04\r\x02\x04")
        got, end = b"", time.monotonic() + 2
        while time.monotonic() < end:
            got += ser.read(256)
    return got


def quiet(*a):
    pass


def test_provisioning_needs_the_key_before_touching_a_device():
    def no_key():
        raise lock.LockError("no provisioning key at /x")

    devs = {"A": UsbDevice("/dev/no-such-port-A"), "B": UsbDevice("/dev/no-such-port-B")}
    with pytest.raises(provision.ProvisionError, match="no provisioning key"):
        provision.provision(couple_doc(), devs, say=quiet, key_loader=no_key)
    assert devs["A"].calls == 0 and devs["B"].calls == 0


def test_locked_device_gives_nothing_without_the_key_and_works_with_it(pair, tmp_path,
                                                                         monkeypatch):
    a, b, tmp = pair
    argv = []
    real = subprocess.run

    def spy(cmd, *args, **kw):
        argv.append(" ".join(cmd))
        return real(cmd, *args, **kw)

    monkeypatch.setattr(subprocess, "run", spy)
    done = provision.provision(couple_doc(), {"A": UsbDevice(a.port), "B": UsbDevice(b.port)},
                               say=quiet)
    monkeypatch.undo()
    # No secret on a command line (no command is needed at all now).
    secret = done["configs"]["A"]["pair_secret"]
    device_key = json.loads((tmp / "A" / "data" / "console.json").read_text())["key"]
    for c in argv:
        for hidden in (secret, binascii.hexlify(secret.encode()).decode(), device_key,
                       "+31612000001"):
            assert hidden not in c
    assert a.wait_boots(2) and b.wait_boots(2)  # each restarted after provisioning, locked
    # Without the key: mpremote gets nothing, nor does the raw REPL typed by hand.
    rc, out = bare_mpremote(a.port, "print(open('data/config.json').read())\n"
                            "print(open('data/journal.0.log').read())")
    assert rc is None and out == b""
    assert raw_repl_by_hand(a.port) == b""
    assert a.alive() and a.boots == 2  # the device kept running through it
    # Another organisation's key: refused, counted in the journal, nothing read.
    other = lock.make_key(tmp_path / "other.key")
    with pytest.raises(DeviceError, match="refused the provisioning key"):
        UsbDevice(a.port, key_loader=lambda: lock.load_key(other)).listing()
    journal = "".join(p.read_text() for p in (tmp / "A" / "data").glob("journal.*.log"))
    assert journal.count("console_refused") == 1
    # With the organisation's key the tools read it back and report; then it is locked again.
    data = report.collect([UsbDevice(b.port), UsbDevice(a.port)], "test-0001")
    assert data["consents"]["A"]["moods"] is True and data["devices"]["A"]["couple"]
    assert a.wait_boots(3) and b.wait_boots(3)
    assert bare_mpremote(b.port, "print(1)", timeout_s=2) == (None, b"")


def test_deploy_opens_a_locked_device_and_leaves_it_locked(tree, tmp_path, capsys):
    from tools import deploy

    flash = tmp_path / "flash"
    shutil.copytree(tree, flash)
    (flash / "data").mkdir()
    (flash / "data" / "console.json").write_bytes(lock.lock_document(lock.load_key()))
    with VirtualDevice(flash, boot=True) as dev:
        assert bare_mpremote(dev.port, "print(1)", timeout_s=2) == (None, b"")
        assert deploy.main(["--board", "sim", "--port", dev.port, "--arch", "host",
                            "--resume", "--verify-only", "--out", str(tmp_path / "b")]) == 0
        assert "verified" in capsys.readouterr().out
        assert dev.wait_boots(2)
        assert bare_mpremote(dev.port, "print(1)", timeout_s=2) == (None, b"")


def test_an_opened_console_keeps_the_watchdog_fed_for_its_lease_only(monkeypatch):
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("machine",
                                                  ROOT / "tests" / "fake_hw" / "machine.py")
    fake = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fake)
    monkeypatch.setitem(sys.modules, "machine", fake)
    from drivers.real_board import RealBoard

    board = RealBoard()
    board.console_lease(12000)  # no watchdog started: nothing to keep fed
    assert fake.TIMERS == []
    board.watchdog()
    board.console_lease(12000)
    timer = fake.TIMERS[-1]
    for _ in range(6):
        timer.fire()
    assert fake.FEEDS[0] == 2 and timer.stopped  # 12 s of 5 s feeds, then the watchdog bites
