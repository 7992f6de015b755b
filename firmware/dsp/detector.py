"""Escalation detector: per-block A-weighted level meter (LAeq, Fast LAF) and the per-second
rule that proposes a time-out when shouting is sustained. Pure: samples and nothing else in,
levels and a yes/no out; no I/O, never stores or forwards audio, no heap allocation per block.

The shell calls `Detector.process(block)` with each pre-allocated array('h') of int16 mono
samples (the I2S driver keeps the top 16 bits of the INMP441's 24-bit word). Whether a
proposal may be shown (both partners at home, no time-out running) is the session core's call.
"""

from array import array

from compat import const
from dsp.coeffs import COEFFS
from dsp.levels import FLOOR_MDB, db_mdb, fast_step, fast_table

try:
    from dsp.kernel import aweight_block as _viper_kernel
except (ImportError, AttributeError, SyntaxError):  # CPython: no viper emitter
    _viper_kernel = None

MAX_BLOCK = const(1024)  # samples per process() call; keeps every kernel sum in 32 bits
_FS_DB_MDB = const(87299)  # 10*log10(32768**2 / 2): mean square of a full-scale int16 sine
_LSB_DIV = const(16)  # per-second band sums are kept in 16-LSB units to stay small ints

# Wearable defaults (mic on the chest, the wearer's own mouth about 0.3 m away), chosen by
# leave-one-source-out tuning on the speech corpus (docs/dsp.md, `python -m dsp_lab figures`).
# Levels in dB(A) SPL, differences in dB, times in seconds, shares in percent. A gate at its
# "off" value (rise 0, tilt -100/+100, dips 0, crest 100) lets every second through.
DEFAULTS = {
    "level_min_dba": 78,  # LAeq,1s a shouting second reaches at least
    "rise_min_db": 0,  # ... and this far above the room's baseline (off: the wearable needs none)
    "tilt_min_db": -12,  # 20log10(|high band| / |low band|) at least this (dull sounds below)
    "tilt_max_db": 100,  # ... and below this (off: shouted voices reach +13 dB)
    "dip_min_pct": 10,  # share of 20 ms blocks >= dip_depth_db below the second's loudest
    "dip_depth_db": 10,  # (speech rides on 3-5 Hz syllables, a vacuum cleaner does not)
    "crest_max_db": 100,  # LAFmax - LAeq,1s at most this (off: no source needs it)
    "window_s": 20,  # sliding window over which shouting seconds are counted
    "shout_s_min": 7,  # shouting seconds in the window that make a proposal
    "release_s_max": 2,  # hysteresis: re-armed only once the window holds <= this many
    "refractory_s": 600,  # no second proposal this soon after one
    "baseline_up_s": 120,  # the room's baseline follows louder seconds slowly ...
    "baseline_down_s": 10,  # ... and quieter ones fast (a floor, like a background L90)
    "baseline_init_dba": 45,  # baseline until the first second is measured
}
# A fixed unit on a shelf hears both partners from 1.2-3.5 m instead of the wearer from 0.3 m.
HOME_OVERRIDES = {
    "level_min_dba": 71,
    "rise_min_db": 10,  # every source needs it at home (TV and music rooms)
    "shout_s_min": 8,
}


def params_for(kind, overrides=None):
    """Complete parameter dict for "wearable" or "home", with optional overrides applied."""
    if kind not in ("wearable", "home"):
        raise ValueError("detector kind must be 'wearable' or 'home', not %r" % (kind,))
    p = dict(DEFAULTS)
    if kind == "home":
        p.update(HOME_OVERRIDES)
    if overrides:
        for k in overrides:
            if k not in DEFAULTS:
                raise ValueError("unknown detector parameter %r" % (k,))
            v = overrides[k]
            if not isinstance(v, int) or isinstance(v, bool) or not -200 <= v <= 100000:
                raise ValueError("detector parameter %r must be an int -200..100000" % (k,))
            p[k] = v
    if p["window_s"] < 1 or p["shout_s_min"] > p["window_s"] \
            or min(p["baseline_up_s"], p["baseline_down_s"]) < 1:
        raise ValueError("detector parameters: need 1 <= shout_s_min <= window_s, tau >= 1")
    return p


