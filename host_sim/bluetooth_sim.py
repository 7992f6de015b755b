"""A simulated MicroPython `bluetooth` module and the radio medium between simulated devices.

CPython only. Same names, arguments, IRQ codes and event tuple shapes as MicroPython's
documented `bluetooth` API, so firmware cannot tell the difference: IRQ handlers get read-only
memoryviews that are overwritten when the handler returns (keeping one is a bug that shows),
characteristic values are truncated to their buffer (20 bytes unless `gatts_set_buffer`),
notifications and writes to MTU - 3 (23 until `gattc_exchange_mtu`).

The medium: RSSI = P(1 m) - 10 n log10(d) + Gaussian shadowing, received only above the
sensitivity; packet errors rise near the sensitivity; a connection whose RSSI stays below the
sensitivity for the supervision timeout drops; optional random drops and GATT payload loss.
Events are scheduled with the running asyncio loop (virtual time in the simulator).

Usage: `radio = Radio(seed=1)`; `ble = radio.ble_for("A", lambda: (x_m, y_m))`; install this
module as `sys.modules["bluetooth"]` before importing firmware.
"""

import asyncio
import errno
import hashlib
import math
import random

FLAG_BROADCAST = 0x0001
FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010
FLAG_INDICATE = 0x0020
FLAG_AUTHENTICATED_SIGNED_WRITE = 0x0040
FLAG_AUX_WRITE = 0x0100
FLAG_READ_ENCRYPTED = 0x0200
FLAG_READ_AUTHENTICATED = 0x0400
FLAG_READ_AUTHORIZED = 0x0800
FLAG_WRITE_ENCRYPTED = 0x1000
FLAG_WRITE_AUTHENTICATED = 0x2000
FLAG_WRITE_AUTHORIZED = 0x4000

# IRQ event codes (MicroPython keeps them out of the module; firmware defines its own consts).
IRQ = {
    "CENTRAL_CONNECT": 1, "CENTRAL_DISCONNECT": 2, "GATTS_WRITE": 3, "GATTS_READ_REQUEST": 4,
    "SCAN_RESULT": 5, "SCAN_DONE": 6, "PERIPHERAL_CONNECT": 7, "PERIPHERAL_DISCONNECT": 8,
    "GATTC_SERVICE_RESULT": 9, "GATTC_SERVICE_DONE": 10, "GATTC_CHARACTERISTIC_RESULT": 11,
    "GATTC_CHARACTERISTIC_DONE": 12, "GATTC_DESCRIPTOR_RESULT": 13,
    "GATTC_DESCRIPTOR_DONE": 14, "GATTC_READ_RESULT": 15, "GATTC_READ_DONE": 16,
    "GATTC_WRITE_DONE": 17, "GATTC_NOTIFY": 18, "GATTC_INDICATE": 19,
    "GATTS_INDICATE_DONE": 20, "MTU_EXCHANGED": 21, "L2CAP_ACCEPT": 22, "L2CAP_CONNECT": 23,
    "L2CAP_DISCONNECT": 24, "L2CAP_RECV": 25, "L2CAP_SEND_READY": 26, "CONNECTION_UPDATE": 27,
    "ENCRYPTION_UPDATE": 28, "GET_SECRET": 29, "SET_SECRET": 30, "PASSKEY_ACTION": 31,
}
_I = IRQ
_CONN_NONE = 0xFFFF
_DEFAULT_MTU = 23
_DEFAULT_BUF = 20
_CCCD = 0x2902
_FIRST_HANDLE = 19  # NimBLE's own GAP and GATT services come first (recorded: value handle 21)
# The GAP service's Device Name value (UUID 0x2A00), readable by any connected central. Its
# handle is NimBLE's layout for the GAP service registered first (ble_svc_gap_init); the
# recordings only show that handles 1-18 are the stack's.
GAP_NAME_HANDLE = 3
# MicroPython's NimBLE binding names the device "MPY NIMBLE" unless a port sets another
# default (modbluetooth_nimble.c, MICROPY_PY_BLUETOOTH_DEFAULT_GAP_NAME; the ESP32 port sets
# "ESP32"); the recordings are of the unix port.
DEFAULT_GAP_NAME = b"MPY NIMBLE"
# ATT "Read Not Permitted": a characteristic registered without FLAG_READ.
ATT_READ_NOT_PERMITTED = 0x02
_SEC_OUR = 1  # NimBLE's BLE_STORE_OBJ_TYPE_OUR_SEC: our keys for a peer
_SEC_PEER = 2  # BLE_STORE_OBJ_TYPE_PEER_SEC: the peer's keys
_SEC_OUR_IRK = 10  # MicroPython's binding: our identity resolving key
_IRK_KEY = b"irk"
_SEC_LEN = 80  # sizeof(struct ble_store_value_sec) in the recorded values
_LTK = slice(24, 40)
# NimBLE's built-in identity resolving key (ble_hs_pvcy.c), used when the application's store
# does not answer: it is in every bond value of the recorded traces, and it is public.
DEFAULT_IRK = bytes.fromhex("ef8de2164fec430dbf5bdd34c0531eb8")
_DELETE_LIMIT = 1000  # NimBLE repeats a delete until it fails; past this the stack is hung


