"""DSP design and evaluation tools for firmware/dsp (CPython only, never on the device).

design: the fixed-point A-weighting coefficients; model: the bit-exact numpy model of the
kernel and float references; evaluate: run the device's detector (real MicroPython or CPython)
and score scenes; mpy_runner: the MicroPython side of evaluate; scenes: synthetic scenes with
labels (also played by the simulator); voices, corpus, tune: the multi-source speech corpus and
leave-one-source-out tuning (`python -m dsp_lab figures`).
"""
