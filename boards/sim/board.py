"""The simulated build: the same constructors as a real board, driven by a simulator port.

Runs under MicroPython too. In the host simulator a `port` object from host_sim (a `Port`)
connects these drivers to the simulated world (virtual clock, people, radio, phone network);
a part the port does not simulate is absent, as drivers/board_base.py says. Without a port,
`ScriptPort` plays a small JSON script (env TIMEOUT_SIM_SCRIPT) in real time, which is how the
firmware boots under the `micropython` unix port in CI.
Sensor events ("home", "distance", "proposal") stand in for the GNSS and detector pipelines.
"""

import json
import os

from compat import Waker, sleep_ms, ticks_add, ticks_diff, ticks_ms
from drivers.board_base import BoardBase


class SimQueue:
    """A bounded inbox with an awaitable `next(timeout_ms)`; overflow is dropped and counted."""

    def __init__(self, limit=64):
        self.items = []
        self.limit = limit
        self.dropped = 0
        self.flag = Waker()

    def put(self, item):
        if len(self.items) >= self.limit:
            self.dropped += 1
            return False
        self.items.append(item)
        self.flag.set()
        return True

    async def next(self, timeout_ms=None):
        while not self.items:
            self.flag.clear()
            await self.flag.wait_ms(timeout_ms)
            if not self.flag.state:
                return None
        return self.items.pop(0)


class SimButton:
    """Debounced edges (pressed, ticks) as the world presses; `edge(timeout_ms)` awaits one."""

    def __init__(self):
        self.queue = SimQueue()

    def inject(self, pressed, now_ms):
        self.queue.put((pressed, now_ms))

    def edge(self, timeout_ms):
        return self.queue.next(timeout_ms)


class SimPipe:
    """One end of the in-memory partner frame pipe; the port decides delivery and loss."""

    def __init__(self, port):
        self.port = port
        self.queue = SimQueue()

    def send(self, frame, msg=None):  # delivered at once: nothing waits to go stale
        return self.port.transmit(bytes(frame))

    def deliver(self, frame):
        self.queue.put(frame)

    def recv(self):
        return self.queue.next()


class SimGnss:
    """The GNSS receiver's UART: NMEA byte chunks as the world's receiver model sends them.
    `power(on)` is how the firmware lets the receiver sleep; the world honours it."""

    def __init__(self):
        self.queue = SimQueue(limit=16)
        self.powered = True

    def power(self, on):
        self.powered = bool(on)

    def feed(self, data):
        if self.powered:
            self.queue.put(data)

    def read(self, timeout_ms):
        return self.queue.next(timeout_ms)


class SimMic:
    """The I2S microphone: int16 samples the world's audio scene plays into it. Between
    scenes the simulated room is not rendered, and the read simply waits."""

    sample_rate = 16000
    sensitivity_dbfs = -26  # INMP441: -26 dBFS at 94 dB SPL

    def __init__(self):
        self.queue = SimQueue(limit=8)
        self.chunk = None
        self.pos = 0
        self.running = True
        self.stops = 0

    def play(self, samples):
        if self.running:  # a microphone without its I2S clock hears nothing
            self.queue.put(samples)

    def stop(self):
        self.running = False
        self.stops += 1
        self.queue.items.clear()
        self.chunk = None

    def start(self):
        self.running = True

    async def readinto(self, buf):
        """A whole block, as the I2S driver gives it (across the world's chunks)."""
        n = 0
        while n < len(buf):
            if self.chunk is None or self.pos >= len(self.chunk):
                self.chunk = await self.queue.next()
                self.pos = 0
            take = min(len(buf) - n, len(self.chunk) - self.pos)
            chunk, pos = self.chunk, self.pos
            for i in range(take):
                buf[n + i] = chunk[pos + i]
            self.pos += take
            n += take
        return n


class SimFeedback:
    def __init__(self, port):
        self.port = port
        self.last = None
        self.faults = 0  # as the real driver counts them (the simulated one has none)

    def show(self, key, rgb, vibration, tone, text):
        self.last = (key, rgb, vibration, tone, text)
        self.port.observe("feedback", {"key": key, "rgb": rgb, "tone": tone, "text": text})


