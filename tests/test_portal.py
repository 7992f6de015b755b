"""The organisation's web app through Django's test client: the set-up form (every mistake next
to its field, numbers normalised), roles and assigned couples, the audit log, the consent filter
before storage, deleting a couple's data when the loan ends, Dutch first."""

import re

import pytest

from provision_flow import couple_doc, run_week


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
