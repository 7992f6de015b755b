"""The BLE transport to the partner: finds, connects to and writes to the paired device.

Role A is the central (scans, connects, writes); role B is the peripheral (advertises, notifies).
Both advertise a rotating identifier and scan now and then, so each side has an RSSI for `near`.
What to send, acks, retries and delivery are `link.reliable`'s; sealing is `link.channel`'s:
this module must not decide about messages. The IRQ handler only copies event data into small
lists and wakes the task; it never raises and never keeps a memoryview. Must not block in IRQ.
"""

import asyncio

import bluetooth

from ble import adv
from ble.bond import BondStore, peer_key
from ble.near import NearEstimator
from compat import Waker, const, sleep_ms, ticks_add, ticks_diff, ticks_ms
from link.auth import Hmac, derive
from link.channel import Channel
from link.counters import CounterStore
from link.reliable import ACK_TIMEOUT_MS, ReliableQueue

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)
_IRQ_GATTS_WRITE = const(3)
_IRQ_SCAN_RESULT = const(5)
_IRQ_SCAN_DONE = const(6)
_IRQ_PERIPHERAL_CONNECT = const(7)
_IRQ_PERIPHERAL_DISCONNECT = const(8)
_IRQ_GATTC_SERVICE_RESULT = const(9)
_IRQ_GATTC_SERVICE_DONE = const(10)
_IRQ_GATTC_CHARACTERISTIC_RESULT = const(11)
_IRQ_GATTC_CHARACTERISTIC_DONE = const(12)
_IRQ_GATTC_NOTIFY = const(18)
_IRQ_GATTC_INDICATE = const(19)
_IRQ_MTU_EXCHANGED = const(21)
_IRQ_ENCRYPTION_UPDATE = const(28)
_IRQ_GET_SECRET = const(29)
_IRQ_SET_SECRET = const(30)
_EALREADY = const(114)

_CHR_FLAGS = bluetooth.FLAG_WRITE | bluetooth.FLAG_WRITE_NO_RESPONSE | bluetooth.FLAG_NOTIFY

_ST_SEEK = const(0)  # A: scanning for the partner; B: advertising connectable
_ST_CONNECTING = const(1)  # A: gap_connect issued
_ST_DISCOVER = const(2)  # A: connected, MTU exchange and service discovery
_ST_HELLO = const(3)  # connected, waiting for the first authenticated frame
_ST_READY = const(4)  # authenticated partner on the other end
STATE_NAMES = ("seek", "connecting", "discover", "hello", "ready")

_MTU = const(64)  # asked for; every frame is 28 bytes, the default ATT MTU allows 20
_ADV_US = const(250000)  # connectable advertising interval while seeking
_ADV_CONNECTED_US = const(1000000)  # non-connectable advertising while connected (RSSI only)
_SCAN_INTERVAL_US = const(1000000)
_SCAN_WINDOW_US = const(300000)
_CONN_MIN_US = const(30000)
_CONN_MAX_US = const(50000)
_CONNECT_TIMEOUT_MS = const(3000)
_SETUP_TIMEOUT_MS = const(5000)  # discovery plus the authenticated hello
# B: a central must prove the pair secret this soon after connecting (the recorded partner's
# first write came 14 ms after the connection), and may not pair or send three frames that
# fail to open before that; otherwise it is a stranger and is disconnected.
_PROVE_MS = const(2000)
_UNPROVEN_FRAMES_MAX = const(3)
# An advert out of its slot may still start a connection attempt (the two clocks may
# disagree), but only when no other authentic advert was heard for this long (nor since the
# radio came up), and at most one such attempt in this long: a replayed advert cannot steer
# the connection attempts while the partner is near, and only one in 30 s while it is away.
_STALE_CONNECT_MS = const(30000)
_BACKOFF_MIN_MS = const(500)
_BACKOFF_MAX_MS = const(16000)
_EVENTS_MAX = const(24)
_SCANS_MAX = const(8)
_IRQ_POLL_MS = const(20)  # how soon the loop sees what an IRQ recorded (MicroPython)
_IDLE_MS = const(5000)  # every deadline is in _next_wake_ms; this is only a backstop
# Scanning is duty-cycled: a radio that listens all day empties a wearable's battery. Bursts
# come often while the partner was lost just now, rarely once it has been gone a while, and
# now and then while connected (enough RSSI samples for the near estimate).
_SCAN_BURST_MS = const(2000)
_SCAN_EVERY_READY_MS = const(8000)
_SCAN_EVERY_SEEK_MS = const(3000)
_SCAN_EVERY_AWAY_MS = const(15000)
_SEEK_FAST_MS = const(60000)


