"""I2S 32-bit slots to int16 samples: the reference conversion, pure Python.

The INMP441 sends 24-bit two's-complement samples left-aligned in 32-bit little-endian slots;
the detector takes int16, so each sample keeps its top 16 bits (bytes 2 and 3 of the slot,
see docs/dsp.md). Must not keep or print samples. drivers/pcm_viper.py is the fast twin.
"""


def slots_to_int16(raw, nbytes, out):
    """Convert nbytes of 32-bit slots from `raw` into array('h') `out`; returns samples
    written (a trailing partial slot is ignored; never more than len(out))."""
    n = min(nbytes // 4, len(out))
    for i in range(n):
        v = raw[4 * i + 2] | (raw[4 * i + 3] << 8)
        out[i] = v - 65536 if v & 0x8000 else v
    return n