def resolve(addr, irk):
    """Whether a resolvable private address (6 bytes, most significant first) was made with
    irk. The hash is a stand-in for the Bluetooth ah() function with the same property:
    whoever holds the key can link every address made with it."""
    addr = bytes(addr)
    return (len(addr) == 6 and addr[0] & 0xC0 == 0x40
            and hashlib.sha256(irk + addr[:3]).digest()[:3] == addr[3:])


def _sec_value(key, ltk, irk, csrk):
    """A bond value laid out as the recorded ones: address key, key size 16, no EDIV/Rand
    (LE Secure Connections), LTK, IRK, CSRK, each with its present flag, then padding."""
    return (bytes(key) + b"\x10" + bytes(16) + ltk + b"\x01" + irk + b"\x01" + csrk
            + b"\x05" + bytes(5))


class UUID:
    """bluetooth.UUID: from a 16/32-bit int, a 128-bit string, or 2/4/16 little-endian bytes."""

    def __init__(self, value):
        if isinstance(value, UUID):
            self._b = value._b
        elif isinstance(value, int):
            if not 0 <= value <= 0xFFFFFFFF:
                raise ValueError("invalid UUID")
            self._b = value.to_bytes(2 if value <= 0xFFFF else 4, "little")
        elif isinstance(value, str):
            h = value.replace("-", "")
            if len(h) != 32:
                raise ValueError("invalid UUID")
            self._b = bytes.fromhex(h)[::-1]
        else:
            b = bytes(value)
            if len(b) not in (2, 4, 16):
                raise ValueError("invalid UUID")
            self._b = b

    def __bytes__(self):
        return self._b

    def __len__(self):
        return len(self._b)

    def __eq__(self, other):
        return isinstance(other, UUID) and other._b == self._b

    def __hash__(self):
        return hash(self._b)

    def __repr__(self):
        if len(self._b) == 16:
            h = self._b[::-1].hex()
            return "UUID('%s-%s-%s-%s-%s')" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
        return "UUID(0x%04x)" % int.from_bytes(self._b, "little")


def _oserror(code):
    return OSError(code, errno.errorcode.get(code, "error"))


class Radio:
    """The shared medium. Distances in metres from each device's position_fn()."""

    def __init__(self, seed=1, p0_dbm=-59.0, exponent=2.7, shadow_db=4.0,
                 sensitivity_dbm=-97.0, loss_floor=0.02, drop_per_hour=0.0, gatt_loss=0.0,
                 supervision_ms=4000):
        self.rng = random.Random(seed)
        self.key_rng = random.Random(seed * 7919 + 1)  # keys: the medium's draws stay as they were
        self.p0_dbm = p0_dbm
        self.exponent = exponent
        self.shadow_db = shadow_db
        self.sensitivity_dbm = sensitivity_dbm
        self.loss_floor = loss_floor
        self.drop_per_hour = drop_per_hour
        self.gatt_loss = gatt_loss
        self.supervision_ms = supervision_ms
        self.devices = {}
        self.taps = []  # fn(t, kind, src_name, dst_name or None, payload bytes)
        self.irq_errors = []  # (device name, event, exception) for handlers that raised
        self.log = []  # (t, kind, a, b) for connects / drops / a stack that hung
        self.on_event = None  # fn(kind, device name, fields): the world's timeline

    def ble_for(self, name, position_fn):
        """The simulated BLE object of device `name` (a second call replaces it: a reboot)."""
        old = self.devices.get(name)
        if old is not None:
            old._power_off()
        ble = BLE(self, name, position_fn)
        self.devices[name] = ble
        return ble

    def now(self):
        return asyncio.get_event_loop().time()

    def ticks_ms(self):
        """MicroPython-style ticks of the simulated clock (wraps at 2**30)."""
        return int(self.now() * 1000) & 0x3FFFFFFF

    def later(self, delay_s, fn, *args):
        asyncio.get_event_loop().call_later(max(0.0, delay_s), fn, *args)

    def distance_m(self, a, b):
        (ax, ay), (bx, by) = a._pos(), b._pos()
        return math.hypot(ax - bx, ay - by)

    def mean_rssi(self, a, b):
        d = max(0.1, self.distance_m(a, b))
        return self.p0_dbm - 10.0 * self.exponent * math.log10(d)

    def rssi(self, a, b):
        """One RSSI sample (dBm, float) between two devices, shadowing included."""
        return self.mean_rssi(a, b) + self.rng.gauss(0.0, self.shadow_db)

    def packet_ok(self, rssi):
        """Whether one packet at this RSSI is received."""
        if rssi < self.sensitivity_dbm:
            return False
        margin = rssi - self.sensitivity_dbm
        per = self.loss_floor + (1.0 - self.loss_floor) * max(0.0, 1.0 - margin / 6.0) ** 2
        return self.rng.random() >= per

    def event(self, kind, name, **fields):
        self.log.append((self.now(), kind, name, fields.get("peer")))
        if self.on_event is not None:
            self.on_event(kind, name, fields)

    def _tap(self, kind, src, dst, payload):
        for fn in self.taps:
            fn(self.now(), kind, src.name, dst.name if dst else None, bytes(payload))


