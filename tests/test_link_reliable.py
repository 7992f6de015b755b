"""The reliable queue on its own, with no radio: what goes out, when it is retried, what an ack
settles and what is delivered (the BLE transport's tests cover it on the simulated radio)."""

from link.channel import Channel
from link.counters import CounterStore
from link.reliable import ACK_TIMEOUT_MS, ReliableQueue

SECRET = bytes(range(40, 72))


def pair(tmp_path):
    wakes = []
    ours = Channel(SECRET, 0, CounterStore(str(tmp_path / "a")))
    queue = ReliableQueue(ours, {}, lambda: wakes.append(1))
    partner = Channel(SECRET, 1, CounterStore(str(tmp_path / "b")))
    # First boot: the two agree an epoch before any message frame goes.
    partner.open(ours.seal({"t": "ping"}))
    ours.open(partner.out.pop())
    partner.open(ours.out.pop())
    assert ours.synced and partner.synced
    return queue, partner, wakes


def test_a_message_waiting_for_the_epoch_goes_sealed_once_agreed(tmp_path):
    wakes = []
    ours = Channel(SECRET, 0, CounterStore(str(tmp_path / "a")))
    queue = ReliableQueue(ours, {}, lambda: wakes.append(1))
    partner = Channel(SECRET, 1, CounterStore(str(tmp_path / "b")))
    queue.send({"t": "undo", "tid": 3})
    out = []
    queue.due(0, out.append)
    assert partner.open(out[0])[0] not in (0,)  # an ask, not the message
    back = []
    queue.open(partner.out.pop(), back.append)  # the answer: new epoch, a ping to confirm
    assert partner.open(back[0])[0] == 0
    queue.due(1, out.append)  # the message in flight is sealed again under the new keys
    assert partner.open(out[-1])[2] == {"t": "undo", "tid": 3}


def test_one_in_flight_retried_until_acknowledged(tmp_path):
    queue, partner, wakes = pair(tmp_path)
    assert queue.send({"t": "undo", "tid": 3}) and queue.send({"t": "undo", "tid": 4})
    assert wakes == [1, 1] and queue.pending() == 2
    out = []
    assert queue.due(0, out.append) and len(out) == 1
    assert queue.due(ACK_TIMEOUT_MS - 1, out.append) and len(out) == 1  # not yet due again
    assert queue.due(ACK_TIMEOUT_MS, out.append) and out[1] == out[0]  # same frame, same counter
    reason, counter, msg = partner.open(out[0])
    assert msg == {"t": "undo", "tid": 3} and queue.stats["retries"] == 1
    opened = queue.open(partner.seal({"t": "ack", "c": counter}), out.append)
    assert opened is not None
    queue.take_in(opened[0], opened[1], out.append)
    assert queue.pending() == 1 and queue.stats["acked"] == 1 and len(out) == 2  # no ack of ack
    assert queue.due(ACK_TIMEOUT_MS, out.append)
    assert partner.open(out[2])[2] == {"t": "undo", "tid": 4}


def test_too_many_tries_say_the_connection_is_broken(tmp_path):
    queue, _, _ = pair(tmp_path)
    queue.send({"t": "undo", "tid": 1})
    out = []
    results = [queue.due(i * ACK_TIMEOUT_MS, out.append) for i in range(6)]
    assert results == [True] * 5 + [False] and len(out) == 5
    queue.resume(6 * ACK_TIMEOUT_MS)  # a new connection: the frame goes again at once
    assert queue.due(6 * ACK_TIMEOUT_MS, out.append) and out[-1] == out[0]


def test_newest_state_replaces_a_waiting_one_but_not_the_one_in_flight(tmp_path):
    queue, partner, _ = pair(tmp_path)
    state = {"t": "state", "tid": 1, "el": 0, "ph": 1, "home": 1, "ext": 0, "m": 0, "on": 1,
             "by": 0, "lv": 0}
    queue.send(state)
    out = []
    queue.due(0, out.append)
    queue.send(dict(state, el=5))
    queue.send(dict(state, el=9))
    assert queue.pending() == 2 and queue.stats["q_replaced"] == 1
    assert partner.open(out[0])[2]["el"] == 0


def test_a_repeat_is_acknowledged_again_and_delivered_once(tmp_path):
    queue, partner, _ = pair(tmp_path)
    got = []
    queue.on_message = got.append
    frame = partner.seal({"t": "prop", "pid": 7})
    acks = []
    for _ in range(2):
        opened = queue.open(frame, acks.append)
        if opened is not None:
            queue.take_in(opened[0], opened[1], acks.append)
    assert got == [{"t": "prop", "pid": 7}] and queue.inbox == got and len(acks) == 2
    assert all(partner.open(a)[2] == {"t": "ack", "c": partner.last_counter} for a in acks)
    assert queue.open(b"garbage", acks.append) is None and len(acks) == 2


START = {"t": "start", "tid": 9, "by": 1, "why": 0, "el": 0, "lv": 0}


def test_a_message_no_longer_valid_is_dropped_even_in_flight(tmp_path):
    queue, partner, _ = pair(tmp_path)
    current = {9}
    queue.still_valid = lambda msg: msg.get("tid") in current
    queue.send(START)
    queue.send({"t": "end", "tid": 8, "out": 1})
    out = []
    assert queue.due(0, out.append) and partner.open(out[0])[2]["t"] == "start"
    current.clear()  # time-out 9 merged away here before the ack came: never again
    queue.due(ACK_TIMEOUT_MS, out.append)
    assert queue.stats["stale_dropped"] == 2 and queue.pending() == 0 and len(out) == 1
    current.add(8)
    queue.send({"t": "end", "tid": 8, "out": 1})
    queue.due(2 * ACK_TIMEOUT_MS, out.append)
    assert partner.open(out[1])[2]["t"] == "end"


def test_the_far_pipe_checks_each_message_again_before_it_goes():
    import asyncio

    from link.far import FarPipe

    class Modem:
        sent = []

        async def send_far(self, number, frame, vp=None):
            self.sent.append(frame)
            return "sent"

    async def main():
        pipe = FarPipe(Modem(), "+31600000002")
        pipe.still_valid = lambda msg: msg["tid"] == 2
        pipe.send(b"old", {"t": "start", "tid": 1})
        pipe.send(b"new", {"t": "start", "tid": 2})
        task = asyncio.create_task(pipe.run())
        await asyncio.sleep(0.01)
        task.cancel()
        return pipe

    pipe = asyncio.run(main())
    assert Modem.sent == [b"new"] and pipe.stats["far_stale"] == 1
