"""A virtual device on USB: the `micropython` unix port with its REPL on a pseudo-terminal.

mpremote connects to the pty's path exactly as to a board's USB serial port (use `resume`: the
unix port exits on the soft reset mpremote does by default). The process's working directory is
the device's flash. CPython only; used by the tests and for trying the tools without hardware.
"""

import os
import pty
import subprocess
import time
import tty
from pathlib import Path

from host_sim import micropython_exe
from tools.unix_port import BOOT_HEAP


class VirtualDevice:
    """Start with `with VirtualDevice(flash_dir) as dev:`; `dev.port` is the path for mpremote."""

    def __init__(self, flash_dir, heapsize=BOOT_HEAP, frozen=None):
        self.flash = Path(flash_dir)
        self.heapsize = heapsize
        self.frozen = frozen  # a frozen image (tools/devtree.py), searched after the flash
        self.proc = None
        self.port = None
        self._fds = ()

    def start(self):
        self.flash.mkdir(parents=True, exist_ok=True)
        master, slave = pty.openpty()
        tty.setraw(slave)
        self._fds = (master, slave)
        self.port = os.ttyname(slave)
        env = dict(os.environ)
        env.pop("MICROPYPATH", None)
        if self.frozen is not None:  # as a device searches: its filesystem, then what is frozen
            env["MICROPYPATH"] = os.pathsep.join(["", ".frozen", str(self.frozen)])
        # The REPL runs on the master side; mpremote opens the slave path like /dev/ttyUSB0.
        self.proc = subprocess.Popen([micropython_exe(), "-X", "heapsize=" + self.heapsize],
                                     stdin=master, stdout=master, stderr=master,
                                     cwd=str(self.flash), env=env, close_fds=True)
        time.sleep(0.05)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = ()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
