"""File access to a device's storage folder: over USB through mpremote, or a local folder.

Both give the same small API (list, read, atomic write, remove, close) so the provisioning tool
and the report work the same on a board, a virtual device (host_sim.vdevice) and a simulator
folder. Bytes travel hex-encoded so a torn or binary file never upsets the REPL. A provisioned
device's console is locked: the first access answers its challenge (care/lock.py), `close()`
restarts it locked again. What runs on the device travels through mpremote's serial transport
in this process, never on a command line (where other users of the computer would see a
secret). CPython only.
"""

import binascii
import json
import os

from care import lock

_MARK = "@@"  # prefix of the lines our device-side snippets print


class DeviceError(RuntimeError):
    pass


class UsbDevice:
    """A board (or virtual device) on a serial port; `folder` is its storage dir on flash."""

    has_console = True  # a locked console to open, and a lock to write at provisioning

    def __init__(self, port, folder="data", timeout_s=30, key_loader=lock.load_key):
        self.port = port
        self.folder = folder.rstrip("/") if folder not in ("", "/") else folder
        self.timeout_s = timeout_s
        self.calls = 0
        self.key_loader = key_loader
        self.console = None  # how the REPL was reached: "repl", "open", "unlocked"

    def describe(self):
        return "%s:%s" % (self.port, self.folder or "/")

    def _exec(self, body):
        head = ("import os, binascii\nD = %r\ndef P(n):\n    return D + '/' + n if D else n\n"
                "def M(x):\n    print(%r + x)\n" % (self.folder, _MARK))
        if self.console is None:
            try:
                self.console = lock.open_console(self.port, self.key_loader)
            except lock.LockError as e:
                raise DeviceError(str(e)) from None
        self.calls += 1
        # mpremote's serial transport in this process: the script and what it carries (a
        # config with the couple's secret) go over the port only, never on a command line.
        from mpremote.transport import TransportError
        from mpremote.transport_serial import SerialTransport

        try:
            link = SerialTransport(self.port, baudrate=115200)
        except Exception as e:  # noqa: BLE001  (mpremote raises its own or serial's errors)
            raise DeviceError("%s: cannot open (%s)" % (self.port, e)) from None
        try:
            link.enter_raw_repl(soft_reset=False)
            out_b, err_b = link.exec_raw(head + body, timeout=self.timeout_s)
            link.exit_raw_repl()
        except (TransportError, OSError) as e:
            raise DeviceError("%s: no answer from the device (is it connected?): %s"
                              % (self.port, e)) from None
        finally:
            link.close()
        out = out_b.decode("utf-8", "replace")
        if err_b or "Traceback" in out:
            err = (out + err_b.decode("utf-8", "replace")).strip().splitlines()
            raise DeviceError("%s: %s" % (self.port, err[-1] if err else "the device failed"))
        return [line[len(_MARK):] for line in out.splitlines() if line.startswith(_MARK)]

    def close(self):
        """Done with the device: one opened through its console restarts, locked again."""
        if self.console in ("open", "unlocked"):
            lock.close_console(self.port)
        self.console = None

    def ensure_folder(self):
        if self.folder:
            self._exec("try:\n    os.mkdir(D)\nexcept OSError:\n    pass\n")

    def make_folder(self, name):
        """A subfolder of the storage folder (there already is fine)."""
        self._exec("try:\n    os.mkdir(P(%r))\nexcept OSError:\n    pass\n" % (name,))

    def listing(self):
        """{relative name: size in bytes, or -1 for a folder}, one level of subfolders deep."""
        body = (
            "def L(d, pre):\n"
            "    try:\n        names = os.listdir(d)\n    except OSError:\n        return\n"
            "    for n in names:\n"
            "        st = os.stat((d + '/' + n) if d else n)\n"
            "        if st[0] & 0x4000:\n"
            "            M('%s/ -1' % (pre + n))\n"
            "            if not pre:\n                L((d + '/' + n) if d else n, n + '/')\n"
            "        else:\n            M('%s %d' % (pre + n, st[6]))\n"
            "L(D, '')\n")
        out = {}
        for line in self._exec(body):
            name, _, size = line.rpartition(" ")
            out[name.rstrip("/")] = int(size)
        return out

    def read_many(self, names):
        """{name: bytes or None (missing)} in one USB round trip."""
        body = ("for n in %r:\n"
                "    try:\n"
                "        with open(P(n), 'rb') as f:\n"
                "            M(n + ' ' + binascii.hexlify(f.read()).decode())\n"
                "    except OSError:\n"
                "        M(n + ' -')\n" % (list(names),))
        out = {}
        for line in self._exec(body):
            name, _, data = line.rpartition(" ")
            out[name] = None if data == "-" else binascii.unhexlify(data)
        return out

    CHUNK = 4096  # bytes of a file per round trip: the script stays small in the device's heap

    def write_atomic(self, name, data):
        """Write `data` (bytes) to a temporary file, in pieces of CHUNK, then rename it over
        `name` (a spoken prompt is tens of KB; the device's heap is small)."""
        for at in range(0, max(len(data), 1), self.CHUNK):
            last = at + self.CHUNK >= len(data)
            body = ("t = P(%r + '.tmp')\n"
                    "with open(t, %r) as f:\n"
                    "    f.write(binascii.unhexlify(%r))\n"
                    "%s"
                    "M('ok')\n" % (name, "ab" if at else "wb",
                                    binascii.hexlify(data[at:at + self.CHUNK]).decode(),
                                    "os.rename(t, P(%r))\n" % (name,) if last else ""))
            if self._exec(body) != ["ok"]:
                raise DeviceError("%s: writing %s was not confirmed" % (self.port, name))

    def remove(self, names):
        """Remove files (and then empty folders) by relative name; missing ones are fine."""
        body = ("for n in %r:\n"
                "    try:\n        os.remove(P(n))\n    except OSError:\n"
                "        try:\n            os.rmdir(P(n))\n        except OSError:\n"
                "            pass\n"
                "M('ok')\n" % (list(names),))
        self._exec(body)