class Detector:
    """Level meter + escalation rule for one microphone.

    sample_rate: 16000 or 8000 Hz. sensitivity_dbfs: dBFS of a 94 dB SPL tone (peak-referenced,
    -26 for an INMP441): a full-scale sine reads 94 - sensitivity dB SPL. params: a dict from
    params_for(), or None for the wearable defaults.
    After each completed second (`seconds` increments): laeq_mdb, lafmax_mdb (1/1000 dB(A) SPL),
    tilt_mdb, dip_pct, baseline_mdb, shout (bool), shout_count. `laf_mdb` is updated per block.
    """

    def __init__(self, sample_rate, sensitivity_dbfs, params=None, kernel=None):
        if sample_rate not in COEFFS:
            raise ValueError("sample rate %r not supported (16000 or 8000)" % (sample_rate,))
        if not -80 <= sensitivity_dbfs <= 0:
            raise ValueError("sensitivity must be -80..0 dBFS, not %r" % (sensitivity_dbfs,))
        self.p = params_for("wearable", params)
        c = COEFFS[sample_rate]
        self.sample_rate = sample_rate
        self._coef = array("i", c[:7])
        self._state = array("i", [0] * 9)
        self._out = array("i", [0] * 5)
        self.cal_mdb = int(round((94 - sensitivity_dbfs) * 1000)) - _FS_DB_MDB - c[7]
        if kernel is None:
            kernel = _viper_kernel
        if kernel is None:
            from dsp.kernel_ref import aweight_block as kernel
        self._kernel = kernel
        self._tab_n = 0
        self._tab = None
        self._rise = 0
        self._db_n = 0
        self._lv = array("i", [0] * (sample_rate // 16 + 2))  # block levels of this second
        w = self.p["window_s"]
        self._hist = bytearray(w)
        self.reset()

    def reset(self):
        """Forget all history (filter memory, baseline, window, refractory)."""
        for i in range(9):
            self._state[i] = 0
        for i in range(len(self._hist)):
            self._hist[i] = 0
        self._hpos = 0
        self.shout_count = 0
        self.laf_mdb = FLOOR_MDB + self.cal_mdb
        self.laeq_mdb = FLOOR_MDB + self.cal_mdb
        self.lafmax_mdb = self.laeq_mdb
        self.tilt_mdb = 0
        self.dip_pct = 0
        self.shout = False
        self.baseline_mdb = self.p["baseline_init_dba"] * 1000
        self.seconds = 0
        self.proposals = 0
        self.clips = 0
        self._armed = True
        self._refractory_until = 0
        self._new_second()

    def _new_second(self):
        self._n_sec = 0
        self._s_hi = 0
        self._s_lo = 0
        self._s_ml = 0
        self._s_mh = 0
        self._k = 0
        self._max_laf = FLOOR_MDB + self.cal_mdb
        self._max_blk = FLOOR_MDB

    @property
    def laeq(self):
        return self.laeq_mdb / 1000

    @property
    def lafmax(self):
        return self.lafmax_mdb / 1000

    def process(self, block, n=-1):
        """Feed n (default all) int16 samples; returns True when a proposal fires."""
        if n < 0:
            n = len(block)
        if n == 0:
            return False
        if n > MAX_BLOCK:
            raise ValueError("block of %d samples: at most %d per call" % (n, MAX_BLOCK))
        out = self._out
        self._kernel(block, n, self._state, self._coef, out)
        if n != self._tab_n:  # only when the block length changes: builds tables once
            self._tab, self._rise = fast_table(n, self.sample_rate)
            self._db_n = db_mdb(0, n)
            self._tab_n = n
        ehi = out[0]
        elo = out[1]
        m = db_mdb(ehi, elo) - self._db_n + self.cal_mdb
        laf = fast_step(self.laf_mdb, m, self._tab, self._rise)
        self.laf_mdb = laf
        if laf > self._max_laf:
            self._max_laf = laf
        if m > self._max_blk:
            self._max_blk = m
        k = self._k
        if k < len(self._lv):
            self._lv[k] = m
            self._k = k + 1
        self._s_hi += ehi
        lo = self._s_lo + elo
        if lo >= 65536:
            lo -= 65536
            self._s_hi += 1
        self._s_lo = lo
        self._s_ml += out[2] // _LSB_DIV
        self._s_mh += out[3] // _LSB_DIV
        self.clips += out[4]
        self._n_sec += n
        if self._n_sec >= self.sample_rate:
            return self._end_second()
        return False

    def _end_second(self):
        p = self.p
        laeq = db_mdb(self._s_hi, self._s_lo) - db_mdb(0, self._n_sec) + self.cal_mdb
        self.laeq_mdb = laeq
        self.lafmax_mdb = self._max_laf
        ml = self._s_ml
        mh = self._s_mh
        if ml > 0 and mh > 0:
            self.tilt_mdb = 2 * (db_mdb(mh >> 16, mh & 0xFFFF) - db_mdb(ml >> 16, ml & 0xFFFF))
        else:
            self.tilt_mdb = 0
        low = self._max_blk - p["dip_depth_db"] * 1000
        dips = 0
        k = self._k
        for i in range(k):
            if self._lv[i] < low:
                dips += 1
        self.dip_pct = (100 * dips) // k if k else 0
        shout = (laeq >= p["level_min_dba"] * 1000
                 and laeq - self.baseline_mdb >= p["rise_min_db"] * 1000
                 and p["tilt_min_db"] * 1000 <= self.tilt_mdb < p["tilt_max_db"] * 1000
                 and self.dip_pct >= p["dip_min_pct"]
                 and self._max_laf - laeq <= p["crest_max_db"] * 1000)
        self.shout = shout
        if self.seconds == 0:
            self.baseline_mdb = laeq
        elif not shout:  # an argument must not raise its own reference
            diff = laeq - self.baseline_mdb
            tau = p["baseline_up_s"] if diff > 0 else p["baseline_down_s"]
            self.baseline_mdb += diff // tau
        pos = self._hpos
        self.shout_count += (1 if shout else 0) - self._hist[pos]
        self._hist[pos] = 1 if shout else 0
        self._hpos = pos + 1 if pos + 1 < len(self._hist) else 0
        self.seconds += 1
        self._new_second()
        if not self._armed:
            if self.seconds >= self._refractory_until and self.shout_count <= p["release_s_max"]:
                self._armed = True
            return False
        if self.shout_count >= p["shout_s_min"]:
            self._armed = False
            self._refractory_until = self.seconds + p["refractory_s"]
            self.proposals += 1
            return True
        return False
