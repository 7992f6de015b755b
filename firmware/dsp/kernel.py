"""The per-sample A-weighting and band-split kernel as viper code; it must not allocate or keep
audio.

`aweight_block(samples, n, state, coef, out)` runs n int16 samples (array('h')) through the
integer A-weighting chain and writes per-block sums to `out` (array('i')):
out[0], out[1]: sum of squared A-weighted samples (int16 LSB units) as hi * 2**16 + lo, lo < 2**16;
out[2], out[3]: sum of |low band| and |high band| (LSB units) for the shout feature: low =
two one-pole 1 kHz low-passes after the 20-108 Hz high-passes, high = the A-weighted signal
minus its 1 kHz low-pass;
out[4]: samples whose A-weighted value was clipped at +/-46340 (beyond the microphone's AOP).
`state` (array('i'), 9 words) carries the filter memory between blocks; `coef` (array('i'),
7 words) holds one row of dsp.coeffs. Arithmetic matches dsp.kernel_ref and dsp_lab.model
bit for bit; every intermediate fits a signed 32-bit word (proved by the model), so it is
correct on the ESP32's 32-bit viper ints. ptr16/ptr32 loads are zero-extended on 64-bit hosts
and ptr16 on every target: both are sign-extended by hand.
"""

import micropython


@micropython.viper  # noqa: F821 (ptr16/ptr32 are viper built-ins)
def aweight_block(samples, n: int, state, coef, out):
    src = ptr16(samples)  # noqa: F821
    st = ptr32(state)  # noqa: F821
    cf = ptr32(coef)  # noqa: F821
    res = ptr32(out)  # noqa: F821
    sh = 31
    sgn = 1 << sh  # 2**31 on 64-bit hosts; wraps to INT_MIN (identity below) on 32-bit words
    b0 = int(cf[0])
    b1 = int(cf[1])
    e1 = int(cf[2])
    e2 = int(cf[3])
    e3 = int(cf[4])
    e4 = int(cf[5])
    el = int(cf[6])
    x1 = (int(st[0]) ^ sgn) - sgn
    u0 = (int(st[1]) ^ sgn) - sgn
    y1 = (int(st[2]) ^ sgn) - sgn
    y2 = (int(st[3]) ^ sgn) - sgn
    y3 = (int(st[4]) ^ sgn) - sgn
    y4 = (int(st[5]) ^ sgn) - sgn
    l1 = (int(st[6]) ^ sgn) - sgn
    l2 = (int(st[7]) ^ sgn) - sgn
    h1 = (int(st[8]) ^ sgn) - sgn
    ehi = 0
    elo = 0
    mlo = 0
    mhi = 0
    clips = 0
    i = 0
    while i < n:
        x = (int(src[i]) ^ 0x8000) - 0x8000
        u = (b0 * x + b1 * x1) >> 6
        x1 = x
        d = u - u0
        u0 = u
        t = y1 - ((y1 >> 15) * e1 + (((y1 & 0x7FFF) * e1) >> 15)) + d
        d = t - y1
        y1 = t
        t = y2 - ((y2 >> 15) * e2 + (((y2 & 0x7FFF) * e2) >> 15)) + d
        d = t - y2
        y2 = t
        t = y3 - ((y3 >> 15) * e3 + (((y3 & 0x7FFF) * e3) >> 15)) + d
        d = t - y3
        y3 = t
        g = y3 - l1
        l1 = l1 + ((g >> 15) * el + (((g & 0x7FFF) * el) >> 15))
        g = l1 - l2
        l2 = l2 + ((g >> 15) * el + (((g & 0x7FFF) * el) >> 15))
        y4 = y4 - ((y4 >> 15) * e4 + (((y4 & 0x7FFF) * e4) >> 15)) + d
        g = y4 - h1
        h1 = h1 + ((g >> 15) * el + (((g & 0x7FFF) * el) >> 15))
        v = (y4 + 128) >> 8
        if v > 46340:
            v = 46340
            clips += 1
        elif v < -46340:
            v = -46340
            clips += 1
        s = v * v
        elo += s & 0xFFFF
        ehi += s >> 16
        a = l2 >> 8
        if a < 0:
            a = 0 - a
        mlo += a
        a = (y4 - h1) >> 8
        if a < 0:
            a = 0 - a
        mhi += a
        i += 1
    st[0] = x1
    st[1] = u0
    st[2] = y1
    st[3] = y2
    st[4] = y3
    st[5] = y4
    st[6] = l1
    st[7] = l2
    st[8] = h1
    res[0] = ehi + (elo >> 16)
    res[1] = elo & 0xFFFF
    res[2] = mlo
    res[3] = mhi
    res[4] = clips
