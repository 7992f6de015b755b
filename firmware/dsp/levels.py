"""Integer decibel arithmetic for the level meter: 10*log10 of two-word energies and the Fast
(125 ms) exponential time weighting done in the dB domain; pure, no I/O.

Levels are ints in 1/1000 dB ("mdB") so the per-block path stays in small integers (no floats,
no heap allocation on the device, identical results on every interpreter). The tables are
integer literals (dsp/coeffs.py, made by dsp_lab/design.py): no float is computed on the device.
"""

from array import array

from compat import const
from dsp.coeffs import FAST_20MS, FAST_20MS_RISE, LOG_TAB

FLOOR_MDB = const(-30000)  # level reported for an all-zero energy (re 1 LSB^2)
_STEP_MDB = const(1000)  # Fast-weighting table step
_D_MIN_MDB = const(-80000)  # table span of (block level - previous LAF)
_D_MAX_MDB = const(80000)
FAST_TAU_MS = const(125)

# 10*log10(1 + k/64) in mdB, k = 0..64: the mantissa table of db_mdb().
_LOG_TAB = array("i", LOG_TAB)


def db_mdb(hi, lo):
    """10*log10(hi * 2**16 + lo) in mdB; hi < 2**30, 0 <= lo < 2**16. Zero gives FLOOR_MDB."""
    if hi >= 16384:
        x = hi
        ex = 16
    else:
        x = (hi << 16) | lo
        ex = 0
    if x <= 0:
        return FLOOR_MDB
    e = 0
    t = x
    if t >= 65536:
        t >>= 16
        e += 16
    if t >= 256:
        t >>= 8
        e += 8
    if t >= 16:
        t >>= 4
        e += 4
    if t >= 4:
        t >>= 2
        e += 2
    if t >= 2:
        e += 1
    if e >= 16:
        f = (x >> (e - 16)) - 65536
    else:
        f = (x << (16 - e)) - 65536
    k = f >> 10
    a = _LOG_TAB[k]
    return ((e + ex) * 30103) // 10 + a + (((_LOG_TAB[k + 1] - a) * (f & 1023)) >> 10)


def fast_table(block_n, sample_rate):
    """Table of 10*log10(a + (1-a) * 10**(d/10)) in mdB over d = block level - previous LAF,
    with a = exp(-T_block / 125 ms), and 10*log10(1-a) for d beyond it. A 20 ms block (what the
    device's listener hands over) takes the literal table; any other length (a host tool's
    last, shorter block of a file) is computed here with floats."""
    if block_n * 50 == sample_rate:
        return array("i", FAST_20MS), FAST_20MS_RISE
    import math

    a = math.exp(-block_n * 1000.0 / (sample_rate * FAST_TAU_MS))
    tab = array("i", [0] * ((_D_MAX_MDB - _D_MIN_MDB) // _STEP_MDB + 1))
    for i in range(len(tab)):
        d = (_D_MIN_MDB + i * _STEP_MDB) / 1000.0
        tab[i] = int(round(1000 * math.log10(a + (1 - a) * 10 ** (d / 10)) * 10))
    rise = int(round(10000 * math.log10(1 - a)))  # beyond the table: d + 10*log10(1-a)
    return tab, rise


def fast_step(laf_mdb, block_mdb, tab, rise_mdb):
    """One block of Fast time weighting: returns the new LAF in mdB."""
    d = block_mdb - laf_mdb
    if d >= _D_MAX_MDB:
        return block_mdb + rise_mdb
    if d <= _D_MIN_MDB:
        return laf_mdb + tab[0]
    j = d - _D_MIN_MDB
    k = j // _STEP_MDB
    r = j - k * _STEP_MDB
    a = tab[k]
    return laf_mdb + a + ((tab[k + 1] - a) * r) // _STEP_MDB
