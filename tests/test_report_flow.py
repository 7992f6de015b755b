"""The whole path: provision two virtual devices over mpremote, run a short simulated week on
their storage folders, export the caseworker report over USB; only what was shared shows."""

import csv
import io
import json

from core.config import CONSENT_GROUPS
from care import provision, report
from care.usb import UsbDevice
from host_sim.vdevice import VirtualDevice
from provision_flow import couple_doc, run_week

ALL = {g: True for g in CONSENT_GROUPS}


def test_provision_week_export(tmp_path):
    consent_b = dict(ALL, moods=False, faults=False)
    with VirtualDevice(tmp_path / "flashA") as a, VirtualDevice(tmp_path / "flashB") as b:
        devs = {"A": UsbDevice(a.port), "B": UsbDevice(b.port)}
        provision.provision(couple_doc(consent_b=consent_b), devs, say=lambda *x: None)
        folders = {r: str(tmp_path / ("flash" + r) / "data") for r in "AB"}
        timeline = run_week(folders)
        assert not [e for e in timeline if e["event"] == "firmware_crash"]
        said = {(e.get("device"), e["event"]) for e in timeline}
        assert ("B", "mood_answer") in said and ("A", "distance_violation") in said
        out = tmp_path / "report"
        assert report.main(["--a", a.port, "--b", b.port, "--out", str(tmp_path / "x"),
                            "--couple", "another-couple"]) == 2, "devices of another couple"
        assert not (tmp_path / "x").exists()
        # Given the other way round: the devices say who is who.
        assert report.main(["--a", b.port, "--b", a.port, "--out", str(out),
                            "--couple", "test-0001"]) == 0
    html = (out / "report.html").read_text()
    events = list(csv.DictReader(io.StringIO((out / "events.csv").read_text())))
    summary = {r[0]: r[1:] for r in csv.reader(io.StringIO((out / "summary.csv").read_text()))}
    # Two calendar weeks (Sunday night into Monday), one timeline picture each.
    assert summary["metric"][:2] == ["week of 2026-12-28",
                                     "week of 2027-01-04"]
    assert html.count("<img") == 2 and "data:image/png;base64," in html
    # Couple, period and each time-out in local time (22:02 UTC is 23:02 in Amsterdam).
    assert "test-0001" in html and "Europe/Amsterdam" in html and "@page{size:A4" in html
    assert "<td>2027-01-03 23:02</td>" in html and "2027-01-03 - 2027-01-04" in html
    # Counts agree with what the simulated devices did.
    started = {e["tid"] for e in timeline if e["event"] == "timeout_started"}
    assert summary["time-outs"][-1] == str(len(started)) == "2"
    a_moods = [e["mood"] for e in timeline if e["event"] == "mood_answer"
               and e.get("device") == "A"]
    assert summary["A: mood calm"][-1] == str(a_moods.count("calm"))
    # B kept moods and faults: none of B's, and no partner view of B's moods on A.
    assert not [r for r in events if r["category"] in ("mood_answer", "fault")
                and r["device"] == "B"]
    assert not [r for r in events if r["category"] == "partner_mood" and r["device"] == "A"]
    assert not [k for k in summary if k.startswith("B: mood") or k.startswith("B: faults")]
    assert "may meet" not in " ".join(summary)  # an outcome tells about moods
    assert "B chose not to share: moods, faults." in html
    assert {r["device"] for r in events if r["category"] == "mood_answer"} == {"A"}
    for r in events:
        assert "seq" not in json.loads(r["details"])


def test_report_from_simulator_folders(tmp_path):
    folders = {}
    for role in "AB":
        folders[role] = tmp_path / role
    from care.usb import FolderDevice

    devs = {r: FolderDevice(str(folders[r])) for r in "AB"}
    provision.provision(couple_doc(), devs, say=lambda *x: None)
    run_week({r: str(p) for r, p in folders.items()})
    out = tmp_path / "out"
    assert report.main(["--a", "dir:%s" % folders["A"], "--b", "dir:%s" % folders["B"],
                        "--out", str(out)]) == 0
    summary = (out / "summary.csv").read_text()
    assert "B: mood" in summary and "may meet" in summary
