"""The organisation's web app through Django's test client: the set-up form (every mistake next
to its field, numbers normalised), roles and assigned couples, the audit log, the consent filter
before storage, deleting a couple's data when the loan ends, Dutch first."""

import re
from pathlib import Path

import pytest

from provision_flow import couple_doc, run_week

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    import os

    from care.portal import serve

    os.environ["TIMEOUT_CARE_HOSTS"] = "testserver"

    serve.setup(tmp_path_factory.mktemp("portal-data"))
    said = []
    password = serve.first_admin(say=said.append)
    users = {"admin": password}
    for name, role in (("sw", "socialworker"), ("cw1", "caseworker"), ("cw2", "caseworker")):
        users[name] = serve.add_user(name, role, say=said.append)
    return {"users": users, "said": said}


def client(portal, name):
    from django.test import Client

    c = Client()
    assert c.login(username=name, password=portal["users"][name])
    return c


def form_data(doc, language="nl"):
    data = {"ref": doc["couple"], "language": language, "leaver": doc["settings"]["leaver"],
            "timeout_min": str(doc["settings"]["timeout_min"]), "min_distance_m": "100",
            "home_lat": str(doc["home"]["lat"]), "home_lon": str(doc["home"]["lon"]),
            "home_radius_m": str(doc["home"]["radius_m"])}
    for role in "AB":
        p = doc[role]
        data.update({role + "_wearer_name": p["wearer_name"], role + "_task": p["task"],
                     role + "_phone": p["phone"]})
        for i, c in enumerate(p["contacts"]):
            data["%s_c%d_name" % (role, i)] = c["name"]
            data["%s_c%d_phone" % (role, i)] = c["phone"]
        for g, v in p["consent"].items():
            if v:
                data["%s_consent_%s" % (role, g)] = "on"
    return data


def test_first_administrator_gets_a_generated_password_once(portal):
    from care.portal import serve

    assert any("password: " + portal["users"]["admin"] in line for line in portal["said"])
    assert len(portal["users"]["admin"]) >= 16
    assert serve.first_admin(say=portal["said"].append) is None, "only on the first start"
    from django.contrib.auth.models import User

    assert User.objects.get(username="admin").password.startswith("pbkdf2_sha256$")


def test_pages_are_dutch_first_and_english_per_user(portal):
    from django.test import Client

    assert "Inloggen" in Client().get("/login/").content.decode()
    c = client(portal, "cw2")
    assert "Stellen" in c.get("/").content.decode()
    c.post("/language/", {"language": "en"})
    assert "Couples" in c.get("/").content.decode()
    c.post("/language/", {"language": "nl"})


def test_every_mistake_is_shown_next_to_its_field(portal):
    c = client(portal, "sw")
    doc = couple_doc(ref="form-0001")
    data = form_data(doc)
    data["A_c1_phone"] = data["B_phone"]  # A's contact is B's device
    data["home_lat"], data["home_lon"] = data["home_lon"], data["home_lat"]  # swapped
    data["timeout_min"] = "5"
    page = c.post("/couples/new/", data).content.decode()
    assert "3 velden moeten verbeterd worden" in page
    for field, words in (("A_c1_phone", "dit is het apparaat van B"),
                         ("home_lat", "verwisseld"), ("timeout_min", "tussen 10 en 240")):
        at = page.index('name="%s"' % field)
        assert words in page[at:at + 600], field
    from care.portal.models import Couple

    assert not Couple.objects.filter(ref="form-0001").exists()


def test_numbers_are_normalised_and_the_couple_saved(portal):
    c = client(portal, "sw")
    data = form_data(couple_doc(ref="form-0002"))
    data["A_phone"] = "06 1200 0001"
    data["home_lat"], data["home_lon"] = "52,0907", "5,1214"
    resp = c.post("/couples/new/", data)
    assert resp.status_code == 302
    from care.portal.models import Couple

    couple = Couple.objects.get(ref="form-0002")
    assert couple.doc["A"]["phone"] == "+31612000001" and couple.doc["home"]["lat"] == 52.0907


