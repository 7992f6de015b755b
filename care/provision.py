"""The social worker's tool: provision, check, re-pair and wipe the two devices over USB.

    timeout-care check COUPLE_FILE
    timeout-care write COUPLE_FILE --a PORT --b PORT [--yes] [--new-pair]
                       [--prompts [--task-wav-a WAV] [--task-wav-b WAV]]
    timeout-care status PORT
    timeout-care wipe PORT [--yes]
    timeout-care keygen

PORT is a serial port (/dev/ttyUSB0, or a virtual device's /dev/pts/N) reached with mpremote,
or dir:PATH for a simulated device's folder. Everything is validated with the firmware's own
rules before anything is written; each file is written atomically and read back. A marker file
(provision.json) says "writing" until a device is complete, so an interrupted run is found and
repaired by the next one. With --prompts each device also gets its wearer's spoken prompts
(care/prompts.py) in its storage folder's prompts/, and the flash they take is printed. Usage
and the couple file: docs/provisioning.md. CPython only.
"""

import argparse
import binascii
import json
import os
import sys

from care import couple as couple_file
from care import lock
from care.usb import DeviceError, open_device, parse_json

MARKER = "provision.json"
CONFIG = "config.json"
LAST_GOOD = "config.good.json"
# What a couple leaves on a device: every name starting with these, in the storage folder
# and in its ble/ and ctr/ subfolders (bond keys, message counters). Firmware files never
# start with them and are never touched.
DATA_PREFIXES = ("config", "session", "journal", "provision", "ctr", "bond", "console")
PROMPTS = "prompts"  # the spoken prompts: the wearer's task and contacts in words, so data
DATA_FOLDERS = ("ble", "ctr", PROMPTS)


class ProvisionError(RuntimeError):
    pass


def _is_data(name):
    base = name.rsplit("/", 1)[-1]
    if base.endswith(".tmp") or name.startswith(PROMPTS + "/"):
        return True
    if name.endswith((".py", ".mpy", ".txt")):
        return False
    return base.startswith(DATA_PREFIXES)


def data_files(listing):
    """The couple's files on a device (deepest first, so folders empty before removal)."""
    names = [n for n in listing if listing[n] >= 0 and _is_data(n)
             and (n.count("/") == 0 or n.split("/")[0] in DATA_FOLDERS)]
    folders = [n for n in listing if listing[n] < 0 and n in DATA_FOLDERS]
    return sorted(names) + sorted(folders)


def _crc(data):
    return "%08x" % (binascii.crc32(data) & 0xFFFFFFFF)


def _encode(doc):
    return json.dumps(doc, sort_keys=True).encode("utf-8")


def inspect(dev):
    """What a device holds: {"files", "marker", "config", "state", "problem"}.

    state: "empty", "done", "half" (an interrupted run or a changed file), "foreign" (a
    config not written by this tool)."""
    listing = dev.listing()
    got = dev.read_many([MARKER, CONFIG, LAST_GOOD])
    marker = parse_json(got[MARKER])
    config = parse_json(got[CONFIG])
    good = parse_json(got[LAST_GOOD])
    tmp = sorted(n for n in listing if n.endswith(".tmp"))
    out = {"files": listing, "marker": marker, "config": config if config is not None else good,
           "state": "done", "problem": None}
    if marker is None:
        if not [n for n in data_files(listing) if listing[n] >= 0]:
            out["state"] = "empty"
        else:
            out["state"] = "foreign"
            out["problem"] = "holds data not written by this tool (or its marker is lost)"
    elif not isinstance(marker, dict) or marker.get("state") != "done":
        out["state"] = "half"
        out["problem"] = "an earlier provisioning was interrupted (cable pulled?)"
    elif got[CONFIG] is None or _crc(got[CONFIG]) != marker.get("config_crc"):
        out["state"] = "half"
        out["problem"] = "config.json is missing or differs from what was written"
    elif tmp:
        out["state"] = "half"
        out["problem"] = "an interrupted write left %s" % ", ".join(tmp)
    return out


