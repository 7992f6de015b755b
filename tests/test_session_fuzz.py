"""Property tests of the session core: any sequence of well-formed inputs (what the codec lets
through, authenticated but possibly stale, out of order or contradictory) never raises, never
leaves a deadline due after a tick (the shell would spin), and never leaves a device stuck in a
time-out once things go quiet."""

from hypothesis import given, settings
from hypothesis import strategies as st

from compat import TICKS_PERIOD, ticks_add
from core.config import defaults, validate
from core.session import IDLE, Session

SECRET = "aaac85cb5966f30d27bf1b931d7ff132"  # a random couple secret

CONTACTS = [{"name": "C%d" % i, "phone": "+3161234567%d" % i} for i in range(3)]
u16 = st.integers(0, 0xFFFF)
tid = st.integers(1, 4)  # few ids, so messages collide with the running time-out
role = st.integers(0, 1)

MESSAGES = st.one_of(
    st.fixed_dictionaries({"t": st.just("start"), "tid": tid, "by": role, "why": role,
                           "el": st.integers(0, 10_000_000), "lv": role}),
    st.fixed_dictionaries({"t": st.just("undo"), "tid": tid}),
    st.fixed_dictionaries({"t": st.just("prop"), "pid": st.integers(1, 3)}),
    st.fixed_dictionaries({"t": st.just("acc"), "pid": st.integers(1, 3)}),
    st.fixed_dictionaries({"t": st.just("mood"), "tid": tid, "seq": st.integers(0, 255),
                           "m": st.integers(0, 3), "fin": role}),
    st.fixed_dictionaries({"t": st.just("state"), "tid": st.integers(0, 4),
                           "el": st.integers(0, 0xFFFFFFFF), "ph": st.integers(0, 255),
                           "home": st.integers(0, 2), "ext": st.integers(0, 255),
                           "m": st.integers(0, 3), "on": role, "by": role, "lv": role}),
    st.fixed_dictionaries({"t": st.just("end"), "tid": tid, "out": st.integers(0, 255)}),
)
EVENTS = st.one_of(
    st.tuples(st.just("press"), st.sampled_from(["single", "double", "triple", "long",
                                                 "very_long"])),
    st.tuples(st.just("partner"), MESSAGES),
    st.tuples(st.just("proposal")),
    st.tuples(st.just("distance"), st.sampled_from(["too_close", "clear", "unknown"])),
    st.tuples(st.just("home"), st.sampled_from([True, False, None])),
    st.tuples(st.just("call_result"), st.integers(-1, 4),
              st.sampled_from(["answered", "no_answer", "busy", "failed", "no_network",
                               "no_result"])),
)
STEPS = st.lists(st.tuples(st.integers(0, 900_000), EVENTS), max_size=60)


def config():
    cfg = defaults()
    cfg.update(role="A", pair_secret=SECRET, contacts=CONTACTS, timeout_min=10,
               mood_interval_min=2, extension_min=5, max_extensions=1, walk_away_grace_s=60)
    return validate(cfg)


@settings(max_examples=300, deadline=None)
@given(STEPS, st.sampled_from([0, TICKS_PERIOD - 60_000]))
def test_any_input_sequence_is_survived_and_ends(steps, t0):
    counter = [0]

    def rand16():
        counter[0] += 1
        return counter[0]

    s = Session(config(), t0, rand16)
    now = t0
    for gap, event in steps:
        now = ticks_add(now, gap)
        s.tick(now)
        assert s.wait_ms(now) > 0, "a tick leaves nothing due: no busy loop"
        s.handle(now, event)
        assert s.wait_ms(now) >= 0
    # Then nothing more from anyone: the device must come back to idle by itself, within the
    # longest possible time-out (length, extensions, the end wait) and a margin.
    for _ in range(20000):
        s.tick(now)
        wait = s.wait_ms(now)
        assert wait > 0, "a tick leaves nothing due: no busy loop"
        now = ticks_add(now, wait)
        if s.phase == IDLE and (s.chain is None or s.chain.done):
            break
    assert s.phase == IDLE
    assert s.chain is None or s.chain.done
