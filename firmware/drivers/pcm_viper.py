"""I2S 32-bit slots to int16, as viper code for the device; bit-identical to drivers/pcm.py.

A ptr16 store keeps the low 16 bits, which are already the int16's two's-complement pattern,
so no sign handling is needed on the store side. Must not allocate or keep samples.
"""

import micropython


@micropython.viper  # noqa: F821 (ptr8/ptr16 are viper built-ins)
def _convert(raw, n: int, out):
    src = ptr8(raw)  # noqa: F821
    dst = ptr16(out)  # noqa: F821
    i = 0
    j = 2
    while i < n:
        dst[i] = src[j] | (src[j + 1] << 8)
        i += 1
        j += 4


def slots_to_int16(raw, nbytes, out):
    n = min(nbytes // 4, len(out))
    _convert(raw, n, out)
    return n
