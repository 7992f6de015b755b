"""A-weighting accuracy of the integer level meter: IEC 61672-1 class 2, float reference."""

from array import array

import numpy as np
import pytest

from dsp.coeffs import COEFFS
from dsp.detector import Detector
from dsp.kernel_ref import aweight_block
from dsp_lab.design import table_row
from dsp_lab.model import IntModel, a_weighted_level_db

# IEC 61672-1:2013 Table 3: nominal frequency, A-weighting (dB), class 2 tolerance (+, -).
IEC = [
    (31.5, -39.4, 3.5, 3.5), (40, -34.6, 2.5, 2.5), (50, -30.2, 2.5, 2.5), (63, -26.2, 2.5, 2.5),
    (80, -22.5, 2.5, 2.5), (100, -19.1, 2.0, 2.0), (125, -16.1, 2.0, 2.0),
    (160, -13.4, 2.0, 2.0), (200, -10.9, 2.0, 2.0), (250, -8.6, 1.9, 1.9), (315, -6.6, 1.9, 1.9),
    (400, -4.8, 1.9, 1.9), (500, -3.2, 1.9, 1.9), (630, -1.9, 1.9, 1.9), (800, -0.8, 1.9, 1.9),
    (1000, 0.0, 1.4, 1.4), (1250, 0.6, 1.9, 1.9), (1600, 1.0, 2.6, 2.6), (2000, 1.2, 2.6, 2.6),
    (2500, 1.3, 3.1, 3.1), (3150, 1.2, 3.1, 3.1), (4000, 1.0, 3.6, 3.6), (5000, 0.5, 4.1, 4.1),
    (6300, -0.1, 5.1, 5.1),
]


def _exact(nominal):
    """IEC exact base-ten frequency for a nominal one-third-octave frequency."""
    n = round(10 * np.log10(nominal / 1000))
    return 1000 * 10 ** (n / 10)


def _model_levels(freqs, fs, amp=10000, seconds=1.0):
    t = np.arange(int(fs * seconds)) / fs
    x = np.round(amp * np.sin(2 * np.pi * np.outer(freqs, t))).astype(np.int16)
    m = IntModel(len(freqs), COEFFS[fs], check=False)
    out = m.run(x, 320)[:, len(t) // 2 // 320:]  # second half: filters settled
    e = (out[:, :, 0] * 65536.0 + out[:, :, 1]).sum(axis=1)
    return 10 * np.log10(e)


@pytest.mark.parametrize("fs", [16000, 8000])
def test_frequency_response_within_class2(fs):
    rows = [r for r in IEC if _exact(r[0]) <= 0.8 * fs / 2]
    freqs = np.array([_exact(r[0]) for r in rows] + [1000.0])
    lv = _model_levels(freqs, fs)
    rel = lv[:-1] - lv[-1]
    for (nom, a_db, plus, minus), got in zip(rows, rel, strict=True):
        assert a_db - minus <= got <= a_db + plus, (nom, a_db, got)
        # The design is much better than class 2; flag a regression early.
        assert abs(got - a_db) < 0.5, (nom, a_db, got)


def _detector_laeq(x, fs):
    det = Detector(fs, -26.0, kernel=aweight_block)
    n = 320 if fs == 16000 else 160
    vals = []
    for i in range(0, len(x), n):
        det.process(array("h", x[i:i + n].tobytes()))
        if det.seconds > len(vals):
            vals.append(det.laeq_mdb / 1000)
    return vals


def _signal(kind, fs, seconds, rng):
    t = np.arange(int(fs * seconds)) / fs
    if kind == "noise":
        return rng.standard_normal(len(t))
    return np.sin(2 * np.pi * kind * t)


@pytest.mark.parametrize("fs", [16000, 8000])
@pytest.mark.parametrize("kind", [100.0, 1000.0, 3000.0, "noise"])
def test_level_matches_float_reference(fs, kind):
    rng = np.random.default_rng(3)
    for spl in (40, 50, 60, 70, 80, 90, 100, 110):
        s = _signal(kind, fs, 2.0, rng)
        # scale to the wanted A-weighted level with the float reference, then quantise
        s = s * 32768 * 10 ** ((spl - a_weighted_level_db(s * 32768, fs)) / 20)
        x = np.clip(np.round(s), -32768, 32767).astype(np.int16)
        ref = a_weighted_level_db(x[fs:], fs)  # the second that is compared
        got = _detector_laeq(x, fs)[1]
        assert abs(got - ref) <= 0.5, (kind, spl, got, ref)


def test_full_scale_sine_reads_94_minus_sensitivity():
    fs = 16000
    t = np.arange(2 * fs) / fs
    x = np.round(32767 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    assert abs(_detector_laeq(x, fs)[1] - 120.0) < 0.1
    det = Detector(fs, -38.0, kernel=aweight_block)
    for i in range(0, len(x), 320):
        det.process(array("h", x[i:i + 320].tobytes()))
    assert abs(det.laeq_mdb / 1000 - 132.0) < 0.1


@pytest.mark.parametrize("fs", [16000, 8000])
def test_idle_noise_floor_below_microphone(fs):
    rng = np.random.default_rng(5)
    silence = np.zeros(2 * fs, np.int16)
    lsb = rng.integers(-1, 2, 2 * fs).astype(np.int16)  # +/-1 LSB: below the mic's own noise
    assert _detector_laeq(silence, fs)[1] < 33.0
    got = _detector_laeq(lsb, fs)[1]
    assert got < 33.0
    assert abs(got - a_weighted_level_db(lsb[fs:], fs)) < 1.5  # the arithmetic adds ~nothing


def test_coefficient_literals_match_design():
    for fs in COEFFS:
        assert COEFFS[fs] == table_row(fs)


def test_the_level_tables_are_the_designs_and_the_formula():
    """The literals the device uses (no float at boot) are what dsp_lab/design.py makes, and
    what the float formula gives for a 20 ms block."""
    from dsp import levels
    from dsp.coeffs import FAST_20MS, FAST_20MS_RISE, LOG_TAB
    from dsp_lab import design

    assert LOG_TAB == design.log_table()
    assert (FAST_20MS, FAST_20MS_RISE) == design.fast_table_20ms()
    for fs in (16000, 8000):
        tab, rise = levels.fast_table(fs // 50, fs)
        assert tuple(tab) == FAST_20MS and rise == FAST_20MS_RISE
    # another block length takes the formula: 10 ms
    tab, rise = levels.fast_table(160, 16000)
    assert tuple(tab) != FAST_20MS and rise != FAST_20MS_RISE