def sim_speaker(port):
    """The firmware's own Speaker (drivers/speaker.py: a whole prompt or nothing, a new one ends
    the old one, `playing` while the room still hears it) on the simulator's clock, with the
    clips the world provisioned instead of files and I2S: `port.prompt_clips()` is {clip name:
    (check, ms)}, the check the clip's header carries and how long it speaks. Each prompt it
    starts is observed as "prompt": its clips, and whether it was said (or why not)."""
    from drivers.speaker import TAIL_MS, Speaker

    class _Clip:
        def __init__(self, ms):
            self.ms = ms

        def close(self):
            pass

    class SimSpeaker(Speaker):
        def __init__(self):
            super().__init__(None, "", writable=lambda: True, clock=port.ticks_ms)

        def _open(self, name, check):
            found = port.prompt_clips().get(name)
            if found is None:
                self.missing += 1
                return None
            if found[0] != check:
                self.stale += 1
                return None
            return _Clip(found[1])

        def _whole(self, prompt):
            missing = self.missing
            ok = super()._whole(prompt)
            why = "said" if ok else ("missing" if self.missing > missing else "stale")
            port.observe("prompt", {"clips": [name for name, _ in prompt], "result": why})
            return ok

        async def _play_clip(self, name, check, gen):
            clip = self._open(name, check)
            if clip is None:
                self._drop(gen)
                return
            left = clip.ms
            while left > 0 and self._gen == gen:  # as the DMA takes it: in pieces
                step = min(left, 250)
                self._until = ticks_add(self._ticks(), step + TAIL_MS)
                await sleep_ms(step)
                left -= step
            if left <= 0:
                self.played += 1

    return SimSpeaker()


class SimPhone:
    """Calls and texts go to the port's phone network."""

    def __init__(self, port):
        self.port = port

    async def call(self, number, reason):
        return await self.port.call(number, reason)

    async def text_fallback(self, number):
        await self.port.text(number)
        return "sent"


class SimWatchdog:
    def __init__(self):
        self.feeds = 0

    def feed(self):
        self.feeds += 1


class Port:
    """What a simulator port offers the sim board. A part the port does not simulate is False
    or None here, and the board reports it absent, as a real board without the part would."""

    reset_cause = "power_on"
    has_mic = False
    has_gnss = False
    has_pipe = False  # transmit(frame): a frame pipe standing in for the far link
    has_phone = False  # call(number, reason), text(number): a stand-in for the modem
    has_console = False  # the process's stdin/stdout are a USB console (host_sim/vdevice.py)

    def attach(self, board):
        self.board = board

    def ble(self):
        """A simulated `bluetooth.BLE` (host_sim/bluetooth_sim.py), or None."""
        return None

    def modem_uart(self):
        """(reader, writer) of a simulated modem (host_sim/modem_sim.py), or None."""
        return None

    def modem_dtr(self):
        return None

    def core_tracer(self):
        return None

    def urandom(self, n):
        """Random bytes; a simulator port draws them from its run's seed (same seed, same
        run), the plain port from the machine."""
        import os

        return os.urandom(n)

    def register_device(self, device):
        return None

    def prompt_clips(self):
        """{clip name: (check, ms)}: the prompts provisioned on this device, for a speaker;
        None: the board has none."""
        return None


class Board(BoardBase):
    name = "sim"
    kind = "wearable"  # detector defaults: "wearable" or "home"
    MODEM_PROFILE = "a7670e"  # the dialect the simulator's modem speaks (host_sim/modem_sim.py)

    def __init__(self, port=None):
        self.port = port if port is not None else ScriptPort.from_env()
        self._button = SimButton()
        self._sensors = SimQueue()
        port = self.port
        self._pipe = SimPipe(port) if port.has_pipe else None
        self._mic = SimMic() if port.has_mic else None
        self._gnss = SimGnss() if port.has_gnss else None
        self._speaker = None
        port.attach(self)

    def ticks_ms(self):
        return self.port.ticks_ms()

    def epoch_s(self):
        return self.port.epoch_s()

    def set_epoch_s(self, epoch):
        setter = getattr(self.port, "set_epoch_s", None)
        if setter is not None:  # the script port's clock stays unknown
            setter(epoch)

    def reset_cause(self):
        return self.port.reset_cause

    def storage_dir(self):
        return self.port.folder

    def button(self):
        return self._button

    def feedback(self):
        return SimFeedback(self.port)

    def ble(self):
        return self.port.ble()

    def watchdog(self):
        return SimWatchdog()

    def microphone(self):
        return self._mic

    def speaker(self):
        if self._speaker is None and self.port.prompt_clips() is not None:
            self._speaker = sim_speaker(self.port)
        return self._speaker

    def gnss(self):
        return self._gnss

    def modem_uart(self):
        return self.port.modem_uart()

    def modem_dtr(self):
        return self.port.modem_dtr()

    def urandom(self, n):
        return self.port.urandom(n)

    def phone(self):
        return SimPhone(self.port) if self.port.has_phone else None

    def partner_pipe(self):
        return self._pipe

    def sensor_events(self):
        return self._sensors

    def observer(self):
        return self.port.observe

    def core_tracer(self):
        return self.port.core_tracer()

    def register_device(self, device):
        self.port.register_device(device)

    def until_stop(self):
        return self.port.until_stop()

    def console(self):
        if not self.port.has_console:
            return None
        from drivers.console import StdinConsole

        return StdinConsole()

    def reset(self):
        # The unix port has no reset: the process ends, and the virtual device starts it again
        # (host_sim/vdevice.py), as a device boots after machine.reset().
        os.system("kill -9 $PPID")


