"""The same A-weighting kernel as dsp.kernel in plain Python (no viper); must not allocate
buffers or keep audio.

Used where viper is not available (CPython) and as the "without viper" figure in the bench.
Same signature and bit-exact output as dsp.kernel.aweight_block; see there for the layout.
"""


def aweight_block(samples, n, state, coef, out):
    b0 = coef[0]
    b1 = coef[1]
    e1 = coef[2]
    e2 = coef[3]
    e3 = coef[4]
    e4 = coef[5]
    el = coef[6]
    x1 = state[0]
    u0 = state[1]
    y1 = state[2]
    y2 = state[3]
    y3 = state[4]
    y4 = state[5]
    l1 = state[6]
    l2 = state[7]
    h1 = state[8]
    ehi = elo = mlo = mhi = clips = 0
    i = 0
    while i < n:
        x = samples[i]
        i += 1
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
        mlo += abs(l2 >> 8)
        mhi += abs((y4 - h1) >> 8)
    state[0] = x1
    state[1] = u0
    state[2] = y1
    state[3] = y2
    state[4] = y3
    state[5] = y4
    state[6] = l1
    state[7] = l2
    state[8] = h1
    out[0] = ehi + (elo >> 16)
    out[1] = elo & 0xFFFF
    out[2] = mlo
    out[3] = mhi
    out[4] = clips
