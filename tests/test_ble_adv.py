"""Advertising payload: decodes with bumble, rotates, tells nothing, recognised only by the
partner; and the near estimator's thresholds."""

from bumble.core import AdvertisingData
from hypothesis import given, settings
from hypothesis import strategies as st

from ble import adv
from link.auth import Hmac, derive
from ble.near import FAR_DBM, NEAR_DBM, STALE_MS, NearEstimator

SECRET = b"s" * 32
AMAC = Hmac(derive(SECRET, b"adv"))


def test_payload_decodes_with_bumble():
    ident = adv.make_ident(AMAC, bytes(range(8)), 1)
    data = adv.payload(ident)
    assert len(data) <= 31
    ad = AdvertisingData.from_bytes(data)
    uuids = ad.get(AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS)
    assert [bytes(u) for u in uuids] == [ident]
    kinds = {t for t, _ in ad.ad_structures}
    uuid128 = AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS
    assert kinds == {AdvertisingData.FLAGS, uuid128}
    assert ad.get(AdvertisingData.COMPLETE_LOCAL_NAME) is None
    assert adv.find_ident(data) == ident


def test_identifier_rotates_and_only_the_partner_recognises_it():
    a = adv.make_ident(AMAC, b"\x01" * 8, 1)
    b = adv.make_ident(AMAC, b"\x02" * 8, 1)
    assert a != b and a[8:] != b[8:]  # nothing stable between rotations
    assert adv.is_from(AMAC, a, 1)
    assert not adv.is_from(AMAC, a, 0)  # our own advert reflected back is not the partner
    other = Hmac(derive(b"t" * 32, b"adv"))
    assert not adv.is_from(other, a, 1)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_garbage_adverts_never_crash_or_match(data):
    ident = adv.find_ident(data)
    assert ident is None or len(ident) == 16
    assert not adv.is_from(AMAC, ident, 1) or data.endswith(ident)


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
