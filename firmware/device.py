"""The imperative shell: asyncio tasks that connect the board's drivers to the session core.

Every input (button patterns, partner messages, sensor events, call results) becomes an event
posted to one inbox; one loop feeds the inbox and the clock to the Session and carries out the
actions it returns. Decisions are made in core/, never here. Runs on MicroPython's asyncio and
CPython's alike (only Event, create_task, sleep_ms/wait_for_ms from compat are used).
"""

import asyncio

from compat import sleep_ms, ticks_diff, wait_event_ms
from core.session import Session
from core.vocab import CALL, FALLBACK, JOURNAL, NOTIFY, PERSIST, POWER, SEND
from store.files import join, read_json, write_json
from ui.buttons import PressPatterns
from ui.feedback import cue

STATE_FILE = "session.json"
_IDLE_WAIT_MS = 60000  # the session loop shows it is alive at least this often (watchdog)
_RESTART_MS = 1000


def downtime_ms(saved, epoch_now):
    """Time spent switched off, from the wall clock saved with the snapshot (0 when unknown)."""
    then = saved.get("epoch") if saved else None
    if then is None or epoch_now is None or epoch_now < then:
        return 0
    return (epoch_now - then) * 1000


class Device:
    def __init__(self, hw, cfg, journal, link, rand16, phone):
        self.hw = hw
        self.cfg = cfg
        self.journal = journal
        self.link = link
        self.folder = hw.storage_dir()
        self.inbox = []
        self.wake = asyncio.Event()
        self.observe = getattr(hw, "observe", None)
        self.button = hw.button()
        self.feedback = hw.feedback()
        self.phone = phone
        self.sensors = hw.sensor_events() if hasattr(hw, "sensor_events") else None
        self.alive = {}  # task name -> ticks of its last sign of life (for the watchdog)
        self.dropped = 0
        self.faults = 0
        self.listening = True  # the wearer may switch listening off (session "power" action)
        self.listen_on = asyncio.Event()
        # The simulator records the core's inputs and outputs for differential replays.
        self.trace = getattr(hw, "trace_core", None)
        now = hw.ticks_ms()
        saved = read_json(join(self.folder, STATE_FILE))
        snap = saved.get("session") if isinstance(saved, dict) else None
        down = downtime_ms(saved, hw.epoch_s())
        if self.trace:
            rand16 = self._traced_rand(rand16)
            self.trace("boot", {"cfg": cfg, "now": now, "snap": snap, "down": down})
        try:
            self.session = Session(cfg, now, rand16, snap, down)
        except (KeyError, TypeError, ValueError, IndexError):
            self.session = Session(cfg, now, rand16)
            self._journal("fault", {"what": "session_snapshot_unreadable"})
        actions = self.session.boot_actions(now)
        if self.trace:
            self.trace("step", {"now": now, "event": "boot", "actions": actions})
        self.apply(actions)
        self.locator = None
        if hasattr(hw, "gnss") and (cfg["home_lat_e7"] or cfg["home_lon_e7"]):
            from locate import Locator

            self.locator = Locator(hw.gnss(), cfg, self)
            if hasattr(phone, "position"):  # a contact's text may carry it (with consent)
                phone.position = self.locator.last_position
        self.listener = None
        if hasattr(hw, "microphone"):
            from listen import Listener

            self.listener = Listener(hw.microphone(), getattr(hw, "kind", "wearable"), self,
                                     cfg.get("mic_cal_mdb", 0))
        register = getattr(hw, "register_device", None)
        if register:  # the simulator reads counters at the end of a run
            register(self)

    def link_stats(self):
        out = {}
        for link in self.link.receivers():
            for key in link.stats:
                out[key] = out.get(key, 0) + link.stats[key]
        return out

    def _traced_rand(self, rand16):
        def traced():
            value = rand16()
            self.trace("rand", {"value": value})
            return value

        return traced

    # ----- inputs -------------------------------------------------------------------------

    def post(self, event):
        if len(self.inbox) >= 32:  # a flood of input must not exhaust the heap
            self.dropped += 1
            return
        self.inbox.append(event)
        self.wake.set()

    async def _button_loop(self):
        patterns = PressPatterns()
        while True:
            self.alive["button"] = self.hw.ticks_ms()
            deadline = patterns.deadline()
            wait = None if deadline is None else max(0, ticks_diff(deadline, self.hw.ticks_ms()))
            edge = await self.button.edge(wait)
            now = self.hw.ticks_ms()
            pattern = patterns.edge(edge[0], edge[1]) if edge else None
            pattern = pattern or patterns.poll(now)
            if pattern:
                self.post(("press", pattern))

    async def _link_loop(self, link):
        while True:
            msg = await link.recv()
            if msg is None:
                continue
            if msg["t"] == "pos":  # positions go to the GNSS side, not the session
                if self.locator is not None:
                    self.locator.partner_pos(msg, self.hw.ticks_ms())
                continue
            self.post(("partner", msg))

    async def _sensor_loop(self):
        while True:
            event = await self.sensors.next()
            if event is not None:
                self.post(event)

    async def _call(self, index, number, reason):
        name = self.cfg["contacts"][index]["name"]
        self._notify("calling", {"name": name})
        try:
            outcome = await self.phone.call(number, reason)
        except Exception as e:  # a driver fault is a failed call, never a lost chain
            self._journal("fault", {"what": "call", "error": repr(e)})
            outcome = "failed"
        self.post(("call_result", index, outcome))

    async def _fallback(self, reason):
        numbers = [c["phone"] for c in self.cfg["contacts"]]
        try:
            await self.phone.alert_all(numbers, reason)
        except Exception as e:
            self._journal("fault", {"what": "fallback", "error": repr(e)})

    # ----- outputs ------------------------------------------------------------------------

    def _journal(self, category, fields):
        self.journal.append(category, fields, self.hw.epoch_s())

    def _notify(self, key, fields):
        rgb, vibration, tone, text = cue(key, fields)
        if self.cfg.get("discreet"):  # nothing that draws attention: no tone, a dim light
            tone = None
            rgb = (rgb[0] // 8, rgb[1] // 8, rgb[2] // 8)
        self.feedback.show(key, rgb, vibration, tone, text)
        if self.observe:
            self.observe("notify", {"key": key, "text": text})

    def persist(self, now_ms):
        state = {"session": self.session.snapshot(now_ms), "epoch": self.hw.epoch_s()}
        try:
            write_json(join(self.folder, STATE_FILE), state)
        except OSError as e:
            self._journal("fault", {"what": "persist", "error": repr(e)})

    def apply(self, actions):
        now = self.hw.ticks_ms()
        persist = False
        for action in actions:
            kind = action[0]
            if kind == SEND:
                if not self.link.send(action[1]) and self.observe:
                    self.observe("send_failed", action[1])
                if self.observe:
                    self.observe("send", action[1])
            elif kind == NOTIFY:
                self._notify(action[1], action[2])
            elif kind == JOURNAL:
                self._journal(action[1], action[2])
            elif kind == CALL:
                asyncio.create_task(self._call(action[1], action[2], action[3]))
            elif kind == FALLBACK:
                asyncio.create_task(self._fallback(action[1]))
            elif kind == PERSIST:
                persist = True
            elif kind == POWER:
                self.listening = action[1]
                self.listen_on.set()
        if persist:
            self.persist(now)

    def _step(self, now, event):
        """One event (or a tick, when event is None) through the core. A fault in the core is
        journaled and survived: the device must keep running the time-out it has."""
        try:
            if event is None:
                actions = self.session.tick(now)
            else:
                actions = self.session.handle(now, event)
            if self.trace:
                self.trace("step", {"now": now, "event": event, "actions": actions})
            self.apply(actions)
        except Exception as e:
            self.faults += 1
            self._journal("fault", {"what": "core_error", "error": repr(e),
                                    "event": event[0] if event else "tick"})

    async def _session_loop(self):
        session = self.session
        while True:
            now = self.hw.ticks_ms()
            self.alive["session"] = now
            while self.inbox:
                self._step(now, self.inbox.pop(0))
            self._step(now, None)
            if self.inbox:
                continue
            wait = min(session.wait_ms(self.hw.ticks_ms()), _IDLE_WAIT_MS)
            self.wake.clear()
            await wait_event_ms(self.wake, max(1, wait))

    async def _supervised(self, name, make):
        """Run the task `make()` builds; if it fails, journal the fault and start it again.
        One driver's bug must not take the time-out down with it."""
        while True:
            try:
                await make()
                return
            except Exception as e:
                self.faults += 1
                self._journal("fault", {"what": "task_failed", "task": name, "error": repr(e)})
            await sleep_ms(_RESTART_MS)

    async def run(self, background=()):
        jobs = [("session", self._session_loop), ("button", self._button_loop)]
        if self.sensors is not None:
            jobs.append(("sensors", self._sensor_loop))
        if self.locator is not None:
            jobs.append(("gnss", self.locator.run))
        if self.listener is not None:
            jobs.append(("mic", self.listener.run))
        for i, link in enumerate(self.link.receivers()):
            jobs.append(("link%d" % i, lambda link=link: self._link_loop(link)))
        coros = [self._supervised(name, make) for name, make in jobs] + list(background)
        tasks = [asyncio.create_task(coro) for coro in coros]
        for link in self.link.receivers():
            if hasattr(link, "start"):  # a link with a task of its own (BLE): ours to end
                tasks.append(link.start())
        try:
            await asyncio.gather(*tasks)
        finally:
            for link in self.link.receivers():
                if hasattr(link, "stop"):
                    link.stop()
            for task in tasks:
                task.cancel()
