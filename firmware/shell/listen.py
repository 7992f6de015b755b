"""The microphone side of the shell: audio blocks into the detector, ("proposal",) events out.

Audio never leaves this loop: one pre-allocated block buffer is filled by the board's
microphone driver and overwritten by the next block; nothing is stored, logged or sent. The
detector (dsp/) decides what sustained shouting is; the session decides whether to propose.
"""

from array import array

from dsp.detector import Detector, params_for

BLOCK_MS = 20  # the block the detector's Fast-weighting table is made for (dsp/levels.py)


class Listener:
    def __init__(self, mic, kind, post, cal_mdb, listening, listen_on):
        """post(event): to the session. cal_mdb: the provisioned correction of this microphone,
        1/1000 dB (a calibrator reading minus the datasheet sensitivity); added to the board's
        sensitivity. listening(): False while the wearer has switched listening off;
        listen_on: the asyncio.Event set when it is switched back on."""
        self.mic = mic
        self.post = post
        self.listening = listening
        self.listen_on = listen_on
        self.buf = array("h", bytes(2 * (mic.sample_rate * BLOCK_MS // 1000)))
        sensitivity = mic.sensitivity_dbfs + cal_mdb / 1000
        self.detector = Detector(mic.sample_rate, sensitivity, params_for(kind))
        self.proposals = 0
        self.muted = None  # a function: True while the device's own speaker plays
        self.muted_blocks = 0

    async def run(self):
        buf = self.buf
        detector = self.detector
        listening = self.listening
        listen_on = self.listen_on
        while True:
            if not listening():  # switched off: the microphone is not read, and is stopped
                self.mic.stop()
                listen_on.clear()
                await listen_on.wait()
                if not listening():
                    continue
                self.mic.start()
                detector.reset()  # no history from before the pause
                continue
            n = await self.mic.readinto(buf)
            if n and self.muted is not None and self.muted():
                self.muted_blocks += 1  # the device hears itself: not counted
                continue
            if n and detector.process(buf, n):
                self.proposals += 1
                self.post(("proposal",))