def wipe(dev):
    """Remove everything a couple left on the device (its console lock too: a wiped device is
    open for the next provisioning); raise if anything remains."""
    try:
        dev.remove(data_files(dev.listing()))
        listing = dev.listing()
    finally:
        dev.close()
    left = [n for n in data_files(listing) if listing[n] >= 0]  # ble/ may hold firmware
    if left:
        raise ProvisionError("%s: could not remove %s" % (dev.describe(), ", ".join(left)))


def _reusable_secret(states, couple_ref):
    """The pair secret both devices already share for this couple, or None."""
    secrets = set()
    for role, st in states.items():
        marker, cfg = st["marker"], st["config"]
        if not isinstance(marker, dict) or marker.get("couple") != couple_ref:
            return None
        if not isinstance(cfg, dict) or cfg.get("role") != role:
            return None
        secrets.add(cfg.get("pair_secret"))
    if len(secrets) != 1:
        return None
    secret = secrets.pop()
    if not isinstance(secret, str) or len(secret) < 32 or couple_file.weak_secret_hex(secret):
        return None  # a fresh one (an old device's weak secret is never carried over)
    return secret


def write_prompts(dev, clips):
    """Replace the device's prompts/ with `clips` ({clip name: file bytes}). Clips of an
    earlier config that are no longer asked for are removed."""
    dev.make_folder(PROMPTS)
    old = [n for n in dev.listing() if n.startswith(PROMPTS + "/")
           and n[len(PROMPTS) + 1:-3] not in clips]
    dev.remove(old)
    for name in sorted(clips):
        dev.write_atomic("%s/%s.ul" % (PROMPTS, name), clips[name])
    listing = dev.listing()
    short = [n for n in clips if listing.get("%s/%s.ul" % (PROMPTS, n)) != len(clips[n])]
    if short:
        raise ProvisionError("%s: prompts not written whole: %s" % (dev.describe(),
                                                                  ", ".join(sorted(short))))


def write_device(dev, cfg, couple_ref, pairing, fresh, label=None, console=None, clips=None):
    """Write one device: marker "writing", (wipe), console lock, config + last good, read back,
    (prompts), marker done. `label` is the organisation's inventory name for the device, kept
    in the marker; `console` the device's console.json (care/lock.py), written before the
    config so that no interrupted run leaves a config behind an open console; `clips` the
    wearer's rendered prompts, or None to leave the device's prompts as they are (a prompt
    whose words changed is then not played: ui/prompts.py)."""
    dev.ensure_folder()
    data = _encode(cfg)
    start = {"state": "writing", "couple": couple_ref, "pairing": pairing, "role": cfg["role"]}
    if label:
        start["device"] = label
    dev.write_atomic(MARKER, _encode(start))
    if fresh:
        keep = (MARKER,)
        dev.remove([n for n in data_files(dev.listing()) if n not in keep])
    if console is not None:
        dev.write_atomic(lock.LOCK_FILE, console)
    dev.write_atomic(CONFIG, data)
    dev.write_atomic(LAST_GOOD, data)
    back = dev.read_many([CONFIG, LAST_GOOD])
    for name in (CONFIG, LAST_GOOD):
        if parse_json(back[name]) != cfg:
            raise ProvisionError("%s: %s read back differs from what was written"
                                 % (dev.describe(), name))
    if clips is not None:
        write_prompts(dev, clips)
    done = dict(start, state="done", config_crc=_crc(back[CONFIG]))
    dev.write_atomic(MARKER, _encode(done))
    if inspect(dev)["state"] != "done":
        raise ProvisionError("%s: verification after writing failed" % dev.describe())


