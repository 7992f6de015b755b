"""The welcome text (shell/welcome.py): once per contact number, only while no time-out runs
and the network is there, again after a failure, and the flash never holds the numbers."""

import json

from host_sim import vloop
from modem import wording
from shell import welcome
from test_session import CONTACTS


class FakePhone:
    """The Phone surface the job uses; `results` are send_sms outcomes, in order."""

    def __init__(self, results=()):
        self.results = list(results)
        self.sent = []
        self.up = True

    def registered(self):
        return self.up

    async def text_contact(self, number, kind):
        out = self.results.pop(0) if self.results else "sent"
        self.sent.append((number, kind, out))
        return out


def cfg(contacts=CONTACTS):
    return {"contacts": [dict(c) for c in contacts]}


def run(phone, config, folder, idle=lambda: True, limit_s=7200):
    async def main():
        import asyncio

        await asyncio.wait_for(welcome.run(phone, config, str(folder), idle), limit_s)
    vloop.run(main())


def test_each_contact_once_and_not_again_after_a_reboot(tmp_path):
    phone = FakePhone()
    run(phone, cfg(), tmp_path)
    assert [s[0] for s in phone.sent] == [c["phone"] for c in CONTACTS]
    assert all(s[1] == "welcome" for s in phone.sent)
    again = FakePhone()
    run(again, cfg(), tmp_path)  # the next boot
    assert again.sent == []
    stored = (tmp_path / welcome.FILE).read_text()
    for c in CONTACTS:
        assert c["phone"] not in stored and c["phone"][1:] not in stored
    assert len(json.loads(stored)["sent"]) == 3


def test_a_failed_text_is_tried_again_and_the_others_still_go(tmp_path):
    phone = FakePhone(["no_network", "failed", "sent"])
    run(phone, cfg(), tmp_path)
    first = CONTACTS[0]["phone"]
    assert [s for s in phone.sent if s[0] == first] == [
        (first, "welcome", "no_network"), (first, "welcome", "failed"),
        (first, "welcome", "sent")]
    assert welcome.owed(cfg(), str(tmp_path)) == []


def test_a_new_contact_gets_one_and_the_file_keeps_only_current_contacts(tmp_path):
    run(FakePhone(), cfg(), tmp_path)
    changed = [dict(c) for c in CONTACTS]
    changed[1] = {"name": "Nieuw", "phone": "+31687654321"}
    phone = FakePhone()
    run(phone, cfg(changed), tmp_path)
    assert [s[0] for s in phone.sent] == ["+31687654321"]
    assert len(json.loads((tmp_path / welcome.FILE).read_text())["sent"]) == 3


def test_nothing_goes_while_a_time_out_runs_or_without_network(tmp_path):
    phone = FakePhone()
    phone.up = False
    busy = [True]

    async def main():
        import asyncio

        task = asyncio.ensure_future(welcome.run(phone, cfg(), str(tmp_path), lambda: not busy[0]))
        await asyncio.sleep(60)
        assert phone.sent == []  # no network
        phone.up = True
        await asyncio.sleep(60)
        assert phone.sent == []  # a time-out runs
        busy[0] = False
        await asyncio.wait_for(task, 60)
        assert len(phone.sent) == 3
    vloop.run(main())


def test_a_damaged_file_sends_again_rather_than_never(tmp_path):
    (tmp_path / welcome.FILE).write_text("{not json")
    assert len(welcome.owed(cfg(), str(tmp_path))) == 3
    (tmp_path / welcome.FILE).write_text(json.dumps({"sent": "x"}))
    assert len(welcome.owed(cfg(), str(tmp_path))) == 3


def test_the_welcome_text_names_the_contact_and_never_a_place():
    text = wording.contact_text("welcome", "Sanne", "Piet", (520000000, 45000000), True)
    assert "Piet" in text and "Sanne" in text and "geo:" not in text
