"""Plays a cue (LED colour, vibration on/off pattern, tone) without blocking the caller.

`show()` sets the LED at once and starts one background task for the motor and buzzer; a new
cue cancels the one still playing. Must not choose cues (ui/feedback.py does) and must never
raise into the shell: a broken output is counted and the cue goes on without it.
"""

import asyncio

from compat import sleep_ms
from drivers.pattern import steps, tone_steps


class Feedback:
    """show(key, rgb, vibration_ms, tone, text); `quiet` silences the buzzer (discreet mode).
    `say(text)` is an optional hook for a board that can speak or show text."""

    def __init__(self, led=None, motor=None, buzzer=None, say=None):
        self.led = led
        self.motor = motor
        self.buzzer = buzzer
        self.say = say
        self.quiet = False
        self.task = None
        self.tone_task = None
        self.faults = 0
        self.last = None

    def show(self, key, rgb, vibration, tone, text):
        self.last = key
        if self.led is not None and rgb:
            try:
                self.led.rgb(rgb[0], rgb[1], rgb[2])
            except Exception:
                self.faults += 1
        if self.say is not None and text:
            try:
                self.say(text)
            except Exception:
                self.faults += 1
        for task in (self.task, self.tone_task):
            if task is not None:
                task.cancel()
        self.task = self.tone_task = None
        buzz = steps(vibration) if self.motor is not None else []
        sound = tone_steps(tone) if self.buzzer is not None and not self.quiet else ()
        if buzz:
            self.task = asyncio.create_task(self._vibrate(buzz))
        if sound:
            self.tone_task = asyncio.create_task(self._tone(sound))

    async def _vibrate(self, buzz):
        try:
            for on, ms in buzz:
                self._motor(on)
                await sleep_ms(ms)
        finally:  # a cancelled cue must not leave the motor running
            self._motor(False)

    async def _tone(self, sound):
        try:
            for hz, ms in sound:
                self._buzz(hz)
                await sleep_ms(ms)
        finally:
            self._buzz(0)

    def _motor(self, on):
        try:
            self.motor.on(on)
        except Exception:
            self.faults += 1

    def _buzz(self, hz):
        try:
            self.buzzer.play(hz)
        except Exception:
            self.faults += 1
