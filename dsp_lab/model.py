"""Bit-exact numpy model of the firmware's A-weighting kernel, plus float references.

`IntModel` runs many independent signals at once (one per row), sample by sample, with exactly
the integer operations of firmware/dsp/kernel.py, and with `check=True` records the largest
magnitude of every intermediate value so a test can assert it fits a signed 32-bit word (the
ESP32's viper int). `a_weighted_level_db` is an independent float reference: the exact
IEC 61672-1 A-weighting magnitude applied in the frequency domain.
"""

import numpy as np

from dsp_lab.design import a_weight_db

INT32_MAX = 2**31 - 1
_CLIP = 46340


class IntModel:
    """Vectorised over rows. coef: one COEFFS row (first 7 values used)."""

    def __init__(self, rows, coef, check=True):
        self.coef = [int(c) for c in coef[:7]]
        self.state = np.zeros((9, rows), dtype=np.int64)
        self.check = check
        self.peak = 0  # largest |intermediate| seen

    def _chk(self, *vals):
        for v in vals:
            m = int(np.max(np.abs(v)))
            if m > self.peak:
                self.peak = m

    @staticmethod
    def _lp(state, x, e):
        """One-pole low-pass step state += floor((x - state) * e / 2**15), split like the
        kernel; returns (new state, difference, low-part product) for the range check."""
        g = x - state
        q = (g & 0x7FFF) * e
        return state + ((g >> 15) * e + (q >> 15)), g, np.maximum(q, np.abs((g >> 15) * e))

    def block(self, x):
        """x: int16 array (rows, n). Returns int64 array (rows, 5) like the kernel's `out`."""
        b0, b1, e1, e2, e3, e4, el = self.coef
        x1, u0, y1, y2, y3, y4, l1, l2, h1 = (s.copy() for s in self.state)
        rows, n = x.shape
        ehi = np.zeros(rows, np.int64)
        elo = np.zeros(rows, np.int64)
        mlo = np.zeros(rows, np.int64)
        mhi = np.zeros(rows, np.int64)
        clips = np.zeros(rows, np.int64)
        xs = x.astype(np.int64)
        chk = self.check
        for i in range(n):
            xv = xs[:, i]
            p0 = b0 * xv
            p1 = b1 * x1
            u = (p0 + p1) >> 6
            x1 = xv
            d = u - u0
            u0 = u
            outs = []
            ys = []
            for y, e in ((y1, e1), (y2, e2), (y3, e3)):
                hi = (y >> 15) * e
                lo = ((y & 0x7FFF) * e) >> 15
                t = y - (hi + lo) + d
                if chk:
                    outs += [hi, (y & 0x7FFF) * e, hi + lo, y - (hi + lo), d, t]
                d = t - y
                ys.append(t)
            y1, y2, y3 = ys
            l1, g1, q1 = self._lp(l1, y3, el)
            l2, g2, q2 = self._lp(l2, l1, el)
            hi = (y4 >> 15) * e4
            lo = ((y4 & 0x7FFF) * e4) >> 15
            y4n = y4 - (hi + lo) + d
            if chk:
                outs += [p0, p1, p0 + p1, g1, q1, l1, g2, q2, l2, hi,
                         (y4 & 0x7FFF) * e4, y4 - (hi + lo), y4n, d, y4n + 128]
            y4 = y4n
            h1, g3, q3 = self._lp(h1, y4, el)
            hb = y4 - h1
            if chk:
                outs += [g3, q3, h1, hb]
            v = np.clip((y4 + 128) >> 8, -_CLIP, _CLIP)
            clips += np.abs((y4 + 128) >> 8) > _CLIP
            s = v * v
            elo += s & 0xFFFF
            ehi += s >> 16
            mlo += np.abs(l2 >> 8)
            mhi += np.abs(hb >> 8)
            if chk:
                outs += [s, elo, ehi, mlo, mhi]
                self._chk(*outs)
        self.state = np.stack([x1, u0, y1, y2, y3, y4, l1, l2, h1])
        out = np.stack([ehi + (elo >> 16), elo & 0xFFFF, mlo, mhi, clips], axis=1)
        if chk:
            self._chk(out)
        return out

    def run(self, x, block_n):
        """All blocks of x (rows, T): array (rows, nblocks, 5)."""
        outs = [self.block(x[:, i:i + block_n]) for i in range(0, x.shape[1], block_n)]
        return np.stack(outs, axis=1)

    def fits_int32(self):
        return self.peak <= INT32_MAX


def a_weighted_level_db(x, fs, sensitivity_dbfs=-26.0):
    """Float reference: A-weighted level (dB SPL) of int16 samples x, exact IEC curve applied
    in the frequency domain (the signal is taken as one period of itself)."""
    x = np.asarray(x, dtype=float)
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / fs)
    w = np.zeros_like(f)
    w[1:] = 10 ** (a_weight_db(f[1:]) / 20)
    p = np.abs(spec * w) ** 2
    p[1:-1] *= 2  # one-sided spectrum (Nyquist bin counted once for even lengths)
    if len(x) % 2:
        p[-1] *= 2
    ms = p.sum() / len(x) ** 2
    return 10 * np.log10(max(ms, 1e-30)) - 10 * np.log10(32768.0**2 / 2) + 94 - sensitivity_dbfs


def nominal_filter_float(x, coef):
    """The integer chain's nominal transfer function in float (no rounding), in LSB units."""
    from scipy.signal import lfilter

    b0, b1, e1, e2, e3, e4 = (float(c) for c in coef[:6])
    y = lfilter([b0 / 2**14, b1 / 2**14], [1.0], np.asarray(x, dtype=float))
    for e in (e1, e2, e3, e4):
        y = lfilter([1.0, -1.0], [1.0, -(1 - e / 2**15)], y)
    return y
