"""Near and far partner links behind one send(): which link, and what the far link holds back."""

import asyncio

from link.far import FarPipe
from link.nearfar import (FAR_IDLE_STATE_MS, FAR_POS_EVERY_MS, FAR_REPEAT_MS,
                          FAR_STATE_EVERY_MS, NearFarLink)


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


def test_far_heartbeats_in_a_time_out_only_on_change_or_every_five_minutes():
    clock = [0]
    far = Link()
    links = NearFarLink(Link(), far, lambda: clock[0])
    for t in range(0, FAR_STATE_EVERY_MS, 30000):  # a heartbeat every 30 s, nothing new
        clock[0] = t
        links.send(state(tid=5, ph=2))
    assert len(far.sent) == 1
    clock[0] = FAR_STATE_EVERY_MS + 1
    links.send(state(tid=5, ph=2))
    clock[0] += 30000
    links.send(state(tid=5, ph=3))  # the end check began: goes at once
    assert len(far.sent) == 3 and far.sent[-1]["ph"] == 3
    assert links.stats["far_held"] == FAR_STATE_EVERY_MS // 30000 - 1


def test_outside_a_time_out_a_few_texts_a_day():
    # Heartbeats every 30 s for a day while apart, the home flag changing every hour: before,
    # one text every five minutes (288 a day) and one more at each change.
    clock = [0]
    far = Link()
    links = NearFarLink(Link(), far, lambda: clock[0])
    for t in range(0, 24 * 3600000, 30000):
        clock[0] = t
        links.send(state(home=(t // 3600000) % 2))
    assert len(far.sent) == 24 * 3600000 // FAR_IDLE_STATE_MS <= 3


def test_the_same_reply_again_only_after_the_repeat_time():
    clock = [0]
    far = Link()
    links = NearFarLink(Link(), far, lambda: clock[0])
    start = {"t": "start", "tid": 9, "by": 0, "why": 0, "el": 0, "lv": 0}
    for t in range(0, FAR_REPEAT_MS, 1000):
        clock[0] = t
        links.send(dict(start, el=t))
    links.send({"t": "undo", "tid": 9})  # a different message goes at once
    clock[0] = FAR_REPEAT_MS
    links.send(start)
    assert [m["t"] for m in far.sent] == ["start", "undo", "start"]


def test_forged_states_cannot_run_up_texts():
    """Each authentic state with tid 0 made a running device answer with a start, unthrottled:
    100 of them were 100 texts."""
    from core.config import defaults, validate
    from core.session import Session

    cfg = defaults()
    cfg.update(role="A", pair_secret="aaac85cb5966f30d27bf1b931d7ff132",
               contacts=[{"name": n, "phone": "+3161111111%d" % i} for i, n in enumerate("ABC")])
    s = Session(validate(cfg), 0, lambda: 7)
    clock = [0]
    far = Link()
    links = NearFarLink(Link(), far, lambda: clock[0])

    def apply(actions):
        for a in actions:
            if a[0] == "send":
                links.send(a[1])

    apply(s.handle(0, ("press", "single")))
    for i in range(100):
        clock[0] = 60000 + i * 600
        apply(s.handle(clock[0], ("partner", state(tid=0, home=0))))
    starts = [m for m in far.sent if m["t"] == "start"]
    assert len(starts) == 1  # the own start; every reply within the repeat time is held


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
    assert len(pipe.inbox) == 8 and pipe.stats["far_rx_dropped"] == 4, "dropped, and counted"

    async def drain():
        task = asyncio.create_task(pipe.run())
        await asyncio.sleep(0.01)
        task.cancel()
        return await pipe.recv()

    first = asyncio.run(drain())
    assert [p for _, p in modem.out] == [bytes([i]) for i in range(8)]
    assert first == bytes([0])
