"""The cellular side of the shell: contact calls and texts on the modem.

The session decides whom to call and in which order (core/chain.py); this places one attempt
(a text saying what is asked of them, then the call) and reports the outcome. "no_network"
comes back at once, so the core can retry the same contact when the network returns instead
of skipping to the next one. The far link to the partner device is not here: it is link.far's
(sealed partner frames as binary SMS).
"""

from modem import wording


class Phone:
    def __init__(self, modem, cfg, journal_fn, power_on=None):
        self.modem = modem
        self.cfg = cfg
        self.journal = journal_fn
        self.power_on = power_on  # the board's power key sequence, if the module needs one
        self.ready = False
        self.position = None  # () -> (lat_e7, lon_e7) or None: set by the shell's locator
        self.templates = {}
        for key in wording.DEFAULT_TEMPLATES:  # the couple's own wording, where it has one
            if cfg.get(key):
                self.templates[key] = cfg[key]

    def _text(self, kind, contact_name):
        cfg = self.cfg
        position = self.position() if self.position is not None else None
        share = cfg.get("share_location") is True  # the partners' consent, nothing else
        try:
            return wording.contact_text(kind, cfg["wearer_name"] or "-", contact_name,
                                        position, share, self.templates or None)
        except ValueError as e:  # a bad template must not cost the call: built-in wording
            self.journal("fault", {"what": "sms_template", "error": str(e)})
            return wording.contact_text(kind, cfg["wearer_name"] or "-", contact_name,
                                        position, share)

    def registered(self):
        """The module is up and on a network (a text sent now can go)."""
        return self.ready and self.modem.health.get("registered") is True

    def modem_event(self, name, fields):
        """The modem's health changes, for the journal (and the wearer, via the chain)."""
        health = self.modem.health
        fields = {"csq": health.get("csq"), "registered": health.get("registered")}
        if name == "no_network":
            self.journal("modem_no_network", fields)
        elif name == "network_back":
            self.journal("modem_network_back", fields)
        elif name == "modem_reset":
            self.journal("modem_reset", fields)

    async def start(self):
        if self.power_on is not None:
            await self.power_on()
        self.ready = await self.modem.start()
        self.journal("modem", {"ready": self.ready, "health": self.modem.health})

    async def call(self, number, reason):
        """Text the contact with this number what is asked of them, then call (when the
        module has voice). The outcome: the call's, or "no_voice" / "no_network" / "failed"."""
        modem = self.modem
        contact = None
        for c in self.cfg["contacts"]:
            if c["phone"] == number:
                contact = c
        if contact is None:
            return "failed"
        text = self._text("escalated", contact["name"])
        sms_out = await modem.send_sms(number, text)
        self.journal("contact_texted", {"name": contact["name"], "outcome": sms_out})
        if not modem.can_call:  # a module without voice: the text is all we can do
            return "no_network" if sms_out == "no_network" else "no_voice"
        call_out = await modem.call(number, self.cfg["ring_time_s"] * 1000)
        if call_out == "answered":
            await modem.hang_up()
        return call_out

    async def text_fallback(self, number):
        """The fallback text (nobody answered) to the contact with this number: 'sent',
        'failed', 'no_network' or 'too_long'; the chain tries again until it is 'sent'."""
        return await self.text_contact(number, "fallback")

    async def text_contact(self, number, kind):
        """Text `kind` (modem/wording.py: 'fallback', 'welcome') to the contact with this
        number; the outcome as send_sms gives it. A number that is no contact: 'failed'."""
        for c in self.cfg["contacts"]:
            if c["phone"] == number:
                out = await self.modem.send_sms(c["phone"], self._text(kind, c["name"]))
                self.journal("contact_texted", {"name": c["name"], "outcome": out, kind: True})
                return out
        return "failed"