class ScriptPort(Port):
    """Plays a JSON script in real time: {"folder", "run_ms", "config", "console", "steps":
    [[ms, kind, args...]]} with kinds "press" (hold ms), "sensor" (event list), "alloc" (for
    ms: the bytes allocated meanwhile, as an "alloc" line). Prints what it
    observes. "run_ms": null runs until power-off; "console": true guards stdin as a USB
    console (the virtual device)."""

    has_pipe = True
    has_phone = True

    def __init__(self, script):
        self.script = script
        self.folder = script.get("folder", "sim_device")
        self.t0 = ticks_ms()
        self.board = None
        self.sent = 0
        self.has_console = bool(script.get("console"))
        _makedirs(self.folder)
        if "config" in script:
            with open(self.folder + "/config.json", "w") as f:
                f.write(json.dumps(script["config"]))

    @classmethod
    def from_env(cls):
        path = os.getenv("TIMEOUT_SIM_SCRIPT")
        if not path:
            return cls({})
        with open(path) as f:
            return cls(json.loads(f.read()))

    def ticks_ms(self):
        return ticks_ms()

    def epoch_s(self):
        return None

    def observe(self, kind, data):
        if self.has_console:  # a device's USB console carries no timeline (nor the journal)
            return
        print(json.dumps({"ms": ticks_diff(ticks_ms(), self.t0), "kind": kind, "data": data}))

    def transmit(self, frame):
        self.sent += 1
        return True

    async def call(self, number, reason):
        await sleep_ms(200)
        return "no_answer"

    async def text(self, number):
        self.observe("text", {"to": number})

    async def until_stop(self):
        steps = self.script.get("steps", [])
        for step in steps:
            await self._sleep_until(step[0])
            if step[1] == "press":
                self.board._button.inject(True, ticks_ms())
                await self._sleep_until(step[0] + step[2])
                self.board._button.inject(False, ticks_ms())
            elif step[1] == "sensor":
                self.board._sensors.put(tuple(step[2]))
            elif step[1] == "alloc":  # count what the firmware allocates for step[2] ms
                self.observe("alloc", await _allocated_during(self, step[2]))
        run_ms = self.script.get("run_ms", 3000)
        if run_ms is None:  # until power-off
            while True:
                await sleep_ms(60000)
        await self._sleep_until(run_ms)
        import gc

        gc.collect()
        self.observe("stop", {"sent": self.sent, "heap_free": gc.mem_free(),
                              "heap_used": gc.mem_alloc()})

    async def _sleep_until(self, at_ms):
        due = ticks_add(self.t0, at_ms)
        while ticks_diff(due, ticks_ms()) > 0:
            await sleep_ms(min(50, ticks_diff(due, ticks_ms())))


async def _allocated_during(port, ms):
    """Bytes the heap gained while the firmware ran for ms from now, the collector held off
    (MicroPython: gc.mem_alloc counts every allocation then, garbage included)."""
    import gc

    start = ticks_ms()
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        await port._sleep_until(ticks_diff(ticks_add(start, ms), port.t0))
        used = gc.mem_alloc() - before
    finally:
        gc.enable()
    return {"bytes": used, "ms": ticks_diff(ticks_ms(), start)}


def _makedirs(path):
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        sub = "/".join(parts[:i])
        if sub:
            try:
                os.mkdir(sub)
            except OSError:
                pass