def provision(doc, devs, new_pair=False, confirm=None, say=print, urandom=os.urandom,
              labels=None, tr=None, key_loader=lock.load_key, prompts=None):
    """Provision both devices ({"A": dev, "B": dev}) from a couple document (labels: optional
    {"A": inventory name, "B": ...}; tr: translates what is said, as in couple.summary;
    prompts: None, or render(config, role) -> {clip name: file bytes} to give each device its
    wearer's spoken prompts, or None for a device without a speaker).

    confirm(lines) -> bool is asked with the summary (None: yes). Returns a dict describing
    what was done: {"pairing": "new"|"kept", "repaired": [roles], "configs": {...}}."""
    # Validate with a placeholder first: nothing is read from or written to a device before
    # the file is right.
    couple_file.build_configs(doc, couple_file.PLACEHOLDER_SECRET)
    doc, _ = couple_file.normalise(doc)
    ref = doc["couple"]
    tr = tr or couple_file._same
    try:
        # A device on USB gets a locked console: without the organisation's key nothing is
        # written (and a locked device is not even read).
        org_key = key_loader() if any(d.has_console for d in devs.values()) else None
    except lock.LockError as e:
        raise ProvisionError(str(e)) from None
    try:
        return _provision(doc, ref, devs, new_pair, confirm, say, urandom, labels, org_key, tr,
                          prompts)
    finally:
        for dev in devs.values():  # each boots with its new config, locked
            dev.close()


def _provision(doc, ref, devs, new_pair, confirm, say, urandom, labels, org_key, tr, prompts):
    states = {role: inspect(dev) for role, dev in devs.items()}
    repaired = []
    for role, st in sorted(states.items()):
        where = {"role": role, "device": devs[role].describe(),
                 "problem": tr(st["problem"]) if st["problem"] else ""}
        if st["state"] == "half":
            say(tr("device %(role)s (%(device)s): %(problem)s: it will be rewritten") % where)
            repaired.append(role)
        elif st["state"] == "foreign":
            say(tr("device %(role)s (%(device)s): %(problem)s: it will be wiped") % where)
    secret = None if new_pair else _reusable_secret(states, ref)
    fresh = secret is None
    if fresh:
        secret = binascii.hexlify(urandom(32)).decode()
        pairing = binascii.hexlify(urandom(4)).decode()
        if couple_file.weak_secret_hex(secret):  # the firmware would refuse it
            raise ProvisionError("pair_secret: the drawn secret is weak (is this computer's "
                                 "random generator broken?): nothing was written")
    else:
        pairing = states["A"]["marker"].get("pairing", "")
    configs = couple_file.build_configs(doc, secret)
    lines = couple_file.summary(doc, configs, tr)
    lines.append(tr("  pairing: NEW: a fresh secret; everything of a previous couple on these "
                    "devices is wiped (journal, session, bonds)") if fresh else
                 tr("  pairing: kept (same couple): journals are kept"))
    for line in lines:
        say(line)
    if confirm is not None and not confirm(lines):
        raise ProvisionError("not confirmed: nothing was written")
    clips = {}
    if prompts is not None:  # rendered before anything is written: a failure writes nothing
        from care.prompts import flash_line

        for role in ("A", "B"):
            clips[role] = prompts(configs[role], role)
            if clips[role] is None:  # this device has no speaker: its prompts stay as they are
                continue
            say(tr("device %(role)s: spoken prompts: %(flash)s")
                % {"role": role, "flash": flash_line({n: len(v) for n, v in
                                                      clips[role].items()}, tr)})
    for role in ("A", "B"):
        console = lock.lock_document(org_key, urandom) if devs[role].has_console else None
        write_device(devs[role], configs[role], ref, pairing, fresh,
                     (labels or {}).get(role), console, clips.get(role))
        say(tr("device %(role)s (%(device)s): written and verified")
            % {"role": role, "device": devs[role].describe()})
    return {"pairing": "new" if fresh else "kept", "repaired": repaired, "configs": configs,
            "pairing_id": pairing}


def status(dev):
    try:
        st = inspect(dev)
    finally:
        dev.close()
    cfg = st["config"] if isinstance(st["config"], dict) else {}
    marker = st["marker"] if isinstance(st["marker"], dict) else {}
    journal = sum(size for name, size in st["files"].items() if name.startswith("journal"))
    spoken = [size for name, size in st["files"].items() if name.startswith(PROMPTS + "/")]
    return {"device": dev.describe(), "state": st["state"], "problem": st["problem"],
            "couple": marker.get("couple"), "role": cfg.get("role"),
            "wearer_name": cfg.get("wearer_name"), "config_version": cfg.get("version"),
            "journal_bytes": journal, "data_files": len(data_files(st["files"])),
            "prompt_clips": len(spoken), "prompt_bytes": sum(spoken)}


