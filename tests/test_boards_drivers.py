"""Board drivers' logic under CPython with fakes: sample conversion, debounce, patterns, power
key, supervisor, battery, GNSS sleep frames, the feedback player and the I2S mic front end."""

import asyncio
import struct
from array import array

from hypothesis import given
from hypothesis import strategies as st

from drivers import pattern, power_key, supervisor, system
from drivers.button import PolledButton
from drivers.feedback import Feedback
from drivers.gnss import UbloxGnss
from drivers.i2s_mic import I2sMic
from drivers.pcm import slots_to_int16
from gps import ubx


def _slots(samples_24):
    return b"".join(struct.pack("<i", s << 8) for s in samples_24)


@given(st.lists(st.integers(-(1 << 23), (1 << 23) - 1), max_size=64))
def test_slots_keep_top_16_bits_of_24_bit_samples(samples):
    raw = _slots(samples) + b"\x01\x02"  # a trailing partial slot is ignored
    out = array("h", bytes(2 * 80))
    n = slots_to_int16(raw, len(raw), out)
    assert n == len(samples)
    assert list(out[:n]) == [s >> 8 for s in samples]  # floor division by 256 = top 16 bits


def test_slots_never_overrun_the_output():
    raw = _slots([1000] * 10)
    out = array("h", bytes(2 * 4))
    assert slots_to_int16(raw, len(raw), out) == 4


class FakePin:
    def __init__(self, level=1):
        self.level = level

    def value(self, v=None):
        if v is None:
            return self.level
        self.level = v


def test_button_reports_each_level_change_once():
    pin = FakePin(1)
    b = PolledButton(pin, active_low=True, clock=lambda: 0)
    assert b.sample(5) is None
    pin.level = 0
    assert b.sample(10) == (True, 10)
    assert b.sample(30) is None  # still held: no second edge
    pin.level = 1
    assert b.sample(50) == (False, 50)
    assert b.edges == 2


def test_button_edge_times_out_and_then_sees_a_press():
    pin = FakePin(1)
    b = PolledButton(pin)
    b.debounce_ms = 1

    async def go():
        first = await b.edge(5)
        pin.level = 0
        second = await b.edge(None)
        return first, second

    first, second = asyncio.run(go())
    assert first is None and second[0] is True


class IrqPin(FakePin):
    IRQ_FALLING, IRQ_RISING = 2, 1

    def irq(self, handler=None, trigger=3):
        self.handler = handler

    def press(self, level):
        self.level = level
        self.handler(self)


def test_button_at_rest_waits_for_its_interrupt():
    from host_sim import vloop

    def ticks_ms():  # the virtual loop's clock
        return int(asyncio.get_running_loop().time() * 1000)

    pin = IrqPin(1)
    b = PolledButton(pin, irq=True, clock=ticks_ms)

    async def go():
        rest = await b.edge(10000)  # ten seconds at rest
        polls = b.polls
        asyncio.get_running_loop().call_later(5, pin.press, 0)
        t0 = ticks_ms()
        edge = await b.edge(None)
        return rest, polls, edge, ticks_ms() - t0

    rest, polls, edge, took = vloop.run(go())
    assert rest is None and polls <= 5, "not 500 polls in 10 s"
    assert edge[0] is True and 5000 <= took <= 5000 + b.debounce_ms, "woken by the edge"


def test_vibration_steps_clamped_and_end_off():
    s = pattern.steps((400, 200, "x", 99999))
    # "x" is skipped but flips on/off like any slot; the long step is clamped
    assert s[0] == (True, 400) and s[1] == (False, 200)
    assert all(ms <= pattern.MAX_STEP_MS for _, ms in s)
    assert s[-1][0] is False
    assert pattern.steps(None) == [] and pattern.steps(()) == []
    assert len(pattern.steps([10] * 100)) <= pattern.MAX_STEPS + 1


def test_tones_are_known_or_silent():
    assert pattern.tone_steps("rise") and pattern.tone_steps(None) == ()
    assert pattern.tone_steps("no such tone") == ()


def test_power_key_sequence_pulses_the_right_level():
    s = power_key.sequence(500, active_high=True, has_enable=True)
    assert s[0] == ("enable", 1, 100)
    levels = [(lvl, ms) for name, lvl, ms in s if name == "pwrkey"]
    assert levels == [(0, 100), (1, 500), (0, 0)]
    inv = [lvl for name, lvl, _ in power_key.sequence(100, active_high=False)]
    assert inv == [1, 0, 1]


def test_power_key_run_drives_pins_in_order():
    writes = []

    class Pin:
        def __init__(self, name):
            self.name = name

        def value(self, v):
            writes.append((self.name, v))

    asyncio.run(power_key.run(power_key.sequence(3, settle_ms=1), {"pwrkey": Pin("k")}))
    assert writes == [("k", 0), ("k", 1), ("k", 0)]


class FakeWdt:
    def __init__(self):
        self.feeds = 0

    def feed(self):
        self.feeds += 1


def test_supervisor_feeds_only_while_tasks_are_alive():
    wdt = FakeWdt()
    now = [1000]
    alive = {}
    sup = supervisor.Supervisor(wdt, alive, lambda: now[0], {"session": 5000, "button": 5000},
                                grace_ms=2000)
    assert sup.check(1500) == [] and wdt.feeds == 1  # boot grace: not seen yet is fine
    now[0] = 4000
    assert sup.check(4000) == ["session", "button"] and wdt.feeds == 1  # grace over
    alive.update(session=4000, button=4000)
    assert sup.check(8000) == [] and wdt.feeds == 2
    alive["button"] = 8000
    assert sup.check(9500) == ["session"] and wdt.feeds == 2
    assert sup.withheld == ["session"]


