"""The provisioning tool against virtual devices: micropython on a pty, driven by mpremote."""

import json

import pytest

from care import provision
from care.couple import PLACEHOLDER_SECRET, CoupleError, build_configs
from care.usb import DeviceError, UsbDevice
from host_sim.vdevice import VirtualDevice
from provision_flow import couple_doc


@pytest.fixture
def pair(tmp_path):
    with VirtualDevice(tmp_path / "flashA") as a, VirtualDevice(tmp_path / "flashB") as b:
        yield {"A": UsbDevice(a.port), "B": UsbDevice(b.port)}, tmp_path


def on_flash(tmp_path, role, name):
    return json.loads((tmp_path / ("flash" + role) / "data" / name).read_text())


def quiet(*a):
    pass


def test_provision_writes_verified_configs_with_one_fresh_secret(pair):
    devs, tmp = pair
    done = provision.provision(couple_doc(), devs, say=quiet)
    a, b = on_flash(tmp, "A", "config.json"), on_flash(tmp, "B", "config.json")
    assert done["pairing"] == "new" and a == done["configs"]["A"]
    assert a["pair_secret"] == b["pair_secret"] and len(a["pair_secret"]) == 64
    assert a["role"] == "A" and b["role"] == "B" and a["partner_phone"] == "+31612000002"
    assert provision.status(devs["A"])["state"] == "done"
    again = provision.provision(couple_doc(), devs, new_pair=True, say=quiet)
    assert again["pairing"] == "new"
    assert on_flash(tmp, "A", "config.json")["pair_secret"] != a["pair_secret"]


def test_same_couple_keeps_secret_and_journal(pair):
    devs, tmp = pair
    provision.provision(couple_doc(), devs, say=quiet)
    secret = on_flash(tmp, "A", "config.json")["pair_secret"]
    (tmp / "flashA" / "data" / "journal.0.log").write_text("x\n")
    doc = couple_doc()
    doc["A"]["task"] = "Cycle round the lake"
    assert provision.provision(doc, devs, say=quiet)["pairing"] == "kept"
    assert on_flash(tmp, "A", "config.json")["pair_secret"] == secret
    assert on_flash(tmp, "A", "config.json")["task"] == "Cycle round the lake"
    assert (tmp / "flashA" / "data" / "journal.0.log").exists()


class PulledCable(UsbDevice):
    """Works for `left` atomic writes, then the cable is pulled."""

    left = 99

    def write_atomic(self, name, data):
        if self.left == 0:
            raise DeviceError("%s: no answer from the device" % self.port)
        self.left -= 1
        super().write_atomic(name, data)


@pytest.mark.parametrize("writes", [0, 1, 2, 3])
def test_half_written_device_is_found_and_repaired(pair, writes):
    devs, tmp = pair
    provision.provision(couple_doc(), devs, say=quiet)
    broken = PulledCable(devs["B"].port)
    broken.left = writes
    with pytest.raises(DeviceError):
        provision.provision(couple_doc(ref="next-couple"), {"A": devs["A"], "B": broken},
                            say=quiet)
    # Cut before B's first write: B still holds the old couple, whole; after it: half.
    assert provision.status(devs["B"])["state"] == ("done" if writes == 0 else "half")
    said = []
    done = provision.provision(couple_doc(ref="next-couple"), devs, say=said.append)
    assert ("B" in done["repaired"]) is (writes > 0)
    assert any("interrupted" in s for s in said) is (writes > 0)
    a, b = on_flash(tmp, "A", "config.json"), on_flash(tmp, "B", "config.json")
    assert a["pair_secret"] == b["pair_secret"]
    assert provision.status(devs["B"])["state"] == "done"


def test_wipe_removes_every_trace_of_the_couple_but_not_the_firmware(pair):
    devs, tmp = pair
    provision.provision(couple_doc(), devs, say=quiet)
    data = tmp / "flashA" / "data"
    for name in ("journal.0.log", "journal.3.log", "session.json", "ctr/ctr0.bin",
                 "ble/ctr1.bin", "ble/bonds.bin", "config.json.tmp"):
        (data / name).parent.mkdir(exist_ok=True)
        (data / name).write_text("old couple")
    (data / "ble" / "link.py").write_text("# firmware")
    assert provision.main(["wipe", devs["A"].port, "--yes"]) == 0
    left = sorted(str(p.relative_to(data)) for p in data.rglob("*"))
    assert left == ["ble", "ble/link.py"]
    assert provision.status(devs["A"])["state"] == "empty"


def test_new_couple_on_returned_devices_leaves_nothing_of_the_old(pair):
    devs, tmp = pair
    provision.provision(couple_doc(), devs, say=quiet)
    old = on_flash(tmp, "A", "config.json")["pair_secret"]
    (tmp / "flashA" / "data" / "journal.1.log").write_text("old couple's entry\n")
    (tmp / "flashB" / "data" / "session.json").write_text("{}")
    provision.provision(couple_doc(ref="other-couple"), devs, say=quiet)
    assert not (tmp / "flashA" / "data" / "journal.1.log").exists()
    assert not (tmp / "flashB" / "data" / "session.json").exists()
    assert on_flash(tmp, "A", "config.json")["pair_secret"] != old
    assert on_flash(tmp, "A", "config.good.json") == on_flash(tmp, "A", "config.json")


def test_cli_check_and_refusal_without_confirmation(tmp_path, pair, capsys):
    devs, tmp = pair
    path = tmp_path / "couple.json"
    path.write_text(json.dumps(couple_doc()))
    assert provision.main(["check", str(path)]) == 0
    assert "shares with the caseworker" in capsys.readouterr().out
    assert provision.main(["write", str(path), "--a", devs["A"].port, "--b",
                           devs["B"].port]) == 2  # no terminal to confirm on
    assert not (tmp / "flashA" / "data" / "config.json").exists()
    assert provision.main(["status", "/dev/nonexistent-port"]) == 2