def test_caseworker_sees_only_assigned_couples_and_every_view_is_logged(portal, tmp_path):
    from django.contrib.auth.models import User

    from care.portal.models import AuditEntry, Couple, Device, Report

    sw = client(portal, "sw")
    consent_b = dict(couple_doc()["B"]["consent"], moods=False)
    doc = couple_doc(ref="flow-0003", consent_b=consent_b)
    assert sw.post("/couples/new/", form_data(doc)).status_code == 302
    couple = Couple.objects.get(ref="flow-0003")
    for label in ("T-1", "T-2"):
        sw.post("/devices/", {"add": label})
    ports = {r: "dir:%s" % (tmp_path / r) for r in "AB"}
    resp = sw.post("/couples/%d/provision/" % couple.pk, {
        "device_A": "T-1", "device_B": "T-2", "port_A": ports["A"], "port_B": ports["B"]},
        follow=True)
    assert "Beide apparaten zijn ingesteld" in resp.content.decode()
    assert Device.objects.get(label="T-2").couple == couple
    run_week({r: str(tmp_path / r) for r in "AB"})
    cw1, cw2 = client(portal, "cw1"), client(portal, "cw2")
    assert cw1.get("/couples/%d/" % couple.pk).status_code == 404, "not assigned yet"
    couple.caseworkers.add(User.objects.get(username="cw1"))
    # Read the devices the other way round: roles come from the devices.
    resp = cw1.post("/couples/%d/read/" % couple.pk, {"port_A": ports["B"], "port_B": ports["A"]})
    assert resp.status_code == 302
    report = Report.objects.get(couple=couple)
    cats = {(role, e["cat"]) for role, e in report.data["items"]}
    assert ("A", "mood_answer") in cats and ("B", "mood_answer") not in cats, \
        "B's moods never reach the database"
    assert not [e for _, e in report.data["items"] if "seq" in e]
    page = cw1.get("/reports/%d/" % report.pk).content.decode()
    assert "flow-0003" in page and "Elke time-out" in page and "Europe/Amsterdam" in page
    assert "B koos ervoor niet te delen: stemmingen" in page
    assert cw1.get("/reports/%d/events.csv" % report.pk).status_code == 200
    for path in ("/couples/%d/" % couple.pk, "/reports/%d/" % report.pk,
                 "/reports/%d/events.csv" % report.pk):
        assert cw2.get(path).status_code == 404, path
    assert sw.get("/reports/%d/" % report.pk).status_code == 403, "reports: caseworkers"
    assert cw1.get("/couples/new/").status_code == 403
    log = list(AuditEntry.objects.filter(couple_ref="flow-0003").values_list("user", "action"))
    for entry in (("cw1", "read devices"), ("cw1", "viewed report"),
                  ("cw1", "exported report"), ("sw", "provisioned")):
        assert entry in log, entry
    assert AuditEntry.objects.filter(user="cw2", action="refused").count() >= 3
    # The loan ends: the couple's data goes, the devices are returned, the log stays.
    assert sw.post("/couples/%d/end/" % couple.pk).status_code == 302
    assert not Couple.objects.filter(ref="flow-0003").exists()
    assert not Report.objects.filter(pk=report.pk).exists()
    assert Device.objects.get(label="T-1").state == "returned"
    assert AuditEntry.objects.filter(couple_ref="flow-0003", action="ended loan").exists()
    resp = sw.post("/devices/", {"wipe": "T-1", "port": ports["A"]}, follow=True)
    assert Device.objects.get(label="T-1").state == "wiped"
    assert not [p for p in (tmp_path / "A").iterdir() if re.match(r"(config|journal)", p.name)]