class BleLink:
    """The BLE transport to the paired partner device, with its reliable queue.

    ble: a `bluetooth.BLE`; secret: the pair secret (bytes, >= 16); role: 0 = A, 1 = B;
    store_dir: directory for counters and bond keys; ticks_ms_fn: the time source;
    on_message(msg_dict): optional callback for each message delivered (also by recv());
    urandom(n): random bytes for the advertising identifier; epoch_s(): the wall clock in Unix
    seconds, None while unknown (the advertising slots; monotonic slots until it is set).
    """

    def __init__(self, ble, secret, role, store_dir, ticks_ms_fn=ticks_ms, on_message=None,
                 urandom=None, epoch_s=None):
        self.stats = {"tx": 0, "rx": 0, "acked": 0, "retries": 0, "q_full": 0, "q_replaced": 0,
                      "bad_msg": 0, "connects": 0, "disconnects": 0, "conn_fail": 0,
                      "irq_err": 0, "irq_drop": 0, "ev_err": 0, "tx_err": 0, "inbox_drop": 0,
                      "adv_seen": 0, "adv_stale": 0, "enc_fail": 0, "repairs": 0,
                      "strangers": 0}
        # Set from the stack's IRQ handler (signal) and by the queue (set); on MicroPython
        # the loop looks at an IRQ's signal within _IRQ_POLL_MS.
        self._flag = Waker(_IRQ_POLL_MS)
        if urandom is None:
            import os

            urandom = os.urandom
        self._urandom = urandom
        self.channel = Channel(secret, role, CounterStore(store_dir), self.stats, urandom)
        self.queue = ReliableQueue(self.channel, self.stats, self._flag.set, on_message)
        self.bonds = BondStore(store_dir + "/bonds.bin")
        self.role = role
        self.state = _ST_SEEK
        self._ble = ble
        self._ticks = ticks_ms_fn
        self._adv_mac = Hmac(derive(secret, b"adv"))
        # The service and characteristic UUIDs are the couple's own: a device that connects
        # learns nothing that all devices of the product share.
        uuids = derive(secret, b"gatt")
        self._svc_uuid = bluetooth.UUID(uuids[:16])
        self._chr_uuid = bluetooth.UUID(uuids[16:])
        self._epoch_s = epoch_s
        self._boot_id = int.from_bytes(urandom(2), "big") & 0x7FF
        self._mono_ms = 0
        self._mono_at = None
        self._fresh = adv.Freshness()
        self._adv_word = None
        self._good_adv_at = 0
        self._stale_try_at = 0
        self._unproven = 0
        self._near = NearEstimator()
        self._events = []
        self._scans = []
        self._rx = []
        self._conn = None
        self._handle = None  # our characteristic (B) or the partner's (A)
        self._svc_range = None
        self._deadline = 0
        self._backoff = _BACKOFF_MIN_MS
        self._retry_connect_at = 0
        self._adv_conn = True
        self._hello_at = 0
        self._running = False
        self._scanning = False
        self._scan_next = 0
        self._seek_since = 0
        self._peer = None  # the connected peer's 7-byte bond key (type, address LE)
        self._repaired = False
        # Link-layer encryption of the current connection, said plainly: None (not yet),
        # "encrypted", "pairing again" (the stored keys failed), or why it stays unencrypted.
        self.security = None

    # ---- public -----------------------------------------------------------------------

    @property
    def connected(self):
        """True while an authenticated connection to the partner is up."""
        return self.state == _ST_READY

    @property
    def near(self):
        """True / False / None (never heard): the partner's adverts are strong (see ble.near)."""
        return self._near.near(self._ticks())

    @property
    def rssi(self):
        """The partner's smoothed RSSI in dBm, or None."""
        return self._near.rssi(self._ticks())

    def pending(self):
        """Messages queued and not yet acknowledged."""
        return self.queue.pending()

    def send(self, msg):
        """Queue msg for the partner. False (and counted) when invalid or the queue is full."""
        return self.queue.send(msg)

    async def recv(self):
        """The next authenticated message from the partner (starts the link if needed)."""
        if not self._running:
            self.start()
        return await self.queue.recv()

    def start(self):
        """Bring the radio up; returns the task running the link (needs a running loop)."""
        self._running = True
        return asyncio.create_task(self._run())

    def stop(self):
        self._running = False
        self._scanning = False
        self._flag.set()

    async def run(self):
        """The link task (or call start() to have it created)."""
        self._running = True
        await self._run()

    async def _run(self):
        self._radio_up()
        while self._running:
            now = self._ticks()
            try:
                self._step(now)
            except OSError:
                # The stack refused a call (busy, not connected...): start over cleanly.
                self.stats["tx_err"] += 1
                self._drop_connection(now)
            await self._flag.wait_ms(self._next_wake_ms(self._ticks()))
            self._flag.clear()
        self._radio_down()
        await sleep_ms(0)

    # ---- radio setup --------------------------------------------------------------------

    def _radio_up(self):
        ble = self._ble
        # The handler first: NimBLE asks for the address-privacy key while the radio comes up,
        # and without an answer uses its built-in key, which is published.
        ble.irq(self._irq)
        ble.active(True)
        try:
            ble.config(bond=True, le_secure=True, mitm=False, mtu=_MTU, addr_mode=2)
        except (OSError, ValueError):
            ble.config(mtu=_MTU)  # no bonding support: the application layer still holds
        try:
            ble.config(gap_name="")  # the GAP name a connected central reads says nothing
        except (OSError, ValueError):
            pass
        service = (self._svc_uuid, ((self._chr_uuid, _CHR_FLAGS),))
        ((handle,),) = ble.gatts_register_services((service,))
        ble.gatts_set_buffer(handle, _MTU)
        if self.role == 1:
            self._handle = handle
        now = self._ticks()
        self._seek_since = now
        self._good_adv_at = now  # stale adverts start nothing in the first _STALE_CONNECT_MS
        self._stale_try_at = now
        self._rotate(now)
        self._scan_on(now)

    def _radio_down(self):
        try:
            self._ble.gap_scan(None)
            self._ble.gap_advertise(None)
            if self._conn is not None:
                self._ble.gap_disconnect(self._conn)
            self._ble.active(False)
        except OSError:
            pass

    def _slots(self, now):
        """(our slot word, our wall slot or None, our monotonic slot)."""
        if self._mono_at is None:
            self._mono_at = now
        dt = ticks_diff(now, self._mono_at)  # called at least every _IDLE_MS: no wrap
        if dt > 0:
            self._mono_ms += dt
            self._mono_at = now
        epoch = self._epoch_s() if self._epoch_s is not None else None
        mono_s = self._mono_ms // 1000
        word = adv.slot_word(epoch, self._boot_id, mono_s)
        wall = None if epoch is None else epoch // adv.SLOT_S
        return word, wall, mono_s // adv.SLOT_S

    def _rotate(self, now):
        word = self._slots(now)[0]
        self._adv_word = word
        self._ident = adv.make_ident(self._adv_mac, self._urandom(4), self.role, word)
        # Stop first: with private addressing the restart also brings a new address, so the
        # old identifier and the new one cannot be linked through the address.
        self._ble.gap_advertise(None)
        self._advertise()

    def _advertise(self):
        # A is never connectable; B is, until the partner holds the connection.
        connectable = self.role == 1 and self._conn is None
        interval = _ADV_US if connectable else _ADV_CONNECTED_US
        self._adv_conn = connectable
        self._ble.gap_advertise(interval, adv.payload(self._ident), connectable=connectable)

    def _scan_on(self, now=None):
        # Restarted from _maintain, never straight from _IRQ_SCAN_DONE: a stack that reports
        # SCAN_DONE for a restart would otherwise make a loop.
        if now is None:
            now = self._ticks()
        if self.state == _ST_READY:
            every = _SCAN_EVERY_READY_MS
        elif ticks_diff(now, self._seek_since) < _SEEK_FAST_MS:
            every = _SCAN_EVERY_SEEK_MS
        else:
            every = _SCAN_EVERY_AWAY_MS
        self._scan_next = ticks_add(now, every)
        try:
            self._ble.gap_scan(_SCAN_BURST_MS, _SCAN_INTERVAL_US, _SCAN_WINDOW_US, False)
            self._scanning = True
        except OSError as e:
            self._scanning = e.args and e.args[0] == _EALREADY

    # ---- IRQ side: copy, queue, wake ------------------------------------------------------

    def _irq(self, event, data):
        try:
            if event == _IRQ_GET_SECRET:
                sec_type, index, key = data
                return self.bonds.get(sec_type, index, key)
            if event == _IRQ_SET_SECRET:
                sec_type, key, value = data
                return self.bonds.set(sec_type, key, value, self.state == _ST_READY)
            if event == _IRQ_SCAN_RESULT:
                addr_type, addr, adv_type, rssi, adv_data = data
                if len(self._scans) < _SCANS_MAX:
                    self._scans.append((addr_type, bytes(addr), adv_type, rssi, bytes(adv_data)))
                else:
                    self.stats["irq_drop"] += 1
            elif event == _IRQ_GATTS_WRITE:
                conn, attr = data
                if attr == self._handle:
                    self._push(self._rx, (conn, self._ble.gatts_read(attr)))
            elif event == _IRQ_GATTC_NOTIFY or event == _IRQ_GATTC_INDICATE:
                conn, handle, notify_data = data
                self._push(self._rx, (conn, bytes(notify_data)))
            elif event in (_IRQ_CENTRAL_CONNECT, _IRQ_CENTRAL_DISCONNECT,
                           _IRQ_PERIPHERAL_CONNECT, _IRQ_PERIPHERAL_DISCONNECT):
                conn, addr_type, addr = data
                self._push(self._events, (event, conn, addr_type, bytes(addr)))
            elif event == _IRQ_GATTC_SERVICE_RESULT:
                conn, start, end, uuid = data
                self._push(self._events, (event, conn, start, end, bluetooth.UUID(uuid)))
            elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT:
                conn, end, value_handle, props, uuid = data
                self._push(self._events, (event, conn, value_handle, bluetooth.UUID(uuid)))
            elif event in (_IRQ_GATTC_SERVICE_DONE, _IRQ_GATTC_CHARACTERISTIC_DONE,
                           _IRQ_MTU_EXCHANGED, _IRQ_SCAN_DONE, _IRQ_ENCRYPTION_UPDATE):
                self._push(self._events, (event,) + tuple(data or ()))
            else:
                return None
            self._flag.signal()
        except Exception:
            self.stats["irq_err"] += 1
        return None

    def _push(self, lst, item):
        if len(lst) < _EVENTS_MAX:
            lst.append(item)
        else:
            self.stats["irq_drop"] += 1

    # ---- task side ------------------------------------------------------------------------

    def _step(self, now):
        self.bonds.flush()
        events, self._events = self._events, []
        for ev in events:
            try:
                self._on_event(ev, now)
            except (IndexError, TypeError, ValueError):  # a malformed event: count, go on
                self.stats["ev_err"] += 1
        scans, self._scans = self._scans, []
        for s in scans:
            self._on_scan(s, now)
        frames, self._rx = self._rx, []
        for conn, frame in frames:
            if conn == self._conn:
                self._on_frame(frame, now)
        self._maintain(now)

    def _on_event(self, ev, now):
        event = ev[0]
        if event == _IRQ_PERIPHERAL_CONNECT and self.state == _ST_CONNECTING:
            self._conn = ev[1]
            self._connected_to(ev)
            self.state = _ST_DISCOVER
            self._deadline = ticks_add(now, _SETUP_TIMEOUT_MS)
            self._svc_range = None
            self._handle = None
            self._ble.gattc_exchange_mtu(self._conn)
            self._ble.gattc_discover_services(self._conn, self._svc_uuid)
        elif event == _IRQ_CENTRAL_CONNECT and self.role == 1 and self._conn is None:
            self._conn = ev[1]
            self._connected_to(ev)
            self.state = _ST_HELLO
            self._deadline = ticks_add(now, _PROVE_MS)
            self._unproven = 0
            self._advertise()  # non-connectable now: nobody else can take the slot
        elif event in (_IRQ_PERIPHERAL_DISCONNECT, _IRQ_CENTRAL_DISCONNECT):
            if self.state == _ST_CONNECTING and event == _IRQ_PERIPHERAL_DISCONNECT:
                self.stats["conn_fail"] += 1
                self._after_loss(now)
            elif ev[1] == self._conn:
                self.stats["disconnects"] += 1
                self._after_loss(now)
        elif event == _IRQ_GATTC_SERVICE_RESULT and ev[1] == self._conn:
            if ev[4] == self._svc_uuid:
                self._svc_range = (ev[2], ev[3])
        elif event == _IRQ_GATTC_SERVICE_DONE and ev[1] == self._conn:
            if self._svc_range is None:
                self._drop_connection(now)
            else:
                s, e = self._svc_range
                self._ble.gattc_discover_characteristics(self._conn, s, e, self._chr_uuid)
        elif event == _IRQ_GATTC_CHARACTERISTIC_RESULT and ev[1] == self._conn:
            if ev[3] == self._chr_uuid:
                self._handle = ev[2]
        elif event == _IRQ_GATTC_CHARACTERISTIC_DONE and ev[1] == self._conn:
            if self._handle is None:
                self._drop_connection(now)
            else:
                self.state = _ST_HELLO
                self._hello_at = now
                self._write(self.queue.ping())
        elif event == _IRQ_SCAN_DONE:
            self._scanning = False
        elif event == _IRQ_ENCRYPTION_UPDATE and ev[1] == self._conn:
            if self.state != _ST_READY:
                # The partner pairs only once proven (A calls gap_pair after the hello), so
                # this is a stranger pairing, or using keys of an earlier pairing: whatever
                # it paired stays pending and is dropped with the connection.
                self.stats["strangers"] += 1
                self._drop_connection(now)
                return
            self._on_encryption(ev[2])

    def _connected_to(self, ev):
        self._peer = peer_key(ev[2], ev[3])
        self._repaired = False
        self.security = None

    def _on_encryption(self, encrypted):
        if encrypted:
            self.security = "encrypted"
            return
        # The keys we hold were refused: the partner lost its half (reprovisioned, its store
        # wiped). Stay usable (frames are authenticated anyway) but pair afresh once.
        self.stats["enc_fail"] += 1
        if self.role == 1:
            self.security = "unencrypted: the partner's device starts pairing"
        elif self._repaired:
            self.security = "unencrypted: the partner refused pairing again"
        else:
            self._repaired = True
            if self._peer is not None:
                self.bonds.forget_peer(self._peer)
            try:
                self._ble.gap_pair(self._conn)
                self.stats["repairs"] += 1
                self.security = "pairing again"
            except OSError:
                self.security = "unencrypted: the radio refused to pair again"

    def _on_scan(self, s, now):
        addr_type, addr, adv_type, rssi, data = s
        word = adv.open_ident(self._adv_mac, adv.find_ident(data), 1 - self.role)
        if word is None:
            return
        self.stats["adv_seen"] += 1
        _, wall, mono = self._slots(now)
        if self.state == _ST_READY:  # the partner is proven present: its slots are learnt
            self._fresh.learn(word, mono)
        verdict = self._fresh.judge(word, wall, mono)
        if verdict == adv.FRESH:
            self._near.update(rssi, now)  # a recorded advert replayed later never counts
        stale = verdict == adv.STALE
        if stale:
            self.stats["adv_stale"] += 1
        else:
            self._good_adv_at = now
        if (self.role == 0 and self.state == _ST_SEEK and adv_type == 0
                and ticks_diff(now, self._retry_connect_at) >= 0):
            if stale:
                if ticks_diff(now, self._good_adv_at) < _STALE_CONNECT_MS or \
                        ticks_diff(now, self._stale_try_at) < _STALE_CONNECT_MS:
                    return
                self._stale_try_at = now
            self._ble.gap_connect(addr_type, addr, 2000, _CONN_MIN_US, _CONN_MAX_US)
            self._scanning = False  # connecting stops the scan
            self.state = _ST_CONNECTING
            self._deadline = ticks_add(now, _CONNECT_TIMEOUT_MS)

    def _on_frame(self, frame, now):
        opened = self.queue.open(frame, self._write)
        if opened is None:
            if self.state == _ST_HELLO and self.role == 1:
                self._unproven += 1
                if self._unproven >= _UNPROVEN_FRAMES_MAX:
                    self.stats["strangers"] += 1
                    self._drop_connection(now)
            return
        if self.state == _ST_HELLO:  # the first authentic frame proves the partner
            self._ready(now)
        self.queue.take_in(opened[0], opened[1], self._write)

    def _ready(self, now):
        self.state = _ST_READY
        self.bonds.trust()  # the keys paired on this connection are the partner's
        self.bonds.flush()  # now, not at the next wake: a reboot before it would lose them
        self.stats["connects"] += 1
        self._backoff = _BACKOFF_MIN_MS
        self._fresh.reset()
        self.queue.resume(now)
        if self.role == 0:
            try:
                self._ble.gap_pair(self._conn)  # only once proven; never relied upon
            except OSError:
                pass

    def _maintain(self, now):
        st = self.state
        if st in (_ST_CONNECTING, _ST_DISCOVER, _ST_HELLO):
            if ticks_diff(now, self._deadline) >= 0:
                self.stats["conn_fail"] += 1
                if st == _ST_HELLO and self.role == 1:
                    self.stats["strangers"] += 1  # connected and never proved the secret
                self._drop_connection(now)
                return
            if st == _ST_HELLO and self.role == 0:
                if ticks_diff(now, ticks_add(self._hello_at, ACK_TIMEOUT_MS)) >= 0:
                    self._hello_at = now
                    self._write(self.queue.ping())
        if self._slots(now)[0] != self._adv_word:
            self._rotate(now)  # a new slot (or the wall clock was set): a new identifier
        if (not self._scanning and st != _ST_CONNECTING
                and ticks_diff(now, self._scan_next) >= 0):
            self._scan_on(now)
        if st == _ST_READY and not self.queue.due(now, self._write):
            self._drop_connection(now)  # the partner stopped acknowledging

    def _next_wake_ms(self, now):
        wake = _IDLE_MS
        if not self._scanning:
            wake = min(wake, ticks_diff(self._scan_next, now))
        if self.state == _ST_READY:
            retry = self.queue.retry_in_ms(now)
            if retry is not None:
                wake = min(wake, retry)
        elif self.state != _ST_SEEK:
            wake = min(wake, ticks_diff(self._deadline, now))
        if self.state == _ST_HELLO and self.role == 0:
            wake = min(wake, ticks_diff(ticks_add(self._hello_at, ACK_TIMEOUT_MS), now))
        return max(10, wake)

    def _write(self, frame):
        if self._conn is None or self._handle is None:
            return
        if self.role == 0:
            self._ble.gattc_write(self._conn, self._handle, frame, 0)
        else:
            self._ble.gatts_notify(self._conn, self._handle, frame)

    def _drop_connection(self, now):
        if self._conn is not None:
            try:
                self._ble.gap_disconnect(self._conn)
            except OSError:
                pass
        elif self.state == _ST_CONNECTING:
            try:
                self._ble.gap_connect(None)
            except OSError:
                pass
        self._after_loss(now)

    def _after_loss(self, now):
        if self.state != _ST_READY:
            self.bonds.forget_pending()  # whoever paired never proved the pair secret
        self._conn = None
        if self.role == 0:
            self._handle = None
        self.queue.lost()
        self.state = _ST_SEEK
        self._seek_since = now
        self._retry_connect_at = ticks_add(now, self._backoff)
        self._backoff = min(self._backoff * 2, _BACKOFF_MAX_MS)
        self._advertise()
        self._scan_on(now)
