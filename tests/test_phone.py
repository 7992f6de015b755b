"""The shell's phone: texts to contacts carry the location only with consent; config wording."""

import asyncio

import pytest

from core.config import ConfigError, defaults, validate
from shell.phone import Phone

SECRET = "aaac85cb5966f30d27bf1b931d7ff132"  # a random couple secret

CONTACTS = [{"name": "Ann", "phone": "+31611111111"}, {"name": "Bob", "phone": "+31622222222"},
            {"name": "Cy", "phone": "+31633333333"}]


class FakeModem:
    can_call = True
    health = {"csq": 20, "registered": True}

    def __init__(self, answer="answered"):
        self.texts = []
        self.calls = []
        self.answer = answer

    def clock(self):
        return 0

    async def send_sms(self, number, text):
        self.texts.append((number, text))
        return "sent"

    async def call(self, number, ring_ms):
        self.calls.append((number, ring_ms))
        return self.answer

    async def hang_up(self):
        return True


def config(**over):
    cfg = defaults()
    cfg.update(pair_secret=SECRET, contacts=CONTACTS, wearer_name="Kim")
    cfg.update(over)
    return validate(cfg)


def run(cfg, position=(520907000, 51214000), answer="answered"):
    modem = FakeModem(answer)
    journal = []
    phone = Phone(modem, cfg, lambda cat, fields: journal.append((cat, fields)))
    phone.position = lambda: position
    outcome = asyncio.run(phone.call("+31622222222", "too_close"))
    return outcome, modem, journal


def test_text_then_call_and_no_location_without_consent():
    outcome, modem, journal = run(config())
    assert outcome == "answered"
    assert modem.texts[0][0] == "+31622222222" and "Kim" in modem.texts[0][1]
    assert "geo:" not in modem.texts[0][1]
    assert modem.calls == [("+31622222222", 30000)]
    assert journal[0] == ("contact_texted", {"name": "Bob", "outcome": "sent"})


def test_location_only_with_consent():
    _, modem, _ = run(config(share_location=True))
    assert "geo:52.0907" in modem.texts[0][1]
    _, modem, _ = run(config(share_location=True), position=None)
    assert "geo:" not in modem.texts[0][1]


def test_wording_from_config():
    cfg = config(contact_sms_escalated="{contact}, {wearer} needs you now.{location}",
                 share_location=True, contact_sms_location=" At {geo}")
    _, modem, _ = run(cfg)
    assert modem.texts[0][1].startswith("Bob, Kim needs you now. At geo:52.0907")


@pytest.mark.parametrize("text", ["Hello {name}", "Hi {wearer", "Hi wearer}"])
def test_bad_template_is_rejected_at_provisioning(text):
    with pytest.raises(ConfigError) as err:
        config(contact_sms_fallback=text)
    assert err.value.field == "contact_sms_fallback"


def test_unknown_number_is_not_called():
    modem = FakeModem()
    phone = Phone(modem, config(), lambda cat, fields: None)
    assert asyncio.run(phone.call("+31699999999", "asked")) == "failed"
    assert modem.calls == [] and modem.texts == []
