"""A virtual device on USB: the `micropython` unix port with its REPL on a pseudo-terminal.

mpremote connects to the pty's path exactly as to a board's USB serial port (use `resume`: the
unix port exits on the soft reset mpremote does by default). The process's working directory is
the device's flash. With `boot=True` it starts as a device does: main.py from the flash when
there is one (the sim board, its storage folder `data`, stdin guarded as the USB console), then
the REPL when main.py returns; a process that ends (Ctrl-D, a reset) is started again, as a
device boots again. CPython only; used by the tests and for trying the tools without hardware.
"""

import json
import os
import pty
import subprocess
import tempfile
import threading
import time
import tty
from pathlib import Path

from host_sim import micropython_exe
from tools.unix_port import BOOT_HEAP

# The ESP32 runs main.py if the flash has one, then the REPL; `-i` gives the REPL afterwards.
_BOOT = ("import os\ntry:\n    os.stat('main.py')\nexcept OSError:\n    pass\n"
         "else:\n    import main\n")


class VirtualDevice:
    """Start with `with VirtualDevice(flash_dir) as dev:`; `dev.port` is the path for mpremote."""

    def __init__(self, flash_dir, heapsize=BOOT_HEAP, frozen=None, boot=False):
        self.flash = Path(flash_dir)
        self.heapsize = heapsize
        self.frozen = frozen  # a frozen image (tools/devtree.py), searched after the flash
        self.boot = boot
        self.proc = None
        self.port = None
        self.boots = 0
        self._fds = ()
        self._stopping = False
        self._watch = None
        self._script = None

    def start(self):
        self.flash.mkdir(parents=True, exist_ok=True)
        master, slave = pty.openpty()
        tty.setraw(slave)
        self._fds = (master, slave)
        self.port = os.ttyname(slave)
        if self.boot:
            fd, self._script = tempfile.mkstemp(suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump({"folder": "data", "run_ms": None, "console": True}, f)
        self._launch()
        if self.boot:
            self._watch = threading.Thread(target=self._restart, daemon=True)
            self._watch.start()
        time.sleep(0.05)
        return self

    def _launch(self):
        env = dict(os.environ)
        env.pop("MICROPYPATH", None)
        if self.frozen is not None:  # as a device searches: its filesystem, then what is frozen
            env["MICROPYPATH"] = os.pathsep.join(["", ".frozen", str(self.frozen)])
        cmd = [micropython_exe(), "-X", "heapsize=" + self.heapsize]
        if self.boot:
            env.setdefault("MICROPYPATH", os.pathsep.join(["", ".frozen"]))
            env["TIMEOUT_SIM_SCRIPT"] = self._script
            cmd += ["-i", "-c", _BOOT]
        master = self._fds[0]
        # The REPL runs on the master side; mpremote opens the slave path like /dev/ttyUSB0.
        self.proc = subprocess.Popen(cmd, stdin=master, stdout=master, stderr=master,
                                     cwd=str(self.flash), env=env, close_fds=True)
        self.boots += 1

    def _restart(self):
        while not self._stopping:
            proc = self.proc
            if proc is None:
                return
            proc.wait()
            if self._stopping:
                return
            self._launch()

    def wait_boots(self, n, timeout_s=10):
        """True once the device has booted `n` times (a restart after Ctrl-D or a reset)."""
        end = time.monotonic() + timeout_s
        while self.boots < n and time.monotonic() < end:
            time.sleep(0.02)
        return self.boots >= n

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        self._stopping = True
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self._watch is not None:
            self._watch.join(timeout=10)
            self._watch = None
        if self.proc is not None and self.proc.poll() is None:  # started as stop began
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = ()
        if self._script is not None:
            os.remove(self._script)
            self._script = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
