"""Runs the device's DSP under the real `micropython` command for the host tools and tests.

MicroPython-compatible on purpose (it is executed by the unix port with firmware/ on
MICROPYPATH, never imported by CPython code). Audio comes from a raw little-endian int16 file;
only levels and decisions are printed, never samples.

  kernel RAW RATE BLOCK CLIP [ref]   per-block kernel sums (binary int32), fresh state per clip
  detect RAW RATE SENS KIND BLOCK [PARAMS_JSON]   one JSON line per second and per proposal
  bench RAW RATE BLOCK viper|ref     speed and heap use of the whole detector chain
"""

import sys
from array import array

try:
    import json
except ImportError:
    import ujson as json


def _blocks(path, block_n):
    buf = array("h", [0] * block_n)
    mv = memoryview(buf)
    with open(path, "rb") as f:
        while True:
            got = f.readinto(mv)
            if not got:
                break
            yield buf, got // 2


def cmd_kernel(path, rate, block_n, clip_n, which):
    from dsp.coeffs import COEFFS

    if which == "ref":
        from dsp.kernel_ref import aweight_block
    else:
        from dsp.kernel import aweight_block
    coef = array("i", COEFFS[rate][:7])
    state = array("i", [0] * 9)
    out = array("i", [0] * 5)
    done = 0
    w = sys.stdout.buffer
    for buf, n in _blocks(path, block_n):
        if done % clip_n == 0:
            for i in range(9):
                state[i] = 0
        aweight_block(buf, n, state, coef, out)
        w.write(out)
        done += n


def cmd_detect(path, rate, sens, kind, block_n, overrides):
    from dsp.detector import Detector, params_for

    det = Detector(rate, sens, params_for(kind, overrides))
    t_blocks = 0
    seconds = 0
    for buf, n in _blocks(path, block_n):
        fired = det.process(buf, n)
        t_blocks += n
        if det.seconds != seconds:
            seconds = det.seconds
            print(json.dumps({"t": seconds, "laeq_mdb": det.laeq_mdb, "lafmax_mdb":
                              det.lafmax_mdb, "tilt_mdb": det.tilt_mdb, "dip_pct": det.dip_pct,
                              "baseline_mdb": det.baseline_mdb, "shout": det.shout,
                              "shout_count": det.shout_count, "clips": det.clips}))
        if fired:
            print(json.dumps({"t_samples": t_blocks, "event": "proposal"}))


def cmd_bench(path, rate, block_n, which):
    import gc
    import time

    from dsp.detector import Detector

    kernel = None
    if which == "ref":
        from dsp.kernel_ref import aweight_block as kernel
    det = Detector(rate, -26, None, kernel)
    blocks = []
    for buf, n in _blocks(path, block_n):
        if n == block_n and len(blocks) < rate // block_n:
            blocks.append(array("h", buf))
    det.process(blocks[0])  # builds the per-block-length tables
    gc.collect()
    gc.disable()
    # heap use over blocks that complete no second (the per-block path) ...
    per_second = rate // block_n
    a0 = gc.mem_free()
    for i in range(1, per_second - 2):
        det.process(blocks[i % len(blocks)])
    a1 = gc.mem_free()
    block_bytes = (a0 - a1) / (per_second - 3)
    gc.enable()
    gc.collect()
    gc.disable()
    # ... and over whole seconds (the per-second rule included)
    det.reset()
    det.process(blocks[0])
    gc.collect()
    a0 = gc.mem_free()
    for i in range(per_second * 4):
        det.process(blocks[i % len(blocks)])
    a1 = gc.mem_free()
    sec_bytes = (a0 - a1) / 4.0
    gc.enable()
    t0 = time.ticks_us()
    total = 0
    reps = 0
    while True:
        for b in blocks:
            det.process(b)
            total += len(b)
        reps += 1
        dt = time.ticks_diff(time.ticks_us(), t0)
        if dt > 1500000 or reps > 50:
            break
    print(json.dumps({"samples_per_s": total * 1000000 // dt, "bytes_per_block": block_bytes,
                      "bytes_per_second": sec_bytes, "block": block_n}))


def main(argv):
    cmd = argv[0]
    if cmd == "kernel":
        cmd_kernel(argv[1], int(argv[2]), int(argv[3]), int(argv[4]),
                   argv[5] if len(argv) > 5 else "viper")
    elif cmd == "detect":
        overrides = json.loads(argv[6]) if len(argv) > 6 else None
        cmd_detect(argv[1], int(argv[2]), float(argv[3]), argv[4], int(argv[5]), overrides)
    elif cmd == "bench":
        cmd_bench(argv[1], int(argv[2]), int(argv[3]), argv[4])
    else:
        raise SystemExit("unknown runner command")


main(sys.argv[1:])
