"""Advertising payload: decodes with bumble, bound to a time slot, tells nothing, recognised
only by the partner, a replay from an earlier slot refused; and the near estimator."""

from bumble.core import AdvertisingData
from hypothesis import given, settings
from hypothesis import strategies as st

from ble import adv
from ble.near import FAR_DBM, NEAR_DBM, STALE_MS, NearEstimator
from link.auth import Hmac, derive

SECRET = b"s" * 32
AMAC = Hmac(derive(SECRET, b"adv"))
NOW_S = 1_780_000_000
SLOT = NOW_S // adv.SLOT_S


def wall_word(epoch_s):
    return adv.slot_word(epoch_s, 0, 0)


def test_payload_decodes_with_bumble():
    ident = adv.make_ident(AMAC, bytes(range(4)), 1, wall_word(NOW_S))
    data = adv.payload(ident)
    assert len(data) <= 31
    ad = AdvertisingData.from_bytes(data)
    uuids = ad.get(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS)
    assert [bytes(u) for u in uuids] == [ident]
    kinds = {t for t, _ in ad.ad_structures}
    uuid128 = AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS
    assert kinds == {AdvertisingData.FLAGS, uuid128}  # no name, no manufacturer data
    assert ad.get(AdvertisingData.COMPLETE_LOCAL_NAME) is None
    assert ad.get(AdvertisingData.SHORTENED_LOCAL_NAME) is None
    assert adv.find_ident(data) == ident


def test_identifier_carries_its_slot_and_only_the_partner_reads_it():
    word = wall_word(NOW_S)
    a = adv.make_ident(AMAC, b"\x01" * 4, 1, word)
    b = adv.make_ident(AMAC, b"\x02" * 4, 1, word)
    c = adv.make_ident(AMAC, b"\x01" * 4, 1, wall_word(NOW_S + adv.SLOT_S))
    assert a != b and a[4:8] != b[4:8] and a[8:] != b[8:]  # the slot is masked, not readable
    assert a[8:] != c[8:]  # the same nonce in another slot: another tag
    assert adv.open_ident(AMAC, a, 1) == word
    assert adv.open_ident(AMAC, c, 1) == wall_word(NOW_S + adv.SLOT_S)
    assert adv.open_ident(AMAC, a, 0) is None  # our own advert reflected is not the partner
    assert adv.open_ident(Hmac(derive(b"t" * 32, b"adv")), a, 1) is None
    moved = bytearray(a)
    moved[7] ^= 1  # a replayer who moves the slot on by one breaks the tag
    assert adv.open_ident(AMAC, bytes(moved), 1) is None


def test_slot_words_say_which_clock_made_them():
    assert adv.slot_word(NOW_S, 5, 999) >> 31 == 1
    mono = adv.slot_word(None, 5, 125)
    assert mono >> 31 == 0 and mono >> 20 == 5 and mono & 0xFFFFF == 2
    assert adv.slot_word(None, 5, 125) != adv.slot_word(None, 6, 125)


def test_wall_clock_slots_accept_the_neighbours_only():
    for delta, verdict in ((-2, adv.STALE), (-1, adv.FRESH), (0, adv.FRESH), (1, adv.FRESH),
                           (2, adv.STALE)):
        f = adv.Freshness()
        word = wall_word((SLOT + delta) * adv.SLOT_S)
        assert f.judge(word, SLOT, 0) == verdict, delta


def test_a_replayed_advert_from_an_earlier_slot_is_not_fresh():
    f = adv.Freshness()
    recorded = wall_word(NOW_S)
    assert f.judge(recorded, SLOT, 0) == adv.FRESH
    later = wall_word(NOW_S + adv.SLOT_S)
    assert f.judge(later, SLOT + 1, 0) == adv.FRESH  # the partner's next slot was heard
    assert f.judge(recorded, SLOT + 1, 0) == adv.STALE  # in the window, but older: a replay
    assert f.judge(recorded, SLOT + 30, 0) == adv.STALE  # half an hour later
    assert f.judge(later, SLOT + 1, 0) == adv.FRESH  # the current one still counts


def test_without_a_shared_clock_adverts_count_only_once_learnt_on_a_connection():
    f = adv.Freshness()
    word = adv.slot_word(None, 77, 600)  # the partner's boot clock at 10 minutes
    assert f.judge(word, SLOT, 3) == adv.UNKNOWN  # may start a connection, never near
    assert f.judge(wall_word(NOW_S), None, 3) == adv.UNKNOWN  # our clock is not set
    f.learn(word, 3)  # heard while the partner is proven present
    assert f.judge(word, None, 3) == adv.FRESH
    assert f.judge(adv.slot_word(None, 77, 660), None, 4) == adv.FRESH
    assert f.judge(word, None, 4) == adv.STALE  # the 10-minute word again: a replay
    assert f.judge(adv.slot_word(None, 77, 1200), None, 4) == adv.STALE  # a forward leap
    assert f.judge(adv.slot_word(None, 78, 60), None, 4) == adv.UNKNOWN  # partner rebooted
    f.reset()  # a new connection: learnt again
    f.learn(adv.slot_word(None, 78, 60), 4)
    assert f.judge(adv.slot_word(None, 78, 60), None, 4) == adv.FRESH


def test_two_wall_clocks_that_disagree_are_reconciled_by_a_connection():
    f = adv.Freshness()
    ahead = wall_word(NOW_S + 3600)  # the partner's clock an hour ahead (a wrong NITZ)
    assert f.judge(ahead, SLOT, 10) == adv.STALE
    f.learn(ahead, 10)
    assert f.judge(ahead, SLOT, 10) == adv.FRESH


def test_our_clock_set_back_does_not_lock_the_partner_out():
    f = adv.Freshness()
    assert f.judge(wall_word(NOW_S + 600), SLOT + 10, 0) == adv.FRESH
    assert f.judge(wall_word(NOW_S), SLOT, 0) == adv.FRESH  # both clocks corrected back


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_garbage_adverts_never_crash_or_match(data):
    ident = adv.find_ident(data)
    assert ident is None or len(ident) == 16
    assert adv.open_ident(AMAC, ident, 1) is None or data.endswith(ident)


def test_near_thresholds_hysteresis_and_staleness():
    n = NearEstimator()
    assert n.near(0) is None
    n.update(NEAR_DBM + 5, 0)
    assert n.near(0) is False  # one sample is not enough
    n.update(NEAR_DBM + 5, 1000)
    assert n.near(1000) is True
    t = 1000
    for _ in range(3):  # between the thresholds: stays near
        t += 1000
        n.update((NEAR_DBM + FAR_DBM) // 2, t)
    assert n.near(t) is True
    for _ in range(10):
        t += 1000
        n.update(FAR_DBM - 8, t)
    assert n.near(t) is False
    assert n.near(t + STALE_MS + 1) is False and n.rssi(t + STALE_MS + 1) is None
