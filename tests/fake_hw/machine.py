"""A fake `machine` module for board tests under the micropython unix port (and CPython).

Records what the drivers do to pins; UART and I2S are io.IOBase streams so that MicroPython's
asyncio.StreamReader can poll them like the real ones. State lives in module-level dicts the
test script inspects.
"""

import io

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
RESET_CODE = [WDT_RESET]

LEVELS = {}  # pin id -> level an input reads
WRITES = []  # (pin id, level) for every output write, in order
PWMS = {}  # pin id -> PWM
UARTS = {}  # uart id -> UART
ADC_UV = {}  # pin id -> microvolts an ADC reads
FEEDS = [0]


CPU_HZ = [160000000]


def reset_cause():
    return RESET_CODE[0]


def freq(hz=None):
    if hz is None:
        return CPU_HZ[0]
    if hz not in (80000000, 160000000, 240000000):
        raise ValueError("frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz")
    CPU_HZ[0] = hz
    return None


class RTC:
    """Keeps the datetime it is given; time.time() is not affected (the unix port's clock)."""

    _now = None

    def datetime(self, value=None):
        if value is None:
            return RTC._now
        RTC._now = tuple(value)
        return None


IRQS = {}  # pin id -> handler given to Pin.irq


def set_level(pin_id, level):
    """What a test does to an input: the level changes, and an edge calls its IRQ handler."""
    old = LEVELS.get(pin_id, 1)
    LEVELS[pin_id] = level
    handler = IRQS.get(pin_id)
    if handler is not None and old != level:
        handler(Pin(pin_id))


class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 1
    IRQ_FALLING = 2
    IRQ_RISING = 1

    def __init__(self, id, mode=None, pull=None, value=None):
        self.id = id
        if value is not None:
            self.value(value)

    def irq(self, handler=None, trigger=3, hard=False):
        IRQS[self.id] = handler

    def value(self, v=None):
        if v is None:
            return LEVELS.get(self.id, 1)
        WRITES.append((self.id, v))
        return None


class PWM:
    def __init__(self, pin, freq=1000, duty_u16=0):
        self.pin = pin.id
        self._freq = freq
        self._duty = duty_u16
        self.history = [duty_u16]
        PWMS[self.pin] = self

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        self._duty = d
        self.history.append(d)


class ADC:
    ATTN_11DB = 3

    def __init__(self, pin, atten=None):
        self.pin = pin.id

    def read_uv(self):
        return ADC_UV.get(self.pin, 0)


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout

    def feed(self):
        FEEDS[0] += 1


TIMERS = []  # every Timer made, in order


class Timer:
    """A periodic timer the test fires by hand (`fire()`)."""

    def __init__(self, id=0, period=0, callback=None, mode=None):
        self.period = period
        self.callback = callback
        self.stopped = False
        TIMERS.append(self)

    def fire(self):
        if not self.stopped:
            self.callback(self)

    def deinit(self):
        self.stopped = True


_MP_STREAM_POLL = 3
_POLL_RD = 1
_POLL_WR = 4


class UART(io.IOBase):
    def __init__(self, id, baudrate=9600, tx=None, rx=None, rxbuf=256, timeout=0):
        self.id = id
        self.baudrate = baudrate
        self.rx = bytearray()
        self.tx = bytearray()
        UARTS[id] = self

    def feed(self, data):
        self.rx.extend(data)

    def read(self, n=-1):
        if not self.rx:
            return None
        n = len(self.rx) if n < 0 else min(n, len(self.rx))
        out = bytes(self.rx[:n])
        self.rx = self.rx[n:]
        return out

    def write(self, data):
        self.tx.extend(data)
        return len(data)

    def ioctl(self, req, arg):
        if req == _MP_STREAM_POLL:
            ready = _POLL_WR
            if self.rx:
                ready |= _POLL_RD
            return ready & arg
        return 0


class I2S(io.IOBase):
    """Plays SLOTS (24-bit samples, left-aligned in 32-bit little-endian slots) in a loop."""

    RX = 1
    TX = 2
    MONO = 0
    SLOTS = []
    ARGS = {}
    WRITTEN = bytearray()  # the first 4 KB written (a bounded record: the heap is small)
    WRITTEN_BYTES = [0]

    def __init__(self, id, sck=None, ws=None, sd=None, mode=None, bits=16, format=None,
                 rate=16000, ibuf=4096):
        I2S.ARGS.update({"bits": bits, "rate": rate, "mode": mode, "format": format})
        self.pos = 0

    def readinto(self, buf):
        slots = I2S.SLOTS
        n = len(buf) // 4
        for i in range(n):
            v = slots[(self.pos + i) % len(slots)] & 0xFFFFFFFF
            buf[4 * i] = v & 0xFF
            buf[4 * i + 1] = (v >> 8) & 0xFF
            buf[4 * i + 2] = (v >> 16) & 0xFF
            buf[4 * i + 3] = (v >> 24) & 0xFF
        self.pos += n
        return 4 * n

    def write(self, buf):  # TX (the speaker's amplifier): how much was played, and its start
        I2S.WRITTEN_BYTES[0] += len(buf)
        if len(I2S.WRITTEN) < 4096:
            I2S.WRITTEN.extend(buf)
        return len(buf)

    def ioctl(self, req, arg):
        if req == _MP_STREAM_POLL:
            return arg & (_POLL_RD | _POLL_WR)
        return 0

    def deinit(self):
        pass
