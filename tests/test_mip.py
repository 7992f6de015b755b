"""`mpremote mip install` with the repository's package.json puts the whole firmware on a
device: tried on a virtual device (the unix port on a pseudo-terminal), from the local file,
as a maker would from a clone."""

import json
import subprocess
import sys
from pathlib import Path

from host_sim.vdevice import VirtualDevice

ROOT = Path(__file__).resolve().parent.parent
MPREMOTE = str(Path(sys.executable).parent / "mpremote")


def test_mip_install_from_package_json(tmp_path):
    urls = json.loads((ROOT / "package.json").read_text())["urls"]
    # mip copies source: the device compiles it at import, which takes more heap than the
    # precompiled .mpy of `make deploy` (the route docs/makers.md recommends).
    with VirtualDevice(tmp_path / "flash", heapsize="110wK") as dev:
        done = subprocess.run([MPREMOTE, "connect", dev.port, "resume", "mip", "install",
                               "--target", "lib", str(ROOT / "package.json")],
                              capture_output=True, timeout=180, cwd=ROOT)
        assert done.returncode == 0, done.stdout.decode()[-1500:] + done.stderr.decode()
        check = subprocess.run(
            [MPREMOTE, "connect", dev.port, "resume", "exec",
             "import sys; sys.path.insert(0, 'lib'); import app, shell.device; "
             "from core import session; print('imported', session.IDLE)"],
            capture_output=True, timeout=60)
    assert b"imported 0" in check.stdout, check.stdout.decode() + check.stderr.decode()
    for dest, src in urls:
        assert (tmp_path / "flash" / "lib" / dest).read_bytes() == (ROOT / src).read_bytes()
    sources = {str(p.relative_to(ROOT)) for p in (ROOT / "firmware").rglob("*.py")
               if "__pycache__" not in p.parts}
    sources |= {str(p.relative_to(ROOT)) for p in (ROOT / "firmware").rglob("*.txt")}
    assert {src for _, src in urls} == sources, "package.json lists every firmware file"
