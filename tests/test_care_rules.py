"""The one validation of a couple (command line and web app): every mistake at once, numbers
normalised, the dangerous mistakes refused, files from any editor read."""

import pytest

from care import couple
from care import provision
from provision_flow import couple_doc


def fields(doc):
    _, problems, _ = couple.check(doc)
    return [f for f, _ in problems]


def test_a_good_couple_has_no_problems():
    configs, problems, notes = couple.check(couple_doc())
    assert problems == [] and notes == [] and configs["A"]["partner_phone"] == "+31612000002"


def test_every_mistake_is_listed_in_one_round():
    doc = couple_doc()
    doc["A"]["task"] = "x" * 61
    doc["B"]["contacts"][2]["phone"] = "12345"
    doc["settings"]["timeout_min"] = 5
    doc["B"]["wearer_name"] = "y" * 31
    got = fields(doc)
    assert got == ["settings.timeout_min", "A.task", "B.wearer_name", "B.contacts[2].phone"]


@pytest.mark.parametrize("written,normal", [
    ("0612345678", "+31612345678"), ("06-1234 5678", "+31612345678"),
    ("0031612345678", "+31612345678"), ("+31 6 12345678", "+31612345678"),
    ("030 123 4567", "+31301234567"), ("12345", "12345"), ("", "")])
def test_numbers_are_normalised(written, normal):
    assert couple.normalise_phone(written) == normal


def test_national_numbers_and_decimal_commas_are_accepted_and_said():
    doc = couple_doc()
    doc["A"]["phone"] = "06 1200 0001"
    doc["home"] = {"lat": "52,0907", "lon": "5,1214", "radius_m": "75"}
    configs, problems, notes = couple.check(doc)
    assert problems == []
    assert configs["B"]["partner_phone"] == "+31612000001"
    assert configs["A"]["home_lat_e7"] == 520907000 and configs["A"]["home_lon_e7"] == 51214000
    assert ("A.phone", "06 1200 0001 read as +31612000001") in notes


@pytest.mark.parametrize("change,field,words", [
    (lambda d: d["A"]["contacts"][0].update(phone=d["B"]["phone"]), "A.contacts[0].phone",
     "time-out from"),
    (lambda d: d["B"].update(phone=d["A"]["phone"]), "B.phone", "same number"),
    (lambda d: d["A"].pop("phone"), "A.phone", "far link"),
    (lambda d: d["B"]["contacts"][2].update(phone=d["B"]["contacts"][0]["phone"]),
     "B.contacts[2].phone", "contact 1"),
    (lambda d: d["home"].update(lat=d["home"]["lon"], lon=d["home"]["lat"]), "home", "swapped"),
    (lambda d: d["home"].update(lat=0, lon=0), "home", "0, 0"),
    (lambda d: d["home"].update(lat=48.85, lon=2.35), "home", "outside"),
])
def test_dangerous_mistakes_are_refused(change, field, words):
    doc = couple_doc()
    change(doc)
    _, problems, _ = couple.check(doc)
    assert [p for p in problems if p[0] == field and words in p[1]], problems


def test_the_organisations_area_can_be_set(monkeypatch):
    doc = couple_doc()
    doc["home"].update(lat=48.85, lon=2.35)
    monkeypatch.setenv("TIMEOUT_CARE_AREA", "41,-5,51.5,9.6")
    assert fields(doc) == []


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_files_from_windows_editors_are_read(tmp_path, encoding):
    text = open("docs/couple.example.toml", encoding="utf-8").read().replace('"Sam"', '"José"')
    path = tmp_path / "couple.toml"
    path.write_bytes(text.encode(encoding))
    doc = couple.load(str(path))
    assert couple.build_configs(doc, couple.PLACEHOLDER_SECRET)["A"]["wearer_name"] == "José"


def test_command_line_lists_every_mistake_and_suggests(tmp_path, capsys):
    text = open("docs/couple.example.toml", encoding="utf-8").read()
    text = text.replace('phone = "+31612000001"', 'phone = "0612000001"')
    text = text.replace('"+31633333333"', '"+31612000001"')  # B calls A's device
    text = text.replace("timeout_min = 60", "timeout_min = 500")
    path = tmp_path / "couple.toml"
    path.write_text(text)
    assert provision.main(["check", str(path)]) == 1
    out = capsys.readouterr()
    assert "A.phone: 0612000001 read as +31612000001" in out.out
    assert "2 mistakes" in out.err
    assert "settings.timeout_min: must be between 10 and 240" in out.err
    assert "B.contacts[0].phone: this is A's device" in out.err


@pytest.mark.parametrize("a, b, shown", [(True, True, True), (True, False, False),
                                         (False, True, False), (None, None, False)])
def test_moods_are_shared_only_when_both_partners_agree(a, b, shown):
    doc = couple_doc()
    for role, choice in (("A", a), ("B", b)):
        if choice is not None:
            doc[role]["share_mood"] = choice
    configs, problems, _ = couple.check(doc)
    assert not problems
    for role, other in (("A", "B"), ("B", "A")):
        cfg = configs[role]
        assert cfg["partner_share_mood"] is (configs[other]["share_mood"] is True)
        assert (cfg["share_mood"] and cfg["partner_share_mood"]) is shown
    line = [x for x in couple.summary(doc, configs) if "other's mood" in x][0]
    assert line.endswith("yes, both agreed" if shown else ": no")


def test_the_partners_choice_is_set_by_the_tool_only():
    doc = couple_doc()
    doc["A"]["partner_share_mood"] = True
    _, problems, _ = couple.check(doc)
    assert ("A.partner_share_mood", "set by the tool, leave it out") in problems