def test_supervisor_stale_handles_tick_wraparound():
    period = 1 << 30
    alive = {"session": period - 100}
    assert supervisor.stale(alive, 200, {"session": 1000}) == []
    assert supervisor.stale(alive, 2000, {"session": 1000}) == ["session"]


def test_reset_causes_and_battery():
    assert system.cause_name(3) == "watchdog" and system.cause_name(1) == "power_on"
    assert system.cause_name(99) == "unknown_99"

    class Adc:
        values = [1_900_000, 2_000_000]
        i = 0

        def read_uv(self):
            self.i += 1
            return self.values[self.i % 2]

    assert system.Battery(None, 2, 1, samples=4, adc=Adc()).mv() == 3900
    assert system.battery_mv_from_uv(1_000_000, 147, 47) == 3127


class FakeChunks:
    def __init__(self, data=()):
        self.data = list(data)
        self.written = []

    async def read(self, timeout_ms):
        return self.data.pop(0) if self.data else None

    def write(self, b):
        self.written.append(bytes(b))


def test_gnss_sleeps_with_a_valid_pmreq_and_wakes_once():
    chunks = FakeChunks([b"$GPGGA"])
    g = UbloxGnss(chunks)
    g.power(True)  # already on: nothing written
    g.power(False)
    g.power(False)
    assert len(chunks.written) == 1 and ubx.check(chunks.written[0])
    assert chunks.written[0][2:4] == b"\x02\x41"  # RXM-PMREQ
    assert asyncio.run(g.read(1)) is None  # asleep: the UART is not read
    g.power(True)
    assert chunks.written[1] == ubx.wake()
    assert asyncio.run(g.read(1)) == b"$GPGGA"


class Led:
    def __init__(self, fail=False):
        self.colours = []
        self.fail = fail

    def rgb(self, r, g, b):
        if self.fail:
            raise OSError("led gone")
        self.colours.append((r, g, b))


class Motor:
    def __init__(self):
        self.levels = []

    def on(self, on):
        self.levels.append(bool(on))


class Buzzer:
    def __init__(self):
        self.hz = []

    def play(self, hz):
        self.hz.append(hz)


def test_feedback_plays_without_blocking_and_a_new_cue_stops_the_old():
    led, motor, buzzer = Led(), Motor(), Buzzer()
    fb = Feedback(led, motor, buzzer)

    async def go():
        fb.show("a", (1, 2, 3), (50, 20, 50), "warn", "x")
        assert led.colours == [(1, 2, 3)]  # at once, before any await
        await asyncio.sleep(0.01)
        fb.show("b", (4, 5, 6), (), None, "")
        await asyncio.sleep(0.02)

    asyncio.run(go())
    assert motor.levels[0] is True and motor.levels[-1] is False
    assert buzzer.hz[-1] == 0


def test_feedback_quiet_mode_and_broken_led_do_not_raise():
    led, buzzer = Led(fail=True), Buzzer()
    fb = Feedback(led, None, buzzer)
    fb.quiet = True

    async def go():
        fb.show("a", (1, 2, 3), (10,), "alarm", "x")
        await asyncio.sleep(0.01)

    asyncio.run(go())
    assert fb.faults == 1 and buzzer.hz == []


class FakeI2S:
    """machine.I2S as the driver reads it: readinto(view) of what the DMA holds."""

    def __init__(self, raw, most=None):
        self.raw = raw
        self.most = most  # at most this many bytes per read (a DMA buffer boundary)

    def ready(self):
        return bool(self.raw)

    def readinto(self, mv):
        n = min(len(mv), len(self.raw), self.most or len(mv))
        mv[:n] = self.raw[:n]
        self.raw = self.raw[n:]
        return n


def test_i2s_mic_converts_what_the_dma_delivers():
    samples = [(1 << 23) - 1, -(1 << 23), 0, 4096, -4097]
    i2s = FakeI2S(_slots(samples))
    mic = I2sMic(i2s=i2s, ready=i2s.ready, block_samples=4)
    buf = array("h", bytes(2 * 8))
    n = asyncio.run(mic.readinto(buf))
    assert n == 4 and list(buf[:4]) == [s >> 8 for s in samples[:4]]
    # one sample left, then nothing: a block is whole or not at all
    assert not asyncio.run(mic.readinto(buf))
    i2s.raw = _slots([7 << 8] * 4)
    assert asyncio.run(mic.readinto(buf)) == 4 and list(buf[:4]) == [7] * 4
    assert mic.short_reads == 1, "the unfinished block was dropped, and counted"


def test_i2s_mic_continues_a_short_read_to_a_whole_block():
    samples = [100 << 8, 200 << 8, 300 << 8, 400 << 8, 500 << 8]
    i2s = FakeI2S(_slots(samples), most=6)
    mic = I2sMic(i2s=i2s, ready=i2s.ready, block_samples=4)
    buf = array("h", bytes(2 * 4))
    assert asyncio.run(mic.readinto(buf)) == 4 and list(buf) == [100, 200, 300, 400]
    assert mic.short_reads == 0


def test_i2s_mic_releases_the_peripheral_while_stopped(monkeypatch):
    import sys
    import types

    made = []

    class I2S:
        RX, MONO = 1, 0

        def __init__(self, *a, **k):
            made.append(self)
            self.closed = False

        def deinit(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "machine", types.SimpleNamespace(I2S=I2S))
    mic = I2sMic(1, 2, 3, ready=lambda: False)
    first = mic.i2s
    mic.stop()
    assert first.closed and mic.i2s is None
    mic.stop()  # twice is harmless
    mic.start()
    assert len(made) == 2 and mic.i2s is made[1] and not made[1].closed
    mic.start()
    assert len(made) == 2, "started once"