def test_the_couples_language_is_what_its_devices_say_and_its_sheets_print(portal, tmp_path):
    import json

    from care.portal.models import Couple

    sw = client(portal, "sw")
    for ref, language in (("lang-nl", "nl"), ("lang-en", "en")):
        doc = couple_doc(ref=ref)
        assert sw.post("/couples/new/", form_data(doc, language)).status_code == 302
        couple = Couple.objects.get(ref=ref)
        assert couple.language == language and couple.doc["settings"]["language"] == language
        page = sw.get("/couples/%d/" % couple.pk).content.decode()
        assert "de apparaten spreken: %s" % ("Nederlands" if language == "nl" else "English") \
            in page, "the summary in the user's (Dutch) language"
        labels = {r: "%s-%s" % (ref, r) for r in "AB"}
        for label in labels.values():
            sw.post("/devices/", {"add": label})
        folders = {r: tmp_path / ref / r for r in "AB"}
        resp = sw.post("/couples/%d/provision/" % couple.pk, {
            "device_A": labels["A"], "device_B": labels["B"],
            "port_A": "dir:%s" % folders["A"], "port_B": "dir:%s" % folders["B"]}, follow=True)
        said = resp.content.decode()
        assert "geschreven en gecontroleerd" in said, "what provisioning says, in Dutch"
        for r in "AB":
            cfg = json.loads((folders[r] / "config.json").read_text())
            assert cfg["language"] == language, (ref, r)
        sheets = sw.get("/couples/%d/sheets/" % couple.pk).content.decode()
        assert ("U bent contactpersoon" in sheets) == (language == "nl")
        assert ("You are a contact person" in sheets) == (language == "en")
        # the legend of lights and vibrations: every cue the device shows, in its words
        cue_file = (ROOT / "firmware" / "ui" / ("cues_%s.txt" % language)).read_text()
        keys = re.findall(r'data-keys="([^"]*)"', sheets)
        shown = set(keys[0].split()) if keys else set()
        listed = set(k for ks in keys for k in ks.split())
        for line in cue_file.splitlines():
            if line and not line.startswith(("#", "@")):
                key, rgb, buzz, _tone, text = line.split("|", 4)
                if text or buzz:
                    assert key in listed, (language, key)
        assert shown and ("Wat de lichtjes" in sheets) == (language == "nl")
        assert "de time-out is ge\u00ebscaleerd" in sheets.replace("&#x27;", "'"), \
            "the text a contact gets, word for word"
        task = doc["A"]["task"]
        assert ("Je taak: %s" % task if language == "nl" else "Your task: %s" % task) in sheets
        sw.post("/couples/%d/end/" % couple.pk)


def test_what_normalising_changed_is_told_in_dutch_by_the_fields_label(portal):
    c = client(portal, "sw")
    data = form_data(couple_doc(ref="form-notes"))
    data["A_phone"] = "06 1200 0001"
    page = c.post("/couples/new/", data, follow=True).content.decode()
    assert ("Partner A: Nummer van de simkaart in dit apparaat: 06 1200 0001 gelezen als "
            "+31612000001") in page


def _config_messages():
    """Every message core/config.py gives, provoked field by field with wrong values."""
    from core.config import SCHEMA, ConfigError, defaults, validate

    base = defaults()
    base.update(role="A", pair_secret="aaac85cb5966f30d27bf1b931d7ff132",
                contacts=[{"name": "C%d" % i, "phone": "+3161234567%d" % i} for i in range(3)])
    wrong = [None, "x", "X" * 400, -10 ** 12, 10 ** 12, True, [], {}, "{oops", "}", "{nope}",
             "ABCD" * 8, "12", {"zz": True}, {"moods": 1}, [1, 2, 3], [{"x": 1}] * 3,
             [{"name": "a", "phone": "1"}] * 3, [{"name": "", "phone": "+31611111111"}] * 3]
    found = set()
    for name in SCHEMA:
        for value in wrong:
            try:
                validate(dict(base, **{name: value}))
            except ConfigError as e:
                found.add(e.reason)
    for raw in ("not a dict", dict(base, nonsense=1), dict(base, walk_away_grace_s=1800,
                                                            timeout_min=10)):
        try:
            validate(raw)
        except ConfigError as e:
            found.add(e.reason)
    return found


def _couple_messages():
    from care import couple as rules

    docs = [dict(couple_doc(), extra=1), dict(couple_doc(), couple=""), "not a table",
            dict(couple_doc(), A=None)]
    broken = couple_doc()
    broken["home"] = {"lat": 52.1, "x": 1}
    broken["settings"].update(task="x", role="B", nonsense=1)
    broken["A"].pop("consent")
    broken["B"]["consent"] = {"moods": True}
    docs += [broken, dict(couple_doc(), home=[1]), dict(couple_doc(), settings=[1])]
    found = set()
    for doc in docs:
        found.update(p for _, p in rules.check(doc)[1])
    return found


def test_every_rule_message_the_portal_may_show_is_in_the_catalogue(portal):
    """core/config.py is firmware (no gettext there): its messages, and care/couple.py's, are
    translated by the catalogue's patterns (care/portal/forms.py translate)."""
    from django.utils import translation

    from care.portal.forms import translate

    messages = _config_messages() | _couple_messages()
    assert len(messages) > 30
    with translation.override("nl"):
        english = sorted(m for m in messages if translate(m) == m)
    assert english == []
    with translation.override("en"):
        assert translate("must be shorter than the time-out") == \
            "must be shorter than the time-out"