@pytest.mark.parametrize("change,field", [
    (lambda d: d["A"]["contacts"].pop(), "A.contacts"),
    (lambda d: d["B"]["contacts"][1].update(phone="12345"), "B.contacts[1].phone"),
    (lambda d: d["A"].update(phone="06"), "A.phone"),
    (lambda d: d["A"].update(task="x" * 61), "A.task"),
    (lambda d: d["A"].pop("consent"), "A.consent"),
    (lambda d: d["B"]["consent"].pop("moods"), "B.consent"),
    (lambda d: d["settings"].update(min_distance_m=5), "settings.min_distance_m"),
    (lambda d: d["settings"].update(pair_secret="00"), "settings.pair_secret"),
    (lambda d: d["home"].update(lat=95), "home.lat"),
    (lambda d: d["home"].update(radius_m=5), "home.home_radius_m"),
    (lambda d: d.update(extra=1), "extra"),
])
def test_bad_couple_file_names_the_field(change, field):
    doc = couple_doc()
    change(doc)
    with pytest.raises(CoupleError) as err:
        build_configs(doc, PLACEHOLDER_SECRET)
    assert str(err.value).startswith(field + ":"), str(err.value)


def test_toml_couple_example_is_valid():
    from care import couple

    doc = couple.load("docs/couple.example.toml")
    configs = build_configs(doc, PLACEHOLDER_SECRET)
    assert configs["B"]["consent"]["moods"] is True and configs["A"]["consent"]["moods"] is False


def test_a_weak_drawn_secret_is_refused_naming_the_field(tmp_path):
    from care.usb import FolderDevice

    devs = {r: FolderDevice(tmp_path / r) for r in "AB"}
    with pytest.raises(provision.ProvisionError, match="^pair_secret: .*weak"):
        provision.provision(couple_doc(), devs, say=quiet, urandom=lambda n: bytes(n))
    assert not (tmp_path / "A" / "config.json").exists()


def test_an_old_weak_secret_is_not_kept(tmp_path):
    from care.usb import FolderDevice

    devs = {r: FolderDevice(tmp_path / r) for r in "AB"}
    provision.provision(couple_doc(), devs, say=quiet)
    for r in "AB":  # as written by an older tool that accepted any secret
        cfg = on_flash_dir(tmp_path / r)
        cfg["pair_secret"] = "00" * 32
        data = json.dumps(cfg, sort_keys=True).encode()
        (tmp_path / r / "config.json").write_bytes(data)
        marker = json.loads((tmp_path / r / "provision.json").read_text())
        marker["config_crc"] = provision._crc(data)
        (tmp_path / r / "provision.json").write_text(json.dumps(marker))
    done = provision.provision(couple_doc(), devs, say=quiet)
    assert done["pairing"] == "new" and on_flash_dir(tmp_path / "A")["pair_secret"] != "00" * 32


def on_flash_dir(folder):
    return json.loads((folder / "config.json").read_text())


def _fake_prompts(cfg, role):
    """Rendered clips, small but one longer than a USB write piece (the renderer itself:
    tests/test_prompts.py)."""
    import numpy as np

    from care.prompts import clip_file

    long = (np.arange(3 * UsbDevice.CHUNK) % 200 - 100).astype(np.int16)
    return {"task": clip_file(cfg["task"], long),
            "contact_0": clip_file(cfg["contacts"][0]["name"], np.zeros(400, np.int16)),
            "k_status_0": clip_file("Je taak: ", np.zeros(300, np.int16))}


def test_prompts_are_written_whole_replaced_and_wiped_with_the_couple(pair):
    devs, tmp = pair
    said = []
    done = provision.provision(couple_doc(), devs, say=said.append, prompts=_fake_prompts)
    folder = tmp / "flashA" / "data" / "prompts"
    want = _fake_prompts(done["configs"]["A"], "A")
    assert {p.stem: p.read_bytes() for p in folder.iterdir()} == want, "byte for byte"
    assert any("device A: spoken prompts: 3 clips, %d bytes of flash"
               % sum(map(len, want.values())) in s for s in said), said
    st = provision.status(devs["A"])
    assert st["state"] == "done" and st["prompt_clips"] == 3
    (folder / "num_60.ul").write_bytes(b"UL\x00\x01old!")  # a clip of an earlier config
    provision.provision(couple_doc(), devs, say=quiet, prompts=_fake_prompts)
    assert sorted(p.stem for p in folder.iterdir()) == ["contact_0", "k_status_0", "task"]
    assert provision.main(["wipe", devs["A"].port, "--yes"]) == 0
    assert not folder.exists(), "the wearer's words and names go with the couple"


def test_a_failing_renderer_writes_nothing(pair):
    devs, tmp = pair

    def broken(cfg, role):
        raise RuntimeError("espeak-ng is not installed (make speech-tools)")

    with pytest.raises(RuntimeError):
        provision.provision(couple_doc(), devs, say=quiet, prompts=broken)
    assert provision.status(devs["A"])["state"] == "empty"
    assert provision.status(devs["B"])["state"] == "empty"


def test_cli_refuses_a_recorded_task_without_prompts(tmp_path, capsys):
    path = tmp_path / "couple.json"
    path.write_text(json.dumps(couple_doc()))
    assert provision.main(["write", str(path), "--a", "dir:%s" % (tmp_path / "a"), "--b",
                           "dir:%s" % (tmp_path / "b"), "--yes", "--task-wav-a", "x.wav"]) == 2
    assert "need --prompts" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
