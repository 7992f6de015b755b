"""Consent filtering: a group a partner did not share never shows in any output, not even as a
count; joint groups need both partners; a partner's moods need that partner's consent."""

import csv
import io
import json

import pytest

from core.config import CONSENT_GROUPS
from care import report
from care.usb import FolderDevice
from store import consent as rules
from store.journal import Journal

SECRET = "dd2970e6874e9d835dc443a528a719f3"  # a random couple secret

ALL = {g: True for g in CONSENT_GROUPS}
# Marker text placed in every entry: it must never appear in output of a hidden entry.
SECRET_FIELD = "name"


def test_every_category_belongs_to_a_known_group():
    for cat, (group, about) in rules.GROUP_OF.items():
        assert group in CONSENT_GROUPS and about in ("self", "partner"), cat


def test_unknown_category_is_never_shared():
    assert not rules.shared("something_new", ALL, ALL)


def test_partner_mood_needs_the_partners_consent():
    own = dict(ALL)
    assert rules.shared("partner_mood", own, ALL)
    assert not rules.shared("partner_mood", own, dict(ALL, moods=False))
    assert not rules.shared("partner_mood", own, None)
    assert rules.shared("mood_answer", own, dict(ALL, moods=False))


def test_reason_field_hidden_unless_both_share_moods_and_distance():
    e = {"cat": "chain_started", "reason": "not_calm", "tid": 3}
    assert rules.redact(e, ALL, ALL) == e
    assert rules.redact(e, ALL, dict(ALL, moods=False)) == {"cat": "chain_started", "tid": 3}


def write_device(folder, role, consent):
    """A device folder with a config and one entry of every known category."""
    folder.mkdir()
    cfg = {"version": 2, "role": role, "pair_secret": SECRET, "consent": consent,
           "contacts": [{"name": "N%d" % i, "phone": "+3161111111%d" % i} for i in range(3)]}
    (folder / "config.json").write_text(json.dumps(cfg))
    j = Journal(str(folder))
    t = 1799013600
    for i, cat in enumerate(sorted(rules.GROUP_OF)):
        fields = {SECRET_FIELD: "%s-%s" % (role, cat), "tid": i, "pid": i, "mood": "angry",
                  "outcome": "not_calm", "reason": "distance", "by": role}
        j.append(cat, fields, t + 3600 * i)
    j.append("unknown_future_cat", {SECRET_FIELD: role + "-unknown_future_cat"}, t)
    return FolderDevice(str(folder))


def outputs(tmp_path, consent_a, consent_b):
    devs = {"A": write_device(tmp_path / "A", "A", consent_a),
            "B": write_device(tmp_path / "B", "B", consent_b)}
    paths = report.build(devs, str(tmp_path / "out"), "ref")
    return {name: open(p, encoding="utf-8").read() for name, p in paths.items()}


@pytest.mark.parametrize("group", CONSENT_GROUPS)
@pytest.mark.parametrize("who", ["A", "B"])
def test_a_group_not_shared_never_appears(tmp_path, group, who):
    consents = {"A": dict(ALL), "B": dict(ALL)}
    consents[who][group] = False
    out = outputs(tmp_path, consents["A"], consents["B"])
    text = "\n".join(out.values())
    hidden_sides = ("A", "B") if group in rules.JOINT else (who,)
    for cat, (g, about) in rules.GROUP_OF.items():
        for side in ("A", "B"):
            tag = "%s-%s" % (side, cat)
            other = "B" if side == "A" else "A"
            hidden = (g == group and (side in hidden_sides or (about == "partner"
                                                               and other == who)))
            assert (tag in text) is (not hidden), (tag, hidden)
    assert "unknown_future_cat" not in text
    # No count or row about the hidden group: every summary row is about a shared group.
    rows = list(csv.reader(io.StringIO(out["summary.csv"])))[1:]
    labels = [r[0] for r in rows]
    assert labels, "the shared groups still have rows"
    words = {"timeouts": "time-out", "proposals": "proposal", "distance": "distance",
             "contacts": "contact", "moods": "mood", "power": "device started",
             "faults": "faults"}
    for label in labels:
        if words[group] in label:
            assert group not in rules.JOINT and not label.startswith(who + ":"), label
    assert "not to share: %s" % group in out["report.html"]
    # Sequence numbers would reveal how many entries were held back.
    for row in csv.DictReader(io.StringIO(out["events.csv"])):
        assert "seq" not in json.loads(row["details"])


def test_mood_outcomes_hidden_when_one_partner_keeps_moods(tmp_path):
    out = outputs(tmp_path, dict(ALL), dict(ALL, moods=False))
    ended = [json.loads(r["details"]) for r in csv.DictReader(io.StringIO(out["events.csv"]))
             if r["category"] in ("timeout_ended", "partner_ended", "chain_started")]
    assert ended and all("outcome" not in d and "reason" not in d for d in ended)
    assert "may meet" not in out["summary.csv"]
    assert "A: mood angry" in out["summary.csv"] and "B: mood" not in out["summary.csv"]


def test_nothing_shared_reports_nothing(tmp_path):
    none = {g: False for g in CONSENT_GROUPS}
    out = outputs(tmp_path, none, none)
    assert "Nothing was shared." in out["report.html"]
    assert len(out["summary.csv"].strip().splitlines()) == 1
    assert len(out["events.csv"].strip().splitlines()) == 1
    assert "<img" not in out["report.html"]


def test_unreadable_device_is_an_error_not_a_choice(tmp_path):
    devs = {r: write_device(tmp_path / r, r, ALL) for r in "AB"}
    (tmp_path / "B" / "config.json").write_text("{broken")
    with pytest.raises(report.ReportError) as err:
        report.build(devs, str(tmp_path / "out"))
    assert str(tmp_path / "B") in str(err.value) and "no readable config" in str(err.value)
    assert not (tmp_path / "out").exists(), "no report that blames a partner"


def test_partners_are_labelled_by_the_role_each_device_stores(tmp_path):
    devs = {r: write_device(tmp_path / r, r, dict(ALL, moods=(r == "A"))) for r in "AB"}
    out = report.collect({"A": devs["B"], "B": devs["A"]})
    assert out["consents"]["A"]["moods"] is True and out["consents"]["B"]["moods"] is False
    assert {role for role, e in out["items"] if e.get(SECRET_FIELD) == "A-mood_answer"} == {"A"}


def test_devices_of_two_couples_are_not_mixed(tmp_path):
    a = write_device(tmp_path / "A", "A", ALL)
    b = write_device(tmp_path / "B", "B", ALL)
    cfg = json.loads((tmp_path / "B" / "config.json").read_text())
    cfg["pair_secret"] = "0d4c3ce5f587483a61ee807012be94e5"
    (tmp_path / "B" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(report.ReportError, match="not paired"):
        report.collect({"A": a, "B": b})
    with pytest.raises(report.ReportError, match="one pair"):
        report.collect({"A": a, "B": a})