def _ask(lines, question="Write this to both devices?"):
    if not sys.stdin or not sys.stdin.isatty():
        print("no terminal to confirm on: run with --yes to go ahead without asking")
        return False
    return input(question + " [y/N] ").strip().lower() in ("y", "yes")


def _load_checked(path):
    """The couple file, normalised; every mistake raised at once, every normalisation said."""
    doc = couple_file.load(path)
    _, problems, notes = couple_file.check(doc)
    for field, note in notes:
        print("note: %s: %s" % (field, note))
    if problems:
        raise couple_file.CoupleError(problems)
    return couple_file.normalise(doc)[0]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="timeout-care",
                                 description="Provision, check, re-pair or wipe the devices.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check", help="validate a couple file and show the summary")
    p.add_argument("couple")
    p = sub.add_parser("write", help="write both devices from a couple file")
    p.add_argument("couple")
    p.add_argument("--a", required=True, help="partner A's device: serial port or dir:PATH")
    p.add_argument("--b", required=True, help="partner B's device: serial port or dir:PATH")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--new-pair", action="store_true",
                   help="always make a fresh secret and wipe both (a new couple)")
    p.add_argument("--prompts", action="store_true",
                   help="also write each wearer's spoken prompts (a board with a speaker)")
    p.add_argument("--task-wav-a", help="with --prompts: partner A's task as a recorded WAV")
    p.add_argument("--task-wav-b", help="with --prompts: partner B's task as a recorded WAV")
    p = sub.add_parser("status", help="what a device holds (never its secret)")
    p.add_argument("port")
    sub.add_parser("keygen", help="create the organisation's provisioning key (once)")
    p = sub.add_parser("wipe", help="remove everything of the previous couple")
    p.add_argument("port")
    p.add_argument("--yes", action="store_true")
    for p in sub.choices.values():
        p.add_argument("--dir", default="data",
                       help="the storage folder on the device (default: data)")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "check":
            doc = _load_checked(args.couple)
            configs = couple_file.build_configs(doc, couple_file.PLACEHOLDER_SECRET)
            for line in couple_file.summary(doc, configs):
                print(line)
            print("the couple file is valid")
            return 0
        if args.cmd == "write":
            doc = _load_checked(args.couple)
            devs = {"A": open_device(args.a, args.dir), "B": open_device(args.b, args.dir)}
            if args.a == args.b:
                raise ProvisionError("--a and --b must be two different devices")
            wavs = {"A": args.task_wav_a, "B": args.task_wav_b}
            if not args.prompts and any(wavs.values()):
                raise ProvisionError("--task-wav-a/-b need --prompts")
            render = None
            if args.prompts:
                from care.prompts import render_clips

                def render(cfg, role):
                    return render_clips(cfg, wavs[role])
            provision(doc, devs, new_pair=args.new_pair, confirm=None if args.yes else _ask,
                      prompts=render)
            print("both devices provisioned and verified")
            return 0
        if args.cmd == "keygen":
            path = lock.make_key()
            print("provisioning key written to %s (readable by you only). Keep a backup: "
                  "without it a provisioned device's console cannot be opened" % path)
            return 0
        dev = open_device(args.port, args.dir)
        if args.cmd == "status":
            print(json.dumps(status(dev), sort_keys=True))
            return 0
        question = "Remove everything of the couple from %s?" % dev.describe()
        if not args.yes and not _ask([], question):
            print("not confirmed: nothing was removed")
            return 1
        wipe(dev)
        print("%s: wiped (nothing of the previous couple left)" % dev.describe())
        return 0
    except couple_file.CoupleError as e:
        print("couple file: %d mistake%s" % (len(e.problems), "" if len(e.problems) == 1
                                              else "s"), file=sys.stderr)
        for field, problem in e.problems:
            print("  %s: %s" % (field, problem), file=sys.stderr)
        return 1
    except (ProvisionError, DeviceError, lock.LockError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    except (ValueError, RuntimeError, OSError) as e:  # the prompts: espeak-ng or a WAV
        print("error: spoken prompts: %s: nothing was written" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
