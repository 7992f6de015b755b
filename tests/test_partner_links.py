"""Near and far partner links behind one send(): which link, and what the far link holds back."""

import asyncio

from link.far import FarPipe
from link.nearfar import FAR_POS_EVERY_MS, FAR_STATE_EVERY_MS, NearFarLink


class Link:
    def __init__(self, connected=False):
        self.connected = connected
        self.sent = []
        self.stats = {}

    def send(self, msg):
        self.sent.append(msg)
        return True


def state(tid=0, ph=0, ext=0, home=1):
    return {"t": "state", "tid": tid, "el": 0, "ph": ph, "home": home, "ext": ext, "m": 0,
            "on": 1, "by": 0, "lv": 0}


def test_near_when_connected_far_otherwise():
    clock = [0]
    near, far = Link(connected=True), Link()
    links = NearFarLink(near, far, lambda: clock[0])
    links.send({"t": "undo", "tid": 3})
    near.connected = False
    links.send({"t": "undo", "tid": 4})
    assert [m["tid"] for m in near.sent] == [3] and [m["tid"] for m in far.sent] == [4]


def test_far_heartbeats_only_on_change_or_every_five_minutes():
    clock = [0]
    far = Link()
    links = NearFarLink(Link(), far, lambda: clock[0])
    for t in range(0, FAR_STATE_EVERY_MS, 30000):  # a heartbeat every 30 s, nothing new
        clock[0] = t
        links.send(state())
    assert len(far.sent) == 1
    clock[0] = FAR_STATE_EVERY_MS + 1
    links.send(state())
    clock[0] += 30000
    links.send(state(tid=7, ph=2))  # a time-out started: goes at once
    assert len(far.sent) == 3 and far.sent[-1]["tid"] == 7
    assert links.stats["far_held"] == FAR_STATE_EVERY_MS // 30000 - 1


def test_far_positions_are_spaced_but_session_messages_never_held():
    clock = [0]
    far = Link()
    links = NearFarLink(Link(), far, lambda: clock[0])
    pos = {"t": "pos", "lat": 1, "lon": 2, "hdop": 100, "age": 0}
    links.send(pos)
    clock[0] = FAR_POS_EVERY_MS - 1
    links.send(pos)
    for tid in (1, 2, 3):
        links.send({"t": "mood", "tid": tid, "seq": 1, "m": 1, "fin": 0})
    clock[0] = FAR_POS_EVERY_MS
    links.send(pos)
    assert [m["t"] for m in far.sent] == ["pos", "mood", "mood", "mood", "pos"]


def test_no_link_at_all_is_counted():
    links = NearFarLink(None, None)
    assert links.send({"t": "undo", "tid": 1}) is False and links.stats["unsent"] == 1


def test_far_pipe_is_bounded_and_sends_in_order():
    class Modem:
        def __init__(self):
            self.out = []

        async def send_far(self, number, payload, vp=None):
            self.out.append((number, payload))
            return "sent"

    modem = Modem()
    pipe = FarPipe(modem, "+31600000002")
    accepted = [pipe.send(bytes([i])) for i in range(12)]
    assert accepted == [True] * 8 + [False] * 4 and pipe.stats["far_dropped"] == 4
    for i in range(12):
        pipe.received("+31600000002", bytes([i]))
    assert len(pipe.inbox) == 8

    async def drain():
        task = asyncio.create_task(pipe.run())
        await asyncio.sleep(0.01)
        task.cancel()
        return await pipe.recv()

    first = asyncio.run(drain())
    assert [p for _, p in modem.out] == [bytes([i]) for i in range(8)]
    assert first == bytes([0])
