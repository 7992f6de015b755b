"""Type-check firmware/ and every board against the MicroPython ESP32 stubs, with mypy.

The stubs package (micropython-esp32-stubs) installs machine.pyi & co. at the top of
site-packages and a MicroPython stdlib (micropython-stdlib-stubs) as a typeshed of its own.
mypy does not look for top-level .pyi files in site-packages, so this links them into
build/typecheck/stubs and runs mypy once per board (each board is the module `board`, and
main.py imports it). Exit status 0 only when every board checks clean.

    python tools/typecheck.py [BOARD ...]      (default: every folder under boards/)
"""

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "typecheck"

# Files of other areas that mypy flags for reasons that are not bugs on the device: const()'s
# CPython fallback has another signature than the stub's; None for "no observer" where the
# type is inferred as a callable; a data table without annotation.
CONFIG = """[mypy]
python_version = 3.11
follow_imports = silent
explicit_package_bases = True
warn_unused_configs = False
cache_dir = {cache}

# The board layer is checked inside unannotated functions too: that is where the machine API
# calls are. The other areas' unannotated code is checked at module level only.
[mypy-drivers.*]
check_untyped_defs = True

# Every board, the sim board too, is held to drivers/board_base.py's interface: its part
# methods' signatures against BoardBase's, and the shell's calls (hw: "BoardBase") to its names.
[mypy-board]
check_untyped_defs = True

[mypy-selftest]
check_untyped_defs = True

[mypy-compat]
disable_error_code = misc, type-var, assignment

[mypy-dsp.detector]
disable_error_code = assignment

[mypy-core.config]
disable_error_code = var-annotated

[mypy-store.journal]
disable_error_code = assignment

{stub_sections}
"""


def _record(dist_prefix, site):
    for info in site.glob(dist_prefix + "-*.dist-info"):
        for line in (info / "RECORD").read_text().splitlines():
            name = line.split(",")[0]
            if name.endswith(".pyi"):
                yield name


def link_stubs(site, dest):
    """Link the ESP32 stub modules into dest; returns their top-level module names."""
    modules = set()
    for rel in list(_record("micropython_esp32_stubs", site)) + [
            r for r in _record("micropython_stdlib_stubs", site) if r.startswith("_mpy_shed")]:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to(site / rel)
        modules.add(rel.split("/")[0].replace(".pyi", ""))
    return sorted(modules)


def check(board, site, stubs, modules):
    """board: a name under boards/ or a folder holding a board.py. True when clean."""
    folder = Path(board) if "/" in board else ROOT / "boards" / board
    OUT.mkdir(parents=True, exist_ok=True)
    sections = "\n".join("[mypy-%s.*]\nignore_errors = True\n[mypy-%s]\nignore_errors = True\n"
                         % (m, m) for m in modules)
    ini = OUT / "mypy.ini"
    ini.write_text(CONFIG.format(cache=OUT / "cache", stub_sections=sections))
    files = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "firmware").rglob("*.py"))
             if "__pycache__" not in p.parts]
    files.append(str(folder / "board.py"))
    env_path = ":".join([str(stubs), str(ROOT / "firmware"), str(folder)])
    cmd = [sys.executable, "-m", "mypy", "--config-file", str(ini),
           "--custom-typeshed-dir", str(site), *files]
    done = subprocess.run(cmd, cwd=ROOT, env={"MYPYPATH": env_path, "PATH": ""},
                          capture_output=True, text=True)
    print("typecheck %s: %s" % (board, done.stdout.strip().splitlines()[-1] if done.stdout
                                 else done.stderr.strip()))
    if done.returncode != 0:
        print(done.stdout + done.stderr)
    return done.returncode == 0


def main(argv):
    site = Path(sysconfig.get_paths()["purelib"])
    if not (site / "machine.pyi").exists():
        print("typecheck: micropython-esp32-stubs not installed (run make venv)")
        return 2
    stubs = OUT / "stubs"
    modules = link_stubs(site, stubs)
    boards = argv or sorted(p.parent.name for p in (ROOT / "boards").glob("*/board.py"))
    ok = [check(b, site, stubs, modules) for b in boards]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
