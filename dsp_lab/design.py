"""Design of the fixed-point A-weighting coefficients (host-side, reproducible).

The firmware holds the resulting integers as literals (firmware/dsp/coeffs.py); a test re-runs
this design and checks that the literals match, so the numbers have a traceable origin. Nothing
here runs on the device.

Structure (see docs/dsp.md): the analog A-weighting H(s) = k s^4 / ((s+w1)^2 (s+w2) (s+w3)
(s+w4)^2) is split into four first-order high-pass sections (poles w1, w1, w2, w3) mapped with the
bilinear transform, whose gain (1+p)/2 is folded into the calibration, and the two high-frequency
poles w4 (12194 Hz, above the Nyquist frequency at 16 kHz) are replaced by a two-tap low-pass FIR
(1 + b z^-1)/(1 + b) fitted by least squares to the A-weighting curve up to 0.8 x Nyquist.
"""

import math

import numpy as np

# IEC 61672-1 pole frequencies, Hz.
F1, F2, F3, F4 = 20.598997, 107.65265, 737.86223, 12194.217
Q_POLE = 15  # E = round(2**15 * (1 - p)): the sections compute y - floor(y * E / 2**15) + dx
Q_FIR = 14  # B0 + B1 = 2**14


def a_weight_db(f):
    """Analog A-weighting in dB (IEC 61672-1 formula, 0 dB at 1 kHz)."""
    f = np.asarray(f, dtype=float)
    f2 = f * f
    ra = (F4**2 * f2 * f2) / ((f2 + F1**2) * np.sqrt((f2 + F2**2) * (f2 + F3**2)) * (f2 + F4**2))
    return 20 * np.log10(ra) + 2.0


def pole_coeff(f_pole, fs):
    w = 2 * np.pi * f_pole
    p = (2 * fs - w) / (2 * fs + w)
    return int(round((1 - p) * (1 << Q_POLE)))


def response_db(coeffs, fs, f):
    """Magnitude of the integer filter's nominal transfer function, normalised at 1 kHz."""
    def raw(freq):
        z1 = np.exp(-2j * np.pi * np.asarray(freq, dtype=float) / fs)
        b0, b1 = coeffs["fir"]
        h = (b0 + b1 * z1) / (1 << Q_FIR)
        for e in coeffs["hp"]:
            p = 1 - e / (1 << Q_POLE)
            h = h * (1 - z1) / (1 - p * z1)
        return np.abs(h)
    return 20 * np.log10(raw(f) / raw(1000.0))


def split_coeff(fs, f_split=1000.0):
    """One-pole low-pass y += (x - y) * EL / 2**15 splitting the shout-feature bands."""
    return int(round((1 - np.exp(-2 * np.pi * f_split / fs)) * (1 << Q_POLE)))


def gain_1k_mdb(coeffs, fs):
    """Gain of the integer chain at 1 kHz (sections without their (1+p)/2 factor), mdB."""
    z1 = np.exp(-2j * np.pi * 1000.0 / fs)
    b0, b1 = coeffs["fir"]
    h = (b0 + b1 * z1) / (1 << Q_FIR)
    for e in coeffs["hp"]:
        h = h * (1 - z1) / (1 - (1 - e / (1 << Q_POLE)) * z1)
    return int(round(20000 * np.log10(abs(h))))


def table_row(fs):
    """The firmware's COEFFS row: (B0, B1, E1, E2, E3, E4, EL, GAIN_1K_MDB)."""
    c = design(fs)
    return tuple(int(v) for v in (*c["fir"], *c["hp"], split_coeff(fs), gain_1k_mdb(c, fs)))


def design(fs):
    hp = [pole_coeff(F1, fs), pole_coeff(F1, fs), pole_coeff(F2, fs), pole_coeff(F3, fs)]
    f = np.geomspace(31.5, 0.8 * fs / 2, 400)
    target = a_weight_db(f)
    best = None
    for b1 in range(0, 1 << (Q_FIR - 1)):
        c = {"hp": hp, "fir": ((1 << Q_FIR) - b1, b1)}
        err = np.max(np.abs(response_db(c, fs, f) - target))
        if best is None or err < best[0]:
            best = (err, c)
        if b1 > 64 and err > best[0] + 3:
            break
    return best[1]


FAST_TAU_MS = 125  # IEC 61672-1 Fast; the device's block: 20 ms (320 samples at 16 kHz)
D_SPAN_MDB = (-80000, 80000, 1000)  # the Fast table's span and step of (block level - LAF)


def log_table():
    """LOG_TAB: 10*log10(1 + k/64) in 1/1000 dB, k = 0..64 (the mantissa table of db_mdb)."""
    return tuple(int(round(10000 * math.log10(1 + k / 64))) for k in range(65))


def fast_table_20ms():
    """(FAST_20MS, FAST_20MS_RISE): 10*log10(a + (1-a) * 10**(d/10)) in mdB over d, with
    a = exp(-T_block / 125 ms), and 10*log10(1-a) beyond the table's top."""
    a = math.exp(-320 * 1000.0 / (16000 * FAST_TAU_MS))  # 320 samples at 16 kHz
    lo, hi, step = D_SPAN_MDB
    tab = []
    for i in range((hi - lo) // step + 1):
        d = (lo + i * step) / 1000.0
        tab.append(int(round(1000 * math.log10(a + (1 - a) * 10 ** (d / 10)) * 10)))
    return tuple(tab), int(round(10000 * math.log10(1 - a)))


def _rows(values, indent=4, width=96):
    out, line = [], " " * indent
    for v in values:
        item = "%d, " % v
        if len(line) + len(item) > width:
            out.append(line.rstrip())
            line = " " * indent
        line += item
    out.append(line.rstrip())
    return "\n".join(out)


def level_tables_source():
    """The level meter's tables as firmware/dsp/coeffs.py holds them."""
    tab, rise = fast_table_20ms()
    return ("LOG_TAB = (\n%s\n)\n\nFAST_20MS = (\n%s\n)\nFAST_20MS_RISE = %d\n"
            % (_rows(log_table()), _rows(tab), rise))


if __name__ == "__main__":
    for fs in (16000, 8000):
        print("    %d: %r," % (fs, table_row(fs)))
    print(level_tables_source())