def test_device_and_report_errors_are_shown_in_dutch(portal):
    from django.utils import translation

    from care.portal.forms import translate

    errors = ["dir:/x: could not remove config.json",
              "dir:/x: config.json read back differs from what was written",
              "dir:/x: verification after writing failed",
              "dir:/x: no readable config on the device (not provisioned, or a read error): "
              "nothing was read; check the cable and try again",
              "both devices say they are partner A's: they are not one pair",
              "the two devices are not paired with each other (devices of different couples?): "
              "nothing was read",
              "dir:/x belongs to couple a-1, not b-2: nothing was read",
              "/dev/ttyUSB0: no answer from the device (is it connected?)",
              "/dev/ttyUSB0: writing config.json was not confirmed",
              "/dev/ttyUSB0: OSError: [Errno 2] ENOENT"]
    with translation.override("nl"):
        for error in errors:
            assert translate(error) != error, error
        assert translate(errors[6]) == \
            "dir:/x hoort bij stel a-1, niet bij b-2: er is niets gelezen"


def test_the_database_is_the_one_asked_for_and_the_migrations_are_complete(portal):
    """DATABASE_URL is used, not ignored (make test-postgres runs these tests on PostgreSQL),
    and the models hold nothing the migrations do not create."""
    import os

    from django.core.management import call_command
    from django.db import connection

    url = os.environ.get("DATABASE_URL", "")
    assert connection.vendor == ("postgresql" if url.startswith("postgres") else "sqlite")
    call_command("makemigrations", "portal", check=True, dry_run=True, verbosity=0)


def _inside(lat, lon, rings):
    """Ray casting over every ring of the outline."""
    hit = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
            if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                hit = not hit
    return hit


def test_the_bundled_outline_is_the_netherlands():
    import json

    from care.portal.mapview import OUTLINE

    doc = json.loads(OUTLINE.read_text())
    assert "Natural Earth" in doc["source"]
    for lat, lon in ((52.0907, 5.1214), (52.3676, 4.9041), (53.2194, 6.5665),
                     (50.8514, 5.6910), (51.4416, 5.4697)):  # Utrecht ... Eindhoven
        assert _inside(lat, lon, doc["rings"]), (lat, lon)
    for lat, lon in ((50.8503, 4.3517), (51.4556, 7.0116), (52.5, 3.5)):  # Brussels, Essen, sea
        assert not _inside(lat, lon, doc["rings"]), (lat, lon)


def test_a_point_of_the_map_is_the_degrees_it_shows():
    from care.portal.mapview import AreaMap

    m = AreaMap((50.70, 3.20, 53.60, 7.30))
    x, y = m.xy(52.0907, 5.1214)
    assert 0 < x < m.width and 0 < y < m.height
    lat, lon = m.latlon(x, y)
    assert abs(lat - 52.0907) < 1e-4 and abs(lon - 5.1214) < 1e-4
    assert m.xy(53.60, 3.20) == (0, 0) and m.xy(50.70, 7.30) == (m.width, m.height)


def test_the_form_has_an_offline_map_with_the_home_marked(portal):
    c = client(portal, "sw")
    page = c.get("/couples/new/").content.decode()
    svg = page[page.index('<svg id="map"'):page.index("</svg>")]
    assert svg.count("<path ") >= 5 and 'visibility="hidden"' in svg, "no home yet"
    assert 'data-north="53.6"' in svg, "degrees with a point whatever the user's language"
    for outside in ('src="http', "src='http", 'href="http', "url(http", "@import"):
        assert outside not in page, "nothing from another server"
    data = form_data(couple_doc(ref="map-0001"))
    data["home_lat"], data["home_lon"], data["timeout_min"] = "52,0907", "5,1214", "5"
    page = c.post("/couples/new/", data).content.decode()  # a mistake: the form comes back
    svg = page[page.index('<svg id="map"'):page.index("</svg>")]
    from care.portal.mapview import AreaMap

    x, y = AreaMap().xy(52.0907, 5.1214)
    assert 'cx="%s" cy="%s"' % (x, y) in svg and 'visibility="hidden"' not in svg