class _Conn:
    def __init__(self, radio, central, peripheral, interval_ms):
        self.radio = radio
        self.central = central
        self.peripheral = peripheral
        self.interval_s = interval_ms / 1000.0
        self.mtu = _DEFAULT_MTU
        self.mtu_done = False
        self.pairing = False
        self.alive = True
        self.handles = {}  # device -> its conn_handle
        self.next_free = {}  # direction -> earliest delivery time (keeps order)
        self.out_since = None

    def other(self, dev):
        return self.peripheral if dev is self.central else self.central

    def deliver(self, src, fn, *args):
        """Run fn at the next connection event the packet gets through (link-layer retries)."""
        radio = self.radio
        t = radio.now() + self.interval_s * (0.5 + radio.rng.random())
        for _ in range(50):
            if radio.packet_ok(radio.rssi(src, self.other(src))):
                break
            t += self.interval_s
        else:
            return  # never got through: the supervision timeout ends this connection
        t = max(t, self.next_free.get(src, 0.0) + 0.0001)
        self.next_free[src] = t

        def run():
            if self.alive:
                fn(*args)

        radio.later(t - radio.now(), run)

    def supervise(self):
        if not self.alive:
            return
        radio = self.radio
        rssi = radio.rssi(self.central, self.peripheral)
        now = radio.now()
        if rssi < radio.sensitivity_dbm:
            if self.out_since is None:
                self.out_since = now
            elif (now - self.out_since) * 1000 >= radio.supervision_ms:
                self.drop("out of range")
                return
        else:
            self.out_since = None
        if radio.drop_per_hour and radio.rng.random() < radio.drop_per_hour / 3600:
            self.drop("random drop")
            return
        radio.later(1.0, self.supervise)  # supervision_ms is 4 s: a check a second is enough

    def drop(self, why):
        if not self.alive:
            return
        self.alive = False
        self.radio.log.append((self.radio.now(), "drop:" + why, self.central.name,
                               self.peripheral.name))
        c, p = self.central, self.peripheral
        c._conns.pop(self.handles[c], None)
        p._conns.pop(self.handles[p], None)
        c._irq(_I["PERIPHERAL_DISCONNECT"], (self.handles[c], p._addr_type, p._id_addr))
        p._irq(_I["CENTRAL_DISCONNECT"], (self.handles[p], c._addr_type, c._id_addr))


