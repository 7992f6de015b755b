"""Put a board's firmware on a device with mpremote and verify it (`make deploy`).

    python -m tools.deploy --board esp32_devkitc --port /dev/ttyUSB0
    python -m tools.deploy --board esp32_devkitc --port /dev/ttyUSB0 --layout frozen
    python -m tools.deploy --board sim --port /dev/pts/5 --arch host --resume

The tree comes from tools/devtree.py, the one builder. Layout "flash" (the default): every
firmware module as .mpy (-march=xtensawin for an ESP32; `--arch host` for the unix port, which
cannot load xtensawin code), main.py as source, ui/cues_*.txt, board.py as board.mpy. Layout
"frozen", for a device whose MicroPython image has the firmware frozen in (boards/*/manifest.py):
main.py only, and every file or folder that would hide a frozen module (a /ui folder, an old
app.mpy) is removed first. After copying, one script on the device hashes every file (sha256),
removes a stale .py that would shadow a new .mpy, and reports anything that would hide the
image; any difference fails the deploy. The device's /data (config, session, journal) is never
touched. A provisioned device's console is locked: deploy answers its challenge first with the
organisation's provisioning key (care/lock.py, TIMEOUT_CARE_KEY_FILE), and restarts it at the
end so that it boots the new firmware, locked again.
"""

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from tools import devtree

ROOT = devtree.ROOT


class DeployError(Exception):
    pass


def digests(tree, files):
    return {f: hashlib.sha256((Path(tree) / f).read_bytes()).hexdigest() for f in files}


# Runs on the device: hash the listed files, remove .py files that would shadow an .mpy, name
# what would hide the frozen image. One line per file, so that the heap never holds more than
# one file's digest (an ESP32 has ~100 KB).
_VERIFY = """
import os, hashlib, binascii
_b = bytearray(512)
def _h(p):
    h = hashlib.sha256()
    try:
        with open(p, 'rb') as f:
            while True:
                n = f.readinto(_b)
                if not n:
                    break
                h.update(_b if n == 512 else _b[:n])
    except OSError:
        return '-'
    return binascii.hexlify(h.digest()).decode()
for _p in %s:
    if _p.endswith('.mpy'):
        try:
            os.remove(_p[:-4] + '.py')
            print('STALE', _p[:-4] + '.py')
        except OSError:
            pass
    print('HASH', _p, _h(_p))
for _p in %s:
    try:
        os.stat(_p)
        print('HIDES', _p)
    except OSError:
        pass
"""

# Runs on the device: remove the listed files and folders (what would hide the frozen image).
_CLEAR = """
import os
def _rm(p):
    if os.stat(p)[0] & 0x4000:
        for n in os.listdir(p):
            _rm(p + '/' + n)
        os.rmdir(p)
    else:
        os.remove(p)
for _p in %s:
    try:
        _rm(_p)
        print('REMOVED', _p)
    except OSError:
        pass
"""


def _mpremote(port, resume, *args, timeout=300):
    cmd = [devtree.tool("mpremote"), "connect", port] + (["resume"] if resume else []) + list(args)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise DeployError("mpremote %s failed (%d): %s" % (" ".join(args[:2]), done.returncode,
                                                          (done.stderr or done.stdout)[-800:]))
    return done.stdout


def copy(port, tree, files, resume=False):
    """mkdir every folder, then copy every file (one mpremote session, chained with +)."""
    dirs = sorted({str(Path(f).parent) for f in files if "/" in f},
                  key=lambda d: d.count("/"))
    # `fs mkdir` fails on an existing folder: one exec that ignores that instead
    mk = "import os\nfor d in %r:\n    try:\n        os.mkdir(d)\n    except OSError:\n" \
         "        pass\n" % dirs
    _mpremote(port, resume, "exec", mk)
    args = []
    for f in files:
        args += ["fs", "cp", str(Path(tree) / f), ":" + f, "+"]
    _mpremote(port, resume, *args[:-1])


def clear(port, names, resume=False):
    """Remove the named files and folders from the device (those absent are skipped); returns
    the ones removed."""
    out = _mpremote(port, resume, "exec", _CLEAR % json.dumps(names))
    return [x.split()[1] for x in out.splitlines() if x.startswith("REMOVED ")]


def verify(port, tree, files, resume=False, hides=()):
    """(ok, problems, removed): the device's sha256 of every file against the local tree, and
    none of `hides` (names that would hide the frozen image) on the device."""
    out = _mpremote(port, resume, "exec", _VERIFY % (json.dumps(files), json.dumps(list(hides))))
    hashes = {}
    removed = []
    present = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "HASH":
            hashes[parts[1]] = parts[2]
        elif len(parts) == 2 and parts[0] == "STALE":
            removed.append(parts[1])
        elif len(parts) == 2 and parts[0] == "HIDES":
            present.append(parts[1])
    want = digests(tree, files)
    problems = []
    for f in files:
        got = hashes.get(f, "-")
        if got == "-":
            problems.append("%s: missing on the device" % f)
        elif got != want[f]:
            problems.append("%s: differs from the build" % f)
    for f in present:
        problems.append("%s: on the device, it hides the frozen firmware" % f)
    return not problems, problems, removed


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tools.deploy",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--board", required=True, help="one of: " + ", ".join(devtree.boards()))
    ap.add_argument("--port", help="serial port of the device, e.g. /dev/ttyUSB0")
    ap.add_argument("--arch", default="xtensawin", help="mpy-cross target (host: unix port)")
    ap.add_argument("--layout", default="flash", choices=devtree.LAYOUTS,
                    help="flash: .mpy files; frozen: main.py beside a MicroPython image with "
                    "the firmware frozen in")
    ap.add_argument("--out", help="build folder (default build/device/BOARD)")
    ap.add_argument("--build-only", action="store_true", help="build the tree, copy nothing")
    ap.add_argument("--verify-only", action="store_true", help="compare, copy nothing")
    ap.add_argument("--resume", action="store_true",
                    help="no soft reset on connect (the unix port as a virtual device)")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else ROOT / "build" / "device" / (
        args.board + ("-frozen" if args.layout == "frozen" else ""))
    try:
        tree = devtree.build(args.board, out, args.arch, args.layout)
        print("built %d files for %s (%s, %s) in %s" % (len(tree.files), args.board,
                                                        args.layout, args.arch, out))
        if args.build_only:
            return 0
        if not args.port:
            raise DeployError("--port is required (e.g. PORT=/dev/ttyUSB0)")
        from care import lock

        try:
            console = lock.open_console(args.port)
        except lock.LockError as e:
            raise DeployError(str(e)) from None
        if not args.verify_only:
            for f in clear(args.port, tree.shadows(), args.resume) if tree.image else ():
                print("removed %s (it would hide the frozen firmware)" % f)
            copy(args.port, tree.flash, tree.files, args.resume)
            print("copied %d files to %s" % (len(tree.files), args.port))
        ok, problems, removed = verify(args.port, tree.flash, tree.files, args.resume,
                                       tree.shadows())
        if console != "repl":  # it was running the firmware: boot it again, locked
            lock.close_console(args.port)
    except (DeployError, devtree.BuildError, subprocess.TimeoutExpired, OSError) as e:
        print("deploy: %s" % e, file=sys.stderr)
        return 2
    for f in removed:
        print("removed stale %s (it would shadow the new .mpy)" % f)
    if not ok:
        for p in problems:
            print("verify: " + p, file=sys.stderr)
        return 1
    print("verified %d files on %s" % (len(tree.files), args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