def test_a_welcome_text_chosen_on_the_form_reaches_the_config_and_the_sheet(portal, tmp_path):
    import json

    from care.portal.models import Couple

    sw = client(portal, "sw")
    doc = couple_doc(ref="welcome-1")
    data = form_data(doc)
    data["A_welcome_text"] = "on"  # A chose it, B did not
    assert sw.post("/couples/new/", data).status_code == 302
    couple = Couple.objects.get(ref="welcome-1")
    assert couple.doc["A"]["welcome_text"] is True and couple.doc["B"]["welcome_text"] is False
    for r in "AB":
        sw.post("/devices/", {"add": "welcome-1-" + r})
    folders = {r: tmp_path / r for r in "AB"}
    sw.post("/couples/%d/provision/" % couple.pk, {
        "device_A": "welcome-1-A", "device_B": "welcome-1-B",
        "port_A": "dir:%s" % folders["A"], "port_B": "dir:%s" % folders["B"]})
    cfgs = {r: json.loads((folders[r] / "config.json").read_text()) for r in "AB"}
    assert cfgs["A"]["welcome_text"] is True and cfgs["B"].get("welcome_text") is not True
    sheets = sw.get("/couples/%d/sheets/" % couple.pk).content.decode()
    assert sheets.count("stuurt het apparaat je één keer dit bericht") == 3  # A's three contacts
    assert "je bent een van de contactpersonen van %s" % doc["A"]["wearer_name"] in \
        sheets.replace("Je bent", "je bent")


def _wav_bytes(seconds, rate=16000, amplitude=3000):
    import io
    import wave

    import numpy as np

    t = np.arange(int(seconds * rate)) / rate
    samples = (amplitude * np.sin(2 * np.pi * 220 * t)).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def test_the_portal_writes_spoken_prompts_to_the_devices_with_a_speaker(portal, tmp_path):
    """The social worker ticks which device has a speaker and may upload the task in the
    wearer's own voice: those devices get their clips (checked against the words), the page says
    the flash they take, in Dutch; a device without a speaker gets none; a bad recording writes
    nothing to either device."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from care import prompts as render
    from care.portal.models import Couple
    from ui.prompts import words_check

    sw = client(portal, "sw")
    doc = couple_doc(ref="spoken-1")
    assert sw.post("/couples/new/", form_data(doc)).status_code == 302
    couple = Couple.objects.get(ref="spoken-1")
    for r in "AB":
        sw.post("/devices/", {"add": "spoken-1-" + r})
    folders = {r: tmp_path / r for r in "AB"}
    base = {"device_A": "spoken-1-A", "device_B": "spoken-1-B",
            "port_A": "dir:%s" % folders["A"], "port_B": "dir:%s" % folders["B"]}

    bad = dict(base, speaker_A="1", task_wav_A=SimpleUploadedFile("t.wav", b"RIFF junk"))
    page = sw.post("/couples/%d/provision/" % couple.pk, bad, follow=True).content.decode()
    assert "gesproken zinnen: geen leesbare WAV" in page and "er is niets geschreven" in page
    assert not any((folders[r] / "config.json").exists() for r in "AB"), "nothing written"

    long = dict(base, speaker_A="1", task_wav_A=SimpleUploadedFile("t.wav", _wav_bytes(21)))
    page = sw.post("/couples/%d/provision/" % couple.pk, long, follow=True).content.decode()
    assert "de opgenomen taak duurt 21 s" in page
    page = sw.post("/couples/%d/provision/" % couple.pk, dict(
        base, task_wav_B=SimpleUploadedFile("t.wav", _wav_bytes(2))), follow=True)
    assert "een opgenomen taak heeft een apparaat met luidspreker nodig" in \
        page.content.decode()
    assert not any((folders[r] / "config.json").exists() for r in "AB"), "nothing written"

    good = dict(base, speaker_A="1", task_wav_A=SimpleUploadedFile("t.wav", _wav_bytes(2)))
    page = sw.post("/couples/%d/provision/" % couple.pk, good, follow=True).content.decode()
    assert "geschreven en gecontroleerd" in page
    cfg = __import__("json").loads((folders["A"] / "config.json").read_text())
    clips = {p.stem: p.read_bytes() for p in (folders["A"] / "prompts").glob("*.ul")}
    assert set(clips) == set(render.needed(cfg))
    for name, text in render.needed(cfg).items():
        assert clips[name][:8] == render.MAGIC + words_check(text).to_bytes(4, "big"), name
    assert len(clips["task"]) == 8 + 2 * 8000, "the task as recorded, at 8 kHz"
    total = sum(len(c) for c in clips.values())
    assert "apparaat A: gesproken zinnen: %d fragmenten, %d bytes flashgeheugen" % (
        len(clips), total) in page
    assert not (folders["B"] / "prompts").exists(), "B has no speaker: no clips"
    assert "apparaat B: gesproken zinnen" not in page
