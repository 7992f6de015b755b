"""The authenticated channel to the partner: seal dicts into frames, open frames into dicts.

Holds the keys of both directions for the current epoch, our role, the counter store and the
replay window; counts every rejection by reason in the shared stats dict. Transport-neutral:
BLE and SMS use the same one. Must not be called from an IRQ (it may write the counter store).

When the counter store is lost (or the epoch's counters are used up), the channel agrees a new
epoch with the partner before it sends or believes anything: a handshake of fresh random
nonces, authenticated with keys of the pair secret (docs/link.md, "Lost counters"). Frames of
an older epoch then fail their tag, so nothing recorded before can be replayed, and a counter
is never used twice under the same keys. Handshake frames to send go into `out`: the transport
writes them after each open().
"""

import hashlib
import os
import struct

from link import codec
from link.auth import Hmac, derive, keys, same
from link.replay import ReplayWindow

_HS = 0x08  # header flag: a handshake frame (clear body, tag under the handshake key)
_ASK = 1
_ANSWER = 2
_OFFERS = 2  # epochs offered to the partner and not yet confirmed, newest kept
_ANSWERS = 16  # answers allowed until the next authentic frame (a replayed ask costs a text)
_OUT_MAX = 4
_UNHEARD_MAX = 6  # the partner's frames failing after we took its answer: it never switched


