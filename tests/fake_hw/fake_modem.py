"""A cellular module on the fake machine's UART, for booting a real board under micropython
(tests/real_boot_mpy.py): registered, every command answered OK, texts accepted, and every call
answered. Its answers take the forms of host_sim/modem_sim.py's A7670 profile, which follow
SIMCom's AT manual (+CLCC: id,dir,stat,mode,mpty,"number",type; +CMGS: mr after the PDU and
Ctrl-Z). Only what the firmware needs to register, text and call a contact: no URCs, no sleep.

    modem = FakeModem(machine.UARTS[1]); asyncio.create_task(modem.run())
"""

from time import ticks_diff, ticks_ms

_RING_MS = 1500  # alerting, then the contact picks up
_TALK_MS = 3000  # then the contact hangs up

_ANSWERS = {
    "AT+CPIN?": "+CPIN: READY",
    "AT+CREG?": "+CREG: 1,1",
    "AT+CEREG?": "+CEREG: 1,1",
    "AT+CSQ": "+CSQ: 20,99",
    "AT+CCLK?": '+CCLK: "26/12/03,10:00:00+04"',
}


class FakeModem:
    def __init__(self, uart):
        self.uart = uart
        self.line = bytearray()
        self.pdu = None  # bytes of a text after the "> " prompt, until Ctrl-Z
        self.dialled_at = None
        self.number = ""
        self.commands = []  # each command's first 8 characters, for the test's report
        self.texts = 0
        self.calls = 0

    def _say(self, *lines):
        out = b""
        for ln in lines:
            out += b"\r\n" + ln.encode() + b"\r\n"
        self.uart.feed(out)

    def _clcc(self):
        if self.dialled_at is None:
            return None
        gone = ticks_diff(ticks_ms(), self.dialled_at)
        if gone >= _RING_MS + _TALK_MS:
            self.dialled_at = None
            return None
        stat = 3 if gone < _RING_MS else 0  # alerting, then active
        return '+CLCC: 1,0,%d,0,0,"%s",145' % (stat, self.number)

    def _command(self, text):
        self.commands.append(text[:8])
        if text.startswith("AT+CMGS="):
            self.pdu = bytearray()
            self.uart.feed(b"\r\n> ")
            return
        if text.startswith("ATD"):
            self.number = text[3:].rstrip(";")
            self.dialled_at = ticks_ms()
            self.calls += 1
        elif text in ("ATH", "AT+CHUP"):
            self.dialled_at = None
        elif text == "AT+CLCC":
            state = self._clcc()
            if state is not None:
                self._say(state, "OK")
                return
        elif text == "AT+CMGL=4":
            self._say("OK")
            return
        answer = _ANSWERS.get(text)
        self._say(*((answer, "OK") if answer else ("OK",)))

    def _take(self, data):
        for b in data:
            if self.pdu is not None:
                if b == 0x1A:
                    self.pdu = None
                    self.texts += 1
                    self._say("+CMGS: %d" % self.texts, "OK")
                else:
                    self.pdu.append(b)
            elif b == 0x0D:
                text = bytes(self.line).decode().strip()
                self.line = bytearray()
                if text:
                    self._command(text)
            elif b != 0x0A:
                self.line.append(b)

    async def run(self):
        import asyncio  # here, not at import: the firmware's own import of it is its heap

        while True:
            if self.uart.tx:
                data = bytes(self.uart.tx)
                self.uart.tx = bytearray()
                self._take(data)
            await asyncio.sleep_ms(10)
