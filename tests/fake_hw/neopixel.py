"""A fake neopixel module: remembers the colours written."""

WRITTEN = []


class NeoPixel:
    def __init__(self, pin, n, bpp=3, timing=1):
        self.buf = [(0, 0, 0)] * n

    def __setitem__(self, i, v):
        self.buf[i] = v

    def write(self):
        WRITTEN.append(tuple(self.buf[0]))
