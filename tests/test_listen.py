"""The microphone loop: audio goes only into the detector, and not at all when switched off."""

import asyncio
from array import array

from dsp.detector import HOME_OVERRIDES
from host_sim import vloop
from shell.listen import Listener


class FakeMic:
    sample_rate = 16000
    sensitivity_dbfs = -26

    def __init__(self):
        self.reads = 0
        self.on = True
        self.switches = []

    def stop(self):
        self.on = False
        self.switches.append("stop")

    def start(self):
        self.on = True
        self.switches.append("start")

    async def readinto(self, buf):
        assert self.on, "read while stopped"
        self.reads += 1
        for i in range(len(buf)):
            buf[i] = 12000 if i % 2 else -12000  # loud square: exercise the detector
        await asyncio.sleep(0.02)
        return len(buf)


class FakeDevice:
    def __init__(self):
        self.listening = True
        self.listen_on = asyncio.Event()
        self.posted = []

    def post(self, event):
        self.posted.append(event)


def test_switched_off_means_the_microphone_is_not_read():
    async def main():
        mic, device = FakeMic(), FakeDevice()
        listener = Listener(mic, "wearable", device.post, 0, lambda: device.listening,
                            device.listen_on)
        task = asyncio.create_task(listener.run())
        await asyncio.sleep(0.5)
        reads_on = mic.reads
        device.listening = False
        await asyncio.sleep(0.1)
        paused_at = mic.reads
        await asyncio.sleep(1.0)
        assert mic.reads == paused_at, "no reads while off"
        device.listening = True
        device.listen_on.set()
        await asyncio.sleep(0.3)
        task.cancel()
        return reads_on, mic.reads, paused_at, mic.switches

    reads_on, reads_end, paused_at, switches = vloop.run(main())  # virtual time: no flakes
    assert reads_on > 5 and reads_end > paused_at
    assert switches == ["stop", "start"], "the microphone is stopped while off"


def test_listener_buffer_is_preallocated_int16():
    device = FakeDevice()
    listener = Listener(FakeMic(), "home", device.post, 0, lambda: device.listening,
                        device.listen_on)
    assert isinstance(listener.buf, array) and listener.buf.typecode == "h"
    assert listener.detector.p["level_min_dba"] == HOME_OVERRIDES["level_min_dba"]


def test_the_devices_own_prompts_never_reach_the_detector():
    """While the speaker plays, what the microphone hears is not counted: a loud square for a
    minute, all of it while `muted`, makes no proposal and feeds no second to the detector."""
    async def main():
        mic, device = FakeMic(), FakeDevice()
        listener = Listener(mic, "wearable", device.post, 0, lambda: True, device.listen_on)
        speaking = [True]
        listener.muted = lambda: speaking[0]
        task = asyncio.create_task(listener.run())
        await asyncio.sleep(60)
        muted = (listener.muted_blocks, listener.detector.seconds, list(device.posted))
        speaking[0] = False  # the prompt ended: the same room counts again
        await asyncio.sleep(60)
        task.cancel()
        return muted, listener.detector.seconds

    (blocks, seconds, posted), later = vloop.run(main())
    assert blocks > 2000 and seconds == 0 and posted == []
    assert later > 30, "and once it is quiet again the detector hears the room"
