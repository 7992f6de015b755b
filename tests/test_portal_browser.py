"""The organisation's web app in a real browser (Debian's headless Chromium through Playwright):
a social worker sets up a couple with two realistic mistakes, corrects them, provisions two
virtual devices over USB (mpremote on micropython ptys), the simulator lives an evening on them,
a caseworker reads the report; a second caseworker cannot see that couple.

Screenshots: set TIMEOUT_CARE_SCREENSHOTS=docs/portal to save them there."""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from host_sim.vdevice import VirtualDevice

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian chromium missing: `make test` installs it")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    data = tmp_path / "data"
    users = {n: secrets.token_urlsafe(12) for n in ("sw", "cw1", "cw2")}
    make = ("from care.portal import serve\nserve.setup(%r)\n"
            "serve.add_user('sw', 'socialworker', %r)\nserve.add_user('cw1', 'caseworker', %r)\n"
            "serve.add_user('cw2', 'caseworker', %r)\n"
            % (str(data), users["sw"], users["cw1"], users["cw2"]))
    subprocess.run([sys.executable, "-c", make], check=True, capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen([str(BIN / "timeout-care"), "portal", "--data", str(data),
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=str(tmp_path))
    first = b""
    while b"serving on" not in first:
        line = proc.stdout.readline()
        assert line, first.decode()
        first += line
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield {"url": "http://127.0.0.1:%d" % port, "users": users, "said": first.decode()}
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_set_up_provision_live_an_evening_report(server, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("TIMEOUT_CARE_SCREENSHOTS")
    assert "password: " in server["said"] and "http://127.0.0.1:" in server["said"]
    url, users = server["url"], server["users"]
    flash = tmp_path / "flash"
    with VirtualDevice(tmp_path / "vA") as va, VirtualDevice(tmp_path / "vB") as vb, \
            sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1000, "height": 900})
        page = ctx.new_page()
        # Writing and reading back two devices (two MicroPython processes) is the slow step;
        # on a busy machine it takes longer than a page load, and nothing here is a speed test.
        page.set_default_timeout(180000)
        page.set_default_navigation_timeout(180000)

        def shot(name):
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                path = Path(shots) / (name + ".png")
                page.screenshot(path=str(path))
                from PIL import Image  # matplotlib's dependency: small palette PNGs for docs/

                Image.open(path).convert("RGB").quantize(32).save(path, optimize=True)

        def login(name):
            page.goto(url + "/login/")
            page.fill("#id_username", name)
            page.fill("#id_password", users[name])
            page.click("button[type=submit]")
            page.wait_for_selector("nav")

        def logout():
            page.click("nav form[action$='/logout/'] button")
            page.wait_for_selector("#id_username")

        login("sw")
        for label in ("TO-0007", "TO-0008"):
            page.goto(url + "/devices/")
            page.fill("#add", label)
            page.click("#add + button")
        page.goto(url + "/couples/new/")
        values = {
            "ref": "utrecht-0142", "timeout_min": "60", "min_distance_m": "100",
            # Mistake 1: latitude and longitude swapped (typed with decimal commas).
            "home_lat": "5,1214", "home_lon": "52,0907", "home_radius_m": "75",
            "A_wearer_name": "Sam", "A_task": "Walk to the park and back",
            "A_phone": "06 1200 0001",
            # Mistake 2: A's first contact is B's own device.
            "A_c0_name": "Mother", "A_c0_phone": "0612000002",
            "A_c1_name": "Friend Jo", "A_c1_phone": "0622222222",
            "A_c2_name": "Team on call", "A_c2_phone": "030 123 4567",
            "B_wearer_name": "Alex", "B_task": "Sit in the car and breathe slowly",
            "B_phone": "0612000002",
            "B_c0_name": "Brother", "B_c0_phone": "0633333333",
            "B_c1_name": "Neighbour", "B_c1_phone": "0644444444",
            "B_c2_name": "Team on call", "B_c2_phone": "030 123 4567"}
        for name, value in values.items():
            page.fill("#id_" + name, value)
        for role, groups in (("A", ("timeouts", "proposals", "distance", "contacts", "power",
                                    "faults")),
                             ("B", ("timeouts", "proposals", "contacts", "moods", "power"))):
            for g in groups:
                page.check("#id_%s_consent_%s" % (role, g))
        page.click("button[type=submit]")
        summary = page.text_content("#summary")
        assert "2 velden moeten verbeterd worden" in summary
        assert "verwisseld" in page.text_content("div:has(> #id_home_lat)")
        assert "dit is het apparaat van B" in page.text_content("div:has(> #id_A_c0_phone)")
        assert page.input_value("#id_A_task") == "Walk to the park and back", "kept as typed"
        shot("couple-form-mistakes")
        # The home picked on the offline map: a click fills the degrees (then typed exactly).
        from care.portal.mapview import AreaMap

        x, y = AreaMap().xy(52.0907, 5.1214)
        page.locator("#map").click(position={"x": x, "y": y})
        assert abs(float(page.input_value("#id_home_lat")) - 52.0907) < 0.01
        assert abs(float(page.input_value("#id_home_lon")) - 5.1214) < 0.01
        assert page.get_attribute("#map-home", "visibility") == "visible"
        page.fill("#id_home_lat", "52,0907")
        page.fill("#id_home_lon", "5,1214")
        page.fill("#id_A_c0_phone", "0611111111")
        page.click("button[type=submit]")
        page.wait_for_selector("#provision")
        assert "kloppen en zijn opgeslagen" in page.content()
        page.select_option("#device_A", "TO-0007")
        page.select_option("#device_B", "TO-0008")
        page.fill("#port_A", va.port)
        page.fill("#port_B", vb.port)
        page.click("#provision")
        page.wait_for_selector("text=Beide apparaten zijn ingesteld en gecontroleerd.")
        page.check("input[name=caseworker][value=cw1]")
        page.click("#assign")
        page.wait_for_selector("text=Casemanagers opgeslagen.")
        shot("couple")
        page.goto(page.url + "sheets/")
        assert "U bent contactpersoon" in page.content() and "Legenda voor Sam" in page.content()
        shot("sheets")
        page.goto(url + "/devices/")
        assert "utrecht-0142" in page.text_content("table")
        shot("devices")
        logout()

        # The simulator lives an evening on the two provisioned flash folders.
        flash.mkdir()
        (flash / "A").symlink_to(tmp_path / "vA" / "data")
        (flash / "B").symlink_to(tmp_path / "vB" / "data")
        done = subprocess.run([sys.executable, "-m", "host_sim", "run",
                               "scenarios/demo/evening.toml", "--flash", str(flash)],
                              capture_output=True, cwd=ROOT, timeout=300)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
        assert b"Walk to the park and back" in done.stdout

        login("cw1")
        page.click("text=utrecht-0142")
        # The caseworker plugs the devices in the other way round: roles come from them.
        page.fill("#rport_A", vb.port)
        page.fill("#rport_B", va.port)
        page.click("#read")
        page.wait_for_selector("text=Elke time-out")
        text = page.text_content("body")
        assert "utrecht-0142" in text and "Europe/Amsterdam" in text
        assert "A koos ervoor niet te delen: stemmingen" in text
        assert "B koos ervoor niet te delen: afstand, storingen" in text
        assert "B: stemming" in text and "A: stemming" not in text
        shot("report")
        report_url = page.url
        couple_url = page.get_attribute("p.noprint a", "href")
        logout()

        login("cw2")
        assert "utrecht-0142" not in page.text_content("body")
        for path in (report_url, url + couple_url):
            resp = page.goto(path)
            assert resp.status == 404, path
        ctx.close()
