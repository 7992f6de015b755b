"""The imperative shell: asyncio tasks that connect the board's drivers to the session core.

Every input (button patterns, partner messages, sensor events, call results) becomes an event
posted to one inbox; one loop feeds the inbox and the clock to the Session and carries out the
actions it returns: each action kind has one handler in `Device._ACTIONS`, and a kind that is
not there is journaled as a fault, never dropped. The board is asked for its parts
(drivers/board_base.py): one it lacks is None, and what would use it is not started. Locator
and Listener get a post() and small queries, not the Device. Decisions are made in core/, never
here. Runs on MicroPython's asyncio and CPython's alike (only Event, create_task,
sleep_ms/wait_for_ms from compat are used).
"""

import asyncio

from compat import Waker, sleep_ms, ticks_diff
from core.session import IDLE, Session
from core.vocab import CALL, FALLBACK, JOURNAL, NOTIFY, PERSIST, POWER, SEND
from store.files import join, read_json, write_json
from ui.buttons import PressPatterns
from ui.feedback import cue

TYPE_CHECKING = False  # the type check reads the board interface; the device never imports it
if TYPE_CHECKING:
    from drivers.board_base import BoardBase

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
    def __init__(self, hw: "BoardBase", cfg, journal, link, rand16, phone):
        self.hw = hw
        self.cfg = cfg
        self.journal = journal
        self.link = link
        self.folder = hw.storage_dir()
        self.inbox = []  # type: list
        self.wake = Waker()  # set by every input: the session loop's one wait
        self.observe = hw.observer()
        self.button = hw.button()
        self.feedback = hw.feedback()
        self.speaker = hw.speaker()  # None: a board without one shows and vibrates only
        self.phone = phone  # None: the board cannot call or text (no modem)
        self._calling_said = None  # the contact whose "Calling ..." was said, until a result
        self.sensors = hw.sensor_events()
        self.alive = {}  # type: dict  # task name -> ticks of its last sign of life (watchdog)
        self.dropped = 0
        self.faults = 0
        self.listening = True  # the wearer may switch listening off (session "power" action)
        self.listen_on = asyncio.Event()
        # The simulator records the core's inputs and outputs for differential replays.
        self.trace = hw.core_tracer()
        now = hw.ticks_ms()
        saved = read_json(join(self.folder, STATE_FILE))
        snap = saved.get("session") if isinstance(saved, dict) else None
        down = downtime_ms(saved, hw.epoch_s())
        # Clock unknown at boot: the off time is counted once it is known (wallclock.py).
        self._off_since = saved.get("epoch") if isinstance(saved, dict) and \
            hw.epoch_s() is None else None
        if self.trace:
            rand16 = self._traced_rand(rand16)
            self.trace("boot", {"cfg": cfg, "now": now, "snap": snap, "down": down})
        try:
            self.session = Session(cfg, now, rand16, snap, down)
        except (KeyError, TypeError, ValueError, IndexError):
            self.session = Session(cfg, now, rand16)
            self._journal("fault", {"what": "session_snapshot_unreadable"})
        link.send_only_if(self.session.still_current)
        actions = self.session.boot_actions(now)
        if self.trace:
            self.trace("step", {"now": now, "event": "boot", "actions": actions})
        self.apply(actions)
        from wallclock import WallClock

        self.clock = WallClock(hw, journal, self._time_known)
        self.locator = None
        gnss = hw.gnss() if cfg["home_lat_e7"] or cfg["home_lon_e7"] else None
        if gnss is not None:
            from shell.locate import Locator

            session = self.session
            link = self.link
            self.locator = Locator(gnss, cfg, hw.ticks_ms, self.post, link.send,
                                   session.running, hw.epoch_s,
                                   lambda: link.connected, self._ble_near, self.observe,
                                   self.clock.gnss_fix)
            if phone is not None:  # a contact's text may carry it (with consent)
                phone.position = self.locator.last_position
        self.listener = None
        mic = hw.microphone()
        if mic is not None:
            from shell.listen import Listener

            self.listener = Listener(mic, hw.kind, self.post, cfg.get("mic_cal_mdb", 0),
                                     self._listening, self.listen_on)
            if self.speaker is not None:  # not a word of its own prompts counts as shouting
                self.listener.muted = lambda: self.speaker.playing
        hw.register_device(self)  # the simulator reads counters at the end of a run

    def link_stats(self):
        out = {}
        for link in self.link.receivers():
            for key in link.stats:
                out[key] = out.get(key, 0) + link.stats[key]
        return out

    def _ble_near(self):
        """True / False / None (not heard lately): the BLE proximity to the partner. Not heard
        lately is no news either way: adverts come seconds apart, and a gap between them must
        not read as "far" (a partner whose relayed positions lie would be clear between two)."""
        near = self.link.near
        if near is None or near.rssi is None:
            return None
        return near.near

    def _listening(self):
        return self.listening

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
        if self.phone is None:  # a board that cannot phone: the chain ends and says so
            self.post(("call_result", index, "no_phone"))
            return
        if self._calling_said != index:  # a retry after "no network" is not announced again
            self._calling_said = index
            self._notify("calling", {"name": self.cfg["contacts"][index]["name"]})
        try:
            outcome = await self.phone.call(number, reason)
        except Exception as e:  # a driver fault is a failed call, never a lost chain
            self._journal("fault", {"what": "call", "error": repr(e)})
            outcome = "failed"
        if outcome != "no_network":
            self._calling_said = None
        self.post(("call_result", index, outcome))

    async def _fallback(self, index, number):
        try:
            outcome = await self.phone.text_fallback(number)
        except Exception as e:  # a driver fault: the text is tried again, never lost
            self._journal("fault", {"what": "fallback", "error": repr(e)})
            outcome = "failed"
        self.post(("text_result", index, outcome))

    # ----- outputs ------------------------------------------------------------------------

    def _journal(self, category, fields):
        self.journal.append(category, fields, self.hw.epoch_s())

    def _notify(self, key, fields):
        rgb, vibration, tone, text = cue(key, fields, self.cfg.get("language", "nl"))
        if self.cfg.get("discreet"):  # nothing that draws attention: no tone, a dim light
            tone = None
            rgb = (rgb[0] // 8, rgb[1] // 8, rgb[2] // 8)
        self.feedback.show(key, rgb, vibration, tone, text)
        if self.speaker is not None and text and not self.cfg.get("discreet"):
            from ui.prompts import prompt

            self.speaker.play(prompt(key, fields, [c["name"] for c in self.cfg["contacts"]],
                                     self.cfg.get("language", "nl")))
        if self.observe:
            self.observe("notify", {"key": key, "text": text, "fields": fields})

    def _time_known(self, boot_epoch):
        """The wall clock became known: a resumed time-out counts the time the device was off."""
        since, self._off_since = self._off_since, None
        if isinstance(since, int) and boot_epoch > since:
            self.session.add_downtime((boot_epoch - since) * 1000)
            self._journal("downtime_counted", {"s": boot_epoch - since})
            self.wake.set()

    def persist(self, now_ms):
        epoch = self.hw.epoch_s()
        if epoch is None and isinstance(self._off_since, int):  # a lower bound, see docs/config.md
            epoch = self._off_since + self.journal.uptime_ms() // 1000
        state = {"session": self.session.snapshot(now_ms), "epoch": epoch}
        try:
            write_json(join(self.folder, STATE_FILE), state)
        except OSError as e:
            self._journal("fault", {"what": "persist", "error": repr(e)})

    # One handler per action kind the core returns (core/session.py lists them); a handler
    # returns True when the state must be persisted after the batch.

    def _do_send(self, action):
        if not self.link.send(action[1]) and self.observe:
            self.observe("send_failed", action[1])
        if self.observe:
            self.observe("send", action[1])

    def _do_notify(self, action):
        self._notify(action[1], action[2])

    def _do_journal(self, action):
        self._journal(action[1], action[2])

    def _do_call(self, action):
        asyncio.create_task(self._call(action[1], action[2], action[3]))

    def _do_fallback(self, action):
        if self.phone is not None:
            asyncio.create_task(self._fallback(action[1], action[2]))

    def _do_persist(self, action):
        return True

    def _do_power(self, action):
        self.listening = action[1]
        self.listen_on.set()

    def _do_unknown(self, action):
        """An action kind this shell does not know: a bug between core and shell. Journaled
        (and counted), never silently dropped, never a crash."""
        self.faults += 1
        self._journal("fault", {"what": "unknown_action", "kind": repr(action[0])})

    _ACTIONS = {SEND: _do_send, NOTIFY: _do_notify, JOURNAL: _do_journal, CALL: _do_call,
                FALLBACK: _do_fallback, PERSIST: _do_persist, POWER: _do_power}

    def apply(self, actions):
        now = self.hw.ticks_ms()
        persist = False
        handlers = self._ACTIONS
        for action in actions:
            if handlers.get(action[0], Device._do_unknown)(self, action):
                persist = True
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
            await self.wake.wait_ms(max(1, wait))

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

    async def _welcome(self):
        """The contacts' welcome texts, while no time-out runs (shell/welcome.py)."""
        from shell import welcome

        await welcome.run(self.phone, self.cfg, self.folder, lambda: self.session.phase == IDLE)

    async def run(self, background=()):
        jobs = [("session", self._session_loop), ("button", self._button_loop)]
        if self.sensors is not None:
            jobs.append(("sensors", self._sensor_loop))
        if self.locator is not None:
            jobs.append(("gnss", self.locator.run))
        if self.listener is not None:
            jobs.append(("mic", self.listener.run))
        if self.speaker is not None:
            jobs.append(("speaker", self.speaker.run))
        modem = getattr(self.phone, "modem", None)
        if modem is not None and hasattr(modem, "network_time"):
            jobs.append(("clock", lambda: self.clock.network_loop(modem, self.alive)))
        if self.cfg.get("welcome_text") and hasattr(self.phone, "text_contact"):
            jobs.append(("welcome", self._welcome))
        for i, link in enumerate(self.link.receivers()):
            jobs.append(("link%d" % i, lambda link=link: self._link_loop(link)))
        coros = [self._supervised(name, make) for name, make in jobs] + list(background)
        tasks = [asyncio.create_task(coro) for coro in coros]
        near = self.link.near  # the BLE link runs a task of its own: ours to start and end
        if near is not None:
            tasks.append(near.start())
        try:
            await asyncio.gather(*tasks)
        finally:
            if near is not None:
                near.stop()
            for task in tasks:
                task.cancel()
