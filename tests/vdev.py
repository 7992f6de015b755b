"""A virtual device: the micropython unix port's REPL on a pseudo-terminal, for mpremote.

micropython gets the pty's master side as its stdin/stdout; mpremote opens the slave
(/dev/pts/N) like a board's serial port and must use `resume` (a soft reset would end the unix
port). The device's filesystem is `folder` (its working directory).
"""

import os
import pty
import subprocess
import tty

from mpy import micropython_exe


class VirtualDevice:
    def __init__(self, folder, heapsize="110000"):
        self.folder = str(folder)
        master, slave = pty.openpty()
        tty.setraw(slave)
        self.port = os.ttyname(slave)
        env = dict(os.environ, MICROPYPATH=".frozen")
        self.proc = subprocess.Popen([micropython_exe(), "-X", "heapsize=" + heapsize, "-i"],
                                     stdin=master, stdout=master, stderr=master,
                                     cwd=self.folder, env=env)
        os.close(master)
        self._slave = slave  # kept open so the pty stays up between mpremote sessions

    def close(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self._slave)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