class Channel:
    def __init__(self, secret, role, store, stats=None, urandom=None):
        if role not in (0, 1):
            raise ValueError("role must be 0 (A) or 1 (B)")
        if len(secret) < 16:
            raise ValueError("secret shorter than 16 bytes")
        self.role = role
        self.store = store
        self._secret = secret
        self._urandom = urandom or os.urandom
        self._hs = (Hmac(derive(secret, b"hs\x00")), Hmac(derive(secret, b"hs\x01")))
        self._keys = keys(secret, store.epoch) if store.epoch is not None else None
        self.window = ReplayWindow(store.rx_high)
        self.last_counter = -1
        self.stats = stats if stats is not None else {}
        self.gen = 0  # changes with every new epoch: frames sealed before must be sealed again
        self.out = []
        self._asked = None  # our handshake nonce while we wait for an answer
        self._offers = []  # (partner's nonce, our nonce, epoch, keys) we answered with
        self._answers = _ANSWERS
        self._unheard = 0  # > 0: we took an epoch from an answer, nothing opened under it yet

    @property
    def synced(self):
        """True when an epoch is agreed: seal() gives message frames."""
        return self._keys is not None

    def seal(self, msg):
        """The frame for msg with a fresh counter; ValueError if msg does not fit the table.
        While no epoch is agreed, the frame is a handshake ask instead (last_counter -1): msg is
        not sent, and the caller sends it again once `gen` changed."""
        codec.payload_values(msg)  # validate before spending a counter
        c = self.store.next_tx() if self._keys is not None else None
        if c is None:
            self._keys = None  # lost, or the epoch's counters are used up: agree a new one
            self.last_counter = -1
            return self._ask()
        self.last_counter = c
        return codec.encode(msg, self._keys, self.role, c)

    def open(self, frame):
        """(reason, counter, msg). msg is a dict only when reason is OK; R_DUP frames are
        authentic repeats (re-acknowledge them, do not deliver them again)."""
        if len(frame) == codec.FRAME_LEN and frame[0] & _HS and frame[0] >> 4 == codec.VERSION:
            return self._handshake(frame)
        reason, sender, counter, msg = codec.R_TAG, -1, 0, None
        if self._keys is not None:
            reason, sender, counter, msg = codec.decode(frame, self._keys)
        if reason == codec.R_TAG:
            for offer in self._offers:  # the partner's first frame under an epoch we offered
                got = codec.decode(frame, offer[3])
                if got[0] == codec.OK and got[1] != self.role:
                    self._rekey(offer[2], offer[3])
                    reason, sender, counter, msg = got
                    break
        if reason == codec.R_TAG and self._unheard:
            # Our ping under the new epoch may never have reached the partner (its offer lost
            # to replayed asks, the text lost): after enough of its frames fail, ask again.
            self._unheard += 1
            if self._unheard > _UNHEARD_MAX:
                self._keys = None
                self._unheard = 0
        if self._keys is None:
            self._count("rej_unsynced")
            self._send(self._ask())
            return codec.R_UNSYNCED, 0, None
        if reason == codec.OK and sender == self.role:
            reason = codec.R_REFLECT
        if reason == codec.OK:
            reason = self.window.check(counter)
        if reason != codec.OK:
            self._count("rej_" + codec.REASONS[reason])
            return reason, counter, None
        self._answers = _ANSWERS
        self._unheard = 0
        if self.window.accept(counter):
            self.store.set_rx_high(counter)
        return reason, counter, msg

    # ---- handshake --------------------------------------------------------------------------

    def _hs_frame(self, kind, nonce, extra=b""):
        body = struct.pack("<BIB", codec.VERSION << 4 | _HS | self.role, 0, kind) + nonce
        body += bytes(codec.FRAME_LEN - codec.TAG_LEN - len(body))
        return body + self._hs[self.role].digest(body + extra)[:codec.TAG_LEN]

    def _ask(self):
        if self._asked is None:
            self._asked = bytes(self._urandom(8))
        self._count("hs_ask")
        return self._hs_frame(_ASK, self._asked)

    def _handshake(self, frame):
        sender = frame[0] & 1
        kind = frame[5]
        nonce = bytes(frame[6:14])
        body = bytes(frame[:codec.FRAME_LEN - codec.TAG_LEN])
        tag = frame[codec.FRAME_LEN - codec.TAG_LEN:]
        mac = self._hs[sender]
        if sender == self.role:
            reason = codec.R_REFLECT
        elif kind == _ASK and same(mac.digest(body)[:codec.TAG_LEN], tag):
            self._count("hs_asked")
            # Both sides lost: A's ask wins, so the two never settle on different epochs.
            if self._asked is None or self.role == 1:
                self._asked = None
                self._answer(nonce)
            return codec.R_SYNC, 0, None
        elif (kind == _ANSWER and self._asked is not None
              and same(mac.digest(body + self._asked)[:codec.TAG_LEN], tag)):
            epoch = _epoch(self._asked, nonce)
            self._asked = None
            self._rekey(epoch, keys(self._secret, epoch))
            self._unheard = 1
            self._send(self.seal({"t": "ping"}))  # shows the partner we hold the new keys
            return codec.R_SYNC, 0, None
        else:
            reason = codec.R_TAG  # forged, or an answer to an ask that is not ours (any more)
        self._count("rej_" + codec.REASONS[reason])
        return reason, 0, None

    def _answer(self, theirs):
        for offer in self._offers:
            if offer[0] == theirs:  # our answer got lost: the same one again
                ours = offer[1]
                break
        else:
            ours = bytes(self._urandom(8))
            epoch = _epoch(theirs, ours)
            self._offers = (self._offers + [(theirs, ours, epoch, keys(self._secret, epoch))])
            self._offers = self._offers[-_OFFERS:]
        if self._answers <= 0:
            self._count("hs_refused")
            return
        self._answers -= 1
        self._send(self._hs_frame(_ANSWER, ours, theirs))

    def _rekey(self, epoch, new_keys):
        self.store.rekey(epoch)
        self._keys = new_keys
        self._offers = []
        self.window = ReplayWindow(-1)
        self.gen += 1
        self._count("rekeys")

    def _send(self, frame):
        if len(self.out) < _OUT_MAX:
            self.out.append(frame)

    def _count(self, key):
        self.stats[key] = self.stats.get(key, 0) + 1


def _epoch(asked, answered):
    return hashlib.sha256(b"epoch" + asked + answered).digest()[:8]
