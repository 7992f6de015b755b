"""The board interface, written down once: every method the firmware calls on a board.

A part the board does not have answers None (no microphone, GNSS receiver, modem, BLE, ...),
so the shell asks the board for the part and gets it or None; it never probes with hasattr.
boards/sim/board.py derives from BoardBase, every real board from drivers/real_board.py's
RealBoard (which does), and the type check (tools/typecheck.py) holds each board's methods to
these. Kept small: the simulated board imports it at boot, on the same heap as the firmware.
"""


def _required(self):
    raise NotImplementedError  # every board has this part


def _absent(self):
    return None


class BoardBase:
    name = "base"
    kind = "wearable"  # the detector's defaults: "wearable" or "home"
    MODEM_PROFILE = None  # type: str | None  # the module's entry in modem/profiles.py
    JOURNAL_BYTES = 32768  # the journal's ring on the flash (store/journal.py)

    # Every board has these:
    #   ticks_ms()        the tick counter (time.ticks_ms semantics)
    #   epoch_s()         seconds since 1970 from the board's clock, None while unknown
    #   reset_cause()     "power_on", "watchdog", ... (drivers/system.py)
    #   storage_dir()     the folder of config, session state and journal
    #   button()          `await edge(timeout_ms)` -> (pressed, ticks) or None
    #   feedback()        light, vibration, sound: `show(key, rgb, vibration, tone, text)`
    ticks_ms = epoch_s = reset_cause = storage_dir = button = feedback = _required

    # Parts a board may lack, None when absent:
    #   ble()             a `bluetooth.BLE` for the near partner link
    #   watchdog()        `feed()`: fed only while the session loop is alive
    #   microphone()      `await readinto(int16 array)` -> n; sample_rate, sensitivity_dbfs;
    #                     stop() / start(): the microphone off while listening is switched off
    #   gnss()            the receiver's UART: `await read(timeout_ms)` -> bytes or None,
    #                     `power(on)`
    #   modem_uart()      (reader, writer): asyncio streams to the cellular module
    #   modem_dtr()       set(level) for the module's DTR line (high lets it sleep, with
    #                     AT+CSCLK=1); absent: the module never sleeps
    #   battery_mv()      the cell's voltage in millivolts
    #   speaker()         drivers/speaker.py's Speaker: plays the cues' prompt clips
    #   console()         the USB console read without blocking (drivers/console.py), for
    #                     the lock (shell/console.py); None: no console to guard
    # Parts only a simulated board has (stand-ins for the modem, the far link, and the GNSS
    # and detector pipelines):
    #   phone()           `await call(number, reason)` -> outcome, `await text_fallback(number)`
    #   partner_pipe()    a frame pipe to the partner device: `send(frame)`, `await recv()`
    #   sensor_events()   `await next()` -> an event for the session, or None
    # The simulator's hooks:
    #   observer()        (kind, data) -> None: the timeline of what the device does
    #   core_tracer()     (kind, data) -> None: the session core's inputs and outputs
    #   until_stop()      an awaitable that ends the run, or None: run until power-off
    ble = watchdog = microphone = gnss = modem_uart = modem_dtr = battery_mv = console = _absent
    speaker = _absent
    phone = partner_pipe = sensor_events = observer = core_tracer = until_stop = _absent

    def urandom(self, n):
        """n random bytes: the hardware generator on a device (time-out ids, advertising
        identifiers); the simulator's board draws them from the run's seed instead."""
        import os

        return os.urandom(n)

    def reset(self):
        """Restart the device: what a locked device does instead of showing a crash on the
        console (machine.reset on a device)."""
        import machine

        machine.reset()

    def console_lease(self, ms):
        """Keep the watchdog fed for `ms` while the tool holds the unlocked REPL (the session
        loop is stopped then); after that the watchdog restarts the device, locked again."""
        return None

    def set_epoch_s(self, epoch):
        """Set the board's clock to Unix seconds (firmware/wallclock.py); no clock: nothing."""
        return None

    def power_setup(self):
        """At boot: the CPU clock a real board runs at (the simulator's boards: nothing)."""
        return None

    async def modem_power_on(self):
        """The module's power key sequence; a module without one needs nothing here."""
        return None

    def register_device(self, device):
        """The simulator reads the running device's counters at the end of a run."""
        return None
