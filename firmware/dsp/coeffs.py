"""Integer A-weighting coefficients per sample rate; data only, no arithmetic.

Produced by dsp_lab/design.py (a test checks they still match). Layout of each entry:
(B0, B1, E1, E2, E3, E4, EL, GAIN_1K_MDB):
- B0, B1: two-tap low-pass FIR standing in for the 12194 Hz poles, B0 + B1 = 2**14;
- E1..E4: first-order high-pass sections at 20.6, 20.6, 107.7 and 737.9 Hz (bilinear),
  E = 2**15 * (1 - pole);
- EL: the 1 kHz one-pole low-passes that split the shout-feature bands, EL = 2**15 * (1 - pole);
- GAIN_1K_MDB: gain of the integer chain at 1 kHz in 1/1000 dB (folded into the calibration).
"""

COEFFS = {
    16000: (14466, 1918, 264, 264, 1357, 8293, 10642, -542),
    8000: (15635, 749, 526, 526, 2658, 14723, 17828, 819),
}
SAMPLE_RATES = (16000, 8000)