class BLE:
    """bluetooth.BLE for one simulated device (obtain it from Radio.ble_for)."""

    def __init__(self, radio, name, position_fn):
        self._radio = radio
        self.name = name
        self._pos = position_fn
        self._active = False
        self._handler = None
        self._cfg = {"gap_name": DEFAULT_GAP_NAME, "mtu": _DEFAULT_MTU, "rxbuf": 1024,
                     "addr_mode": 0, "bond": False, "le_secure": False, "mitm": False, "io": 3}
        self._addr_type = 1
        # The identity address is a random static one, new at each boot: what the recorded
        # unix-port runs had (no public address). The over-the-air address is private
        # (resolvable with our IRK) once addr_mode is 2 and advertising restarts.
        self._id_addr = self._new_addr()
        self._addr = self._id_addr
        self._irk = DEFAULT_IRK
        self._csrk = bytes(radio.key_rng.getrandbits(8) for _ in range(16))
        self._hung = False  # NimBLE's host task stuck in a delete loop: nothing more happens
        self._adv = None  # (interval_s, adv_data, resp_data, connectable)
        self._scan = None  # dict while scanning
        self._connecting = None
        self._conns = {}  # conn_handle -> _Conn
        self._next_handle = 1
        self._attrs = {}  # value handle -> dict(uuid, flags, value, buf, append, notify)
        self._services = []  # (start, end, UUID, [(decl, value_handle, flags, UUID)])
        self._gen = 0  # bumped on power off so stale timers do nothing

    # ---- helpers -----------------------------------------------------------------------

    def _new_addr(self):
        a = bytearray(self._radio.rng.getrandbits(8) for _ in range(6))
        a[0] |= 0xC0  # random static address (most significant byte first, as MicroPython)
        return bytes(a)

    def _new_rpa(self):
        prand = bytearray(self._radio.rng.getrandbits(8) for _ in range(6))[:3]
        prand[0] = (prand[0] & 0x3F) | 0x40
        prand = bytes(prand)
        return prand + hashlib.sha256(self._irk + prand).digest()[:3]

    def _key(self):
        """Our bond key as NimBLE's store sees it: address type, then the address LE."""
        return bytes((self._addr_type,)) + self._id_addr[::-1]

    # ---- the application's secret store, called as NimBLE's binding does ----------------

    def _get_secret(self, sec_type, index, key, length=_SEC_LEN):
        got = self._irq(_I["GET_SECRET"], (sec_type, index, key))
        if got is None:
            return None
        try:
            got = bytes(got)
        except TypeError:
            return None
        return got if len(got) == length else None  # the binding checks the size

    def _set_secret(self, sec_type, key, value):
        return bool(self._irq(_I["SET_SECRET"], (sec_type, key, value)))

    def _load_irk(self):
        """At activation (sync_cb, load_irk): our IRK from the store, or a new one saved to
        it; then the peers' IRKs are reloaded by walking the stored peer keys. With no
        handler registered yet nothing is asked and NimBLE's default IRK stays."""
        self._irk = DEFAULT_IRK
        if self._handler is None:
            return
        got = self._get_secret(_SEC_OUR_IRK, 0, _IRK_KEY, 16)
        if got is not None:
            self._irk = got
        else:
            irk = bytes(self._radio.key_rng.getrandbits(8) for _ in range(16))
            if self._set_secret(_SEC_OUR_IRK, _IRK_KEY, irk):
                self._irk = irk
        for i in range(64):
            if self._get_secret(_SEC_PEER, i, None) is None:
                break

    def _delete_peer(self, key):
        """ble_store_util_delete_peer: each type deleted until a delete fails. False when the
        store never says no: NimBLE loops there for good, and so does this device."""
        for sec_type in (_SEC_OUR, _SEC_PEER):
            for _ in range(_DELETE_LIMIT):
                if self._hung or not self._set_secret(sec_type, key, None):
                    break
            else:
                self._hang("SET_SECRET(%d, key, None) answered True %d times in a row"
                           % (sec_type, _DELETE_LIMIT))
                return False
        return not self._hung

    def _hang(self, why):
        self._hung = True
        self._radio.event("ble_stack_hung", self.name, why=why)
        for conn in list(self._conns.values()):  # nothing is answered: the peer loses us
            self._radio.later(self._radio.supervision_ms / 1000, conn.drop, "peer hung")
        self._adv = None
        self._scan = None

    def _store_bond(self, peer, ltk):
        key = peer._key()
        for sec_type, irk, csrk in ((_SEC_OUR, self._irk, self._csrk),
                                    (_SEC_PEER, peer._irk, peer._csrk)):
            value = _sec_value(key, ltk, irk, csrk)
            if self._set_secret(sec_type, key, value) or self._hung:
                continue
            # The store is full (BLE_HS_ESTORE_CAP): the overflow handler unpairs the oldest
            # bonded peer, found by walking our keys with an empty address, and tries again.
            oldest = self._get_secret(_SEC_OUR, 0, bytes(7))
            if oldest is not None and self._delete_peer(oldest[:7]):
                self._set_secret(sec_type, key, value)

    def _check_active(self):
        if not self._active:
            raise _oserror(errno.EPERM)

    def _irq(self, event, data):
        """Call the handler the way MicroPython does: buffers valid only during the call."""
        if self._handler is None or not self._active or self._hung:
            return None
        bufs = []
        args = []
        for v in data:
            if isinstance(v, (bytes, bytearray)):
                b = bytearray(v)
                bufs.append(b)
                args.append(memoryview(b).toreadonly())
            else:
                args.append(v)
        try:
            result = self._handler(event, tuple(args))
        except Exception as e:  # MicroPython prints it and carries on
            self._radio.irq_errors.append((self.name, event, repr(e)))
            result = None
        for b in bufs:  # what the stack's ring buffer does to data kept beyond the call
            b[:] = b"\xee" * len(b)
        return result

    def _power_off(self):
        for conn in list(self._conns.values()):
            conn.drop("power off")
        self._adv = None
        self._scan = None
        self._connecting = None
        self._active = False
        self._gen += 1

    # ---- basic -----------------------------------------------------------------------

    def active(self, active=None):
        if active is None:
            return self._active
        if active and not self._active:
            self._active = True
            self._load_irk()
        elif not active and self._active:
            self._power_off()
        return self._active  # recorded: active(True) -> True, active(False) -> False

    def config(self, *args, **kwargs):
        if args:
            if len(args) != 1 or kwargs:
                raise TypeError("config: one name to query, or keywords to set")
            name = args[0]
            if name == "mac":
                self._check_active()
                return (self._addr_type, self._addr)
            if name not in self._cfg:
                raise ValueError("unknown config param")
            return self._cfg[name]
        for k, v in kwargs.items():
            if k not in self._cfg or k == "mac":
                raise ValueError("unknown config param")
            if k == "mtu" and not 23 <= v <= 517:
                raise ValueError("invalid mtu")
            if k == "addr_mode" and v not in (0, 1, 2, 3):
                raise ValueError("invalid addr_mode")
            if k == "gap_name":  # kept and read back as bytes, as the binding does
                v = v.encode() if isinstance(v, str) else bytes(v)
            self._cfg[k] = v
        return None

    def irq(self, handler):
        self._handler = handler

    # ---- GAP -------------------------------------------------------------------------

    def gap_advertise(self, interval_us, adv_data=None, *, resp_data=None, connectable=True):
        self._check_active()
        if interval_us is None:
            self._adv = None
            return
        prev = self._adv
        adv = bytes(adv_data) if adv_data is not None else (prev[1] if prev else b"")
        resp = bytes(resp_data) if resp_data is not None else (prev[2] if prev else b"")
        if len(adv) > 31 or len(resp) > 31:
            raise _oserror(errno.EINVAL)
        if self._cfg["addr_mode"] in (2, 3) and prev is None:
            # A private address changes when advertising restarts; mode 2 makes it with our
            # IRK (NimBLE's public default one unless the store gave it one at activation).
            self._addr = self._new_rpa() if self._cfg["addr_mode"] == 2 else self._new_addr()
        self._adv = (max(0.02, (interval_us // 625) * 625 / 1e6), adv, resp, bool(connectable))

    def gap_scan(self, duration_ms, interval_us=1280000, window_us=11250, active=False):
        self._check_active()
        if duration_ms is None:
            if self._scan is not None:
                self._scan = None
                self._irq(_I["SCAN_DONE"], ())
            return
        if self._scan is not None:
            raise _oserror(errno.EALREADY)
        if self._connecting is not None:  # ble_gap_disc while a connect is pending
            raise _oserror(errno.EBUSY)
        if window_us > interval_us:
            raise _oserror(errno.EINVAL)
        now = self._radio.now()
        self._scan = {"end": now + duration_ms / 1000 if duration_ms else None,
                      "interval": interval_us / 1e6, "window": window_us / 1e6,
                      "active": bool(active), "gen": self._gen}
        scan = self._scan
        self._radio.later(scan["window"], self._scan_tick, scan)

    def _scan_tick(self, scan):
        if self._scan is not scan:
            return
        radio = self._radio
        if scan["end"] is not None and radio.now() >= scan["end"]:
            self._scan = None
            self._irq(_I["SCAN_DONE"], ())
            return
        for dev in list(radio.devices.values()):
            if dev is self or not dev._active or dev._adv is None:
                continue
            interval, data, resp, connectable = dev._adv
            if radio.rng.random() >= min(1.0, scan["window"] / interval):
                continue
            rssi = radio.rssi(dev, self)
            if not radio.packet_ok(rssi):
                continue
            radio._tap("adv", dev, None, data)
            self._irq(_I["SCAN_RESULT"], (dev._addr_type, dev._addr, 0 if connectable else 3,
                                          int(round(rssi)), data))
            if scan["active"] and resp and self._scan is scan:
                self._irq(_I["SCAN_RESULT"], (dev._addr_type, dev._addr, 4, int(round(rssi)),
                                              resp))
            if self._scan is not scan:
                return
        radio.later(scan["interval"], self._scan_tick, scan)

    def gap_connect(self, addr_type, addr=None, scan_duration_ms=2000, min_conn_interval_us=None,
                    max_conn_interval_us=None):
        self._check_active()
        if addr_type is None:
            if self._connecting is not None:
                self._connecting = None
                self._irq(_I["PERIPHERAL_DISCONNECT"], (_CONN_NONE, 0xFF, bytes(6)))
            return
        if self._connecting is not None:
            raise _oserror(errno.EALREADY)
        if self._scan is not None:  # NimBLE stops a running scan first
            self._scan = None
            self._irq(_I["SCAN_DONE"], ())
        interval_us = max_conn_interval_us or min_conn_interval_us or 40000
        attempt = {"addr": bytes(addr), "deadline": self._radio.now() + scan_duration_ms / 1000,
                   "interval_ms": interval_us / 1000}
        self._connecting = attempt
        self._radio.later(0.01, self._connect_try, attempt)

    def _connect_try(self, attempt):
        if self._connecting is not attempt:
            return
        radio = self._radio
        target = None
        for dev in radio.devices.values():
            if (dev._active and attempt["addr"] in (dev._addr, dev._id_addr)
                    and dev is not self):
                target = dev
        if (target is not None and target._adv is not None and target._adv[3]
                and radio.packet_ok(radio.rssi(target, self))):
            self._connecting = None
            target._adv = None  # a peripheral stops advertising when a central connects
            conn = _Conn(radio, self, target, attempt["interval_ms"])
            for dev in (self, target):
                h = 1  # the lowest free handle: the recorded runs reuse 1
                while h in dev._conns:
                    h += 1
                dev._conns[h] = conn
                conn.handles[dev] = h
            radio.event("connect", self.name, peer=target.name)
            # Connection events carry the identity address (NimBLE's peer_id_addr).
            self._irq(_I["PERIPHERAL_CONNECT"], (conn.handles[self], target._addr_type,
                                                 target._id_addr))
            target._irq(_I["CENTRAL_CONNECT"], (conn.handles[target], self._addr_type,
                                                self._id_addr))
            radio.later(0.5, conn.supervise)
            return
        if radio.now() >= attempt["deadline"]:
            self._connecting = None
            self._irq(_I["PERIPHERAL_DISCONNECT"], (_CONN_NONE, 0xFF, bytes(6)))
            return
        step = target._adv[0] if target is not None and target._adv else 0.1
        radio.later(step, self._connect_try, attempt)

    def gap_disconnect(self, conn_handle):
        self._check_active()
        conn = self._conns.get(conn_handle)
        if conn is None:
            return False
        self._radio.later(conn.interval_s, conn.drop, "local disconnect")
        return True

    def gap_pair(self, conn_handle):
        """ble_gap_security_initiate, as the recorded runs show it: the central looks up the
        peer's keys first; with keys it restarts encryption, which fails when the peer lost
        its half; without, it pairs (LE Secure Connections, just works)."""
        conn = self._conn(conn_handle)
        if conn.pairing:
            raise _oserror(errno.EALREADY)
        peer = conn.other(self)
        conn.pairing = True
        stored = self._get_secret(_SEC_PEER, 0, peer._key())
        if stored is not None:
            conn.deliver(self, peer._on_encrypt_request, conn, stored[_LTK])
        else:
            conn.deliver(self, peer._on_pair_request, conn)

    def _on_encrypt_request(self, conn, ltk):
        central = conn.other(self)
        ours = self._get_secret(_SEC_OUR, 0, central._key())
        conn.pairing = False
        if ours is not None and ours[_LTK] == ltk:
            for dev in (central, self):
                dev._irq(_I["ENCRYPTION_UPDATE"], (conn.handles[dev], 1, 0, 1, 16))
        else:  # the LTK request is refused: only the central hears, and stays unencrypted
            central._irq(_I["ENCRYPTION_UPDATE"], (conn.handles[central], 0, 0, 0, 0))

    def _on_pair_request(self, conn):
        central = conn.other(self)
        key = central._key()
        if self._get_secret(_SEC_PEER, 0, key) is not None:
            # BLE_GAP_EVENT_REPEAT_PAIRING: the binding deletes the old bond and retries.
            if not self._delete_peer(key):
                return
            self._get_secret(_SEC_PEER, 0, key)
        conn.deliver(self, self._pairing_done, conn)

    def _pairing_done(self, conn):
        conn.pairing = False
        central, peripheral = conn.central, conn.peripheral
        bonded = bool(central._cfg["bond"] and peripheral._cfg["bond"])
        ltk = bytes(self._radio.rng.getrandbits(8) for _ in range(16))
        for dev in (central, peripheral):
            dev._irq(_I["ENCRYPTION_UPDATE"], (conn.handles[dev], 1, 0, int(bonded), 16))
            if bonded and conn.alive:
                dev._store_bond(conn.other(dev), ltk)

    def gap_passkey(self, conn_handle, action, passkey):
        self._conn(conn_handle)

    def _conn(self, conn_handle):
        self._check_active()
        conn = self._conns.get(conn_handle)
        if conn is None or not conn.alive:
            raise _oserror(errno.ENOTCONN)
        return conn

    # ---- GATT server -------------------------------------------------------------------

    def gatts_register_services(self, services_definition):
        self._check_active()
        if self._conns or self._adv is not None:  # ble_gatts_reset while in use
            raise _oserror(errno.EBUSY)
        self._attrs = {}
        self._services = []
        handle = _FIRST_HANDLE
        result = []
        for svc in services_definition:
            svc_uuid, chars = svc[0], svc[1]
            start = handle
            handle += 1
            entries = []
            handles = []
            for ch in chars:
                c_uuid, flags = ch[0], ch[1]
                decl, value_handle = handle, handle + 1
                handle += 2
                self._attrs[value_handle] = {"uuid": c_uuid, "flags": flags, "value": b"",
                                             "buf": _DEFAULT_BUF, "append": False}
                handles.append(value_handle)
                if flags & (FLAG_NOTIFY | FLAG_INDICATE):
                    handle += 1  # the CCCD
                for d in (ch[2] if len(ch) > 2 else ()):
                    self._attrs[handle] = {"uuid": d[0], "flags": d[1], "value": b"",
                                           "buf": _DEFAULT_BUF, "append": False}
                    handles.append(handle)
                    handle += 1
                entries.append((decl, value_handle, flags, c_uuid))
            self._services.append((start, handle - 1, svc_uuid, entries))
            result.append(tuple(handles))
        return tuple(result)

    def gatts_read(self, value_handle):
        self._check_active()
        attr = self._attrs.get(value_handle)
        if attr is None:
            raise _oserror(errno.EINVAL)
        return bytes(attr["value"])

    def gatts_write(self, value_handle, data, send_update=False):
        self._check_active()
        attr = self._attrs.get(value_handle)
        if attr is None:
            raise _oserror(errno.EINVAL)
        attr["value"] = bytes(data)
        if send_update:
            for h in list(self._conns):
                self.gatts_notify(h, value_handle)

    def gatts_set_buffer(self, value_handle, len, append=False):  # noqa: A002 (MicroPython's name)
        self._check_active()
        attr = self._attrs.get(value_handle)
        if attr is None:
            raise _oserror(errno.EINVAL)
        attr["buf"] = len
        attr["append"] = bool(append)

    def gatts_notify(self, conn_handle, value_handle, data=None):
        self._send_to_client(conn_handle, value_handle, data, _I["GATTC_NOTIFY"])

    def gatts_indicate(self, conn_handle, value_handle, data=None):
        self._send_to_client(conn_handle, value_handle, data, _I["GATTC_INDICATE"])

    def _send_to_client(self, conn_handle, value_handle, data, event):
        conn = self._conn(conn_handle)
        attr = self._attrs.get(value_handle)
        if attr is None:
            raise _oserror(errno.EINVAL)
        payload = bytes(attr["value"] if data is None else data)[: conn.mtu - 3]
        self._radio._tap("notify", self, conn.other(self), payload)
        if self._radio.gatt_loss and self._radio.rng.random() < self._radio.gatt_loss:
            return
        peer = conn.other(self)
        conn.deliver(self, peer._irq, event, (conn.handles[peer], value_handle, payload))

    def _on_remote_write(self, conn, value_handle, data):
        attr = self._attrs.get(value_handle)
        if attr is None:
            return
        data = bytes(data)[: attr["buf"]]
        attr["value"] = (attr["value"] + data)[-attr["buf"]:] if attr["append"] else data
        self._irq(_I["GATTS_WRITE"], (conn.handles[self], value_handle))

    # ---- GATT client -------------------------------------------------------------------

    def gattc_exchange_mtu(self, conn_handle):
        conn = self._conn(conn_handle)
        if conn.mtu_done:  # NimBLE exchanges once per connection
            raise _oserror(errno.EALREADY)
        conn.mtu_done = True
        mtu = min(self._cfg["mtu"], conn.other(self)._cfg["mtu"])

        def done():
            conn.mtu = mtu
            for dev in (conn.central, conn.peripheral):
                dev._irq(_I["MTU_EXCHANGED"], (conn.handles[dev], mtu))

        conn.deliver(self, done)

    def gattc_discover_services(self, conn_handle, uuid=None):
        conn = self._conn(conn_handle)
        peer = conn.other(self)
        h = conn.handles[self]
        for start, end, svc_uuid, _ in peer._services:
            if uuid is None or uuid == svc_uuid:
                conn.deliver(self, self._irq, _I["GATTC_SERVICE_RESULT"],
                             (h, start, end, svc_uuid))
        conn.deliver(self, self._irq, _I["GATTC_SERVICE_DONE"], (h, 0))

    def gattc_discover_characteristics(self, conn_handle, start_handle, end_handle, uuid=None):
        conn = self._conn(conn_handle)
        peer = conn.other(self)
        h = conn.handles[self]
        for _start, s_end, _, entries in peer._services:
            for i, (decl, value_handle, flags, c_uuid) in enumerate(entries):
                if start_handle <= decl <= end_handle and (uuid is None or uuid == c_uuid):
                    nxt = entries[i + 1][0] - 1 if i + 1 < len(entries) else s_end
                    conn.deliver(self, self._irq, _I["GATTC_CHARACTERISTIC_RESULT"],
                                 (h, nxt, value_handle, flags, c_uuid))
        conn.deliver(self, self._irq, _I["GATTC_CHARACTERISTIC_DONE"], (h, 0))

    def gattc_discover_descriptors(self, conn_handle, start_handle, end_handle):
        conn = self._conn(conn_handle)
        peer = conn.other(self)
        h = conn.handles[self]
        for _, _, _, entries in peer._services:
            for _decl, value_handle, flags, _ in entries:
                if flags & (FLAG_NOTIFY | FLAG_INDICATE) and start_handle <= value_handle + 1 \
                        <= end_handle:
                    conn.deliver(self, self._irq, _I["GATTC_DESCRIPTOR_RESULT"],
                                 (h, value_handle + 1, UUID(_CCCD)))
        conn.deliver(self, self._irq, _I["GATTC_DESCRIPTOR_DONE"], (h, 0))

    def gattc_read(self, conn_handle, value_handle):
        conn = self._conn(conn_handle)
        peer = conn.other(self)
        h = conn.handles[self]
        attr = peer._attrs.get(value_handle)
        if value_handle == GAP_NAME_HANDLE:
            value = peer._cfg["gap_name"][: conn.mtu - 1]
        elif attr is None:
            conn.deliver(self, self._irq, _I["GATTC_READ_DONE"], (h, value_handle, 1))
            return
        elif not attr["flags"] & FLAG_READ:
            conn.deliver(self, self._irq, _I["GATTC_READ_DONE"],
                         (h, value_handle, ATT_READ_NOT_PERMITTED))
            return
        else:
            value = bytes(attr["value"])[: conn.mtu - 1]
        conn.deliver(self, self._irq, _I["GATTC_READ_RESULT"], (h, value_handle, value))
        conn.deliver(self, self._irq, _I["GATTC_READ_DONE"], (h, value_handle, 0))

    def gattc_write(self, conn_handle, value_handle, data, mode=0):
        conn = self._conn(conn_handle)
        peer = conn.other(self)
        payload = bytes(data)[: conn.mtu - 3]
        self._radio._tap("write", self, peer, payload)
        lost = self._radio.gatt_loss and self._radio.rng.random() < self._radio.gatt_loss
        if not lost:
            conn.deliver(self, peer._on_remote_write, conn, value_handle, payload)
        if mode == 1:
            conn.deliver(self, self._irq, _I["GATTC_WRITE_DONE"],
                         (conn.handles[self], value_handle, 0))


def _stalls(method):
    def call(self, *args, **kwargs):
        if self._hung:  # the host task never comes back: nothing the firmware asks happens
            return None
        return method(self, *args, **kwargs)

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    call.__signature__ = __import__("inspect").signature(method)
    return call


for _name in ("gap_advertise", "gap_scan", "gap_connect", "gap_disconnect", "gap_pair",
              "gatts_notify", "gatts_indicate", "gattc_exchange_mtu", "gattc_discover_services",
              "gattc_discover_characteristics", "gattc_discover_descriptors", "gattc_read",
              "gattc_write"):
    setattr(BLE, _name, _stalls(getattr(BLE, _name)))