class FolderDevice:
    """The same API on a local folder (a simulated device's storage dir)."""

    has_console = False  # a simulated device's folder: no USB console to lock

    def __init__(self, folder):
        self.folder = str(folder)
        self.calls = 0

    def close(self):
        return None

    def describe(self):
        return self.folder

    def ensure_folder(self):
        os.makedirs(self.folder, exist_ok=True)

    def make_folder(self, name):
        os.makedirs(os.path.join(self.folder, name), exist_ok=True)

    def listing(self):
        out = {}
        if not os.path.isdir(self.folder):
            return out
        for name in os.listdir(self.folder):
            path = os.path.join(self.folder, name)
            if os.path.isdir(path):
                out[name] = -1
                for sub in os.listdir(path):
                    subpath = os.path.join(path, sub)
                    out[name + "/" + sub] = -1 if os.path.isdir(subpath) else \
                        os.path.getsize(subpath)
            else:
                out[name] = os.path.getsize(path)
        return out

    def read_many(self, names):
        out = {}
        for name in names:
            try:
                with open(os.path.join(self.folder, name), "rb") as f:
                    out[name] = f.read()
            except OSError:
                out[name] = None
        return out

    def write_atomic(self, name, data):
        path = os.path.join(self.folder, name)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)

    def remove(self, names):
        for name in names:
            path = os.path.join(self.folder, name)
            try:
                os.remove(path)
            except IsADirectoryError:
                try:
                    os.rmdir(path)
                except OSError:
                    pass
            except OSError:
                pass


def open_device(spec, folder="data"):
    """A device from a command-line spec: a serial port path (/dev/..., COM3) or dir:PATH."""
    if spec.startswith("dir:"):
        return FolderDevice(spec[4:])
    return UsbDevice(spec, folder)


def parse_json(data):
    """The JSON document in `data` (bytes read from a device), or None when missing or
    unreadable."""
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeError, ValueError):
        return None


def read_json_file(dev, name):
    """A JSON document from the device, or None when missing or unreadable."""
    return parse_json(dev.read_many([name]).get(name))
