"""`python -m host_sim bench` (`make bench`): prints the project's performance figures.

Sections are plain functions in BENCHES, each printing its own figures; other areas append
theirs. The DSP section times the whole detector chain under the real `micropython` command
(viper kernel and plain-Python kernel) and the numpy model, and reports heap use per block.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from dsp_lab import evaluate as dsp_eval
from host_sim import micropython_exe

ESP32_MHZ = 80  # the wearables' clock (drivers/real_board.py, CPU_HZ)
# An estimate, not a measurement: viper on the Xtensa LX6 keeps fewer locals in registers than
# on x86-64, so we assume it needs 3x the host's cycles per sample (host cycles = host clock /
# measured samples per second). Replace with a figure from a board when one is measured.
ESP32_CYCLE_FACTOR = 3.0


def _host_mhz():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1])
    except (OSError, ValueError):
        pass
    return None


def _dsp_audio(fs, seconds=1.0):
    rng = np.random.default_rng(7)
    t = np.arange(int(fs * seconds)) / fs
    x = 3000 * np.sin(2 * np.pi * 440 * t) + 2000 * rng.standard_normal(len(t))
    return np.clip(x, -32768, 32767).astype("<i2")


def _mpy_bench(path, fs, which):
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join([str(dsp_eval.ROOT / "firmware"), ".frozen"])
    cmd = [micropython_exe(), "-X", "heapsize=110000", str(dsp_eval.RUNNER), "bench",
           path, str(fs), str(dsp_eval.BLOCK[fs]), which]
    res = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(res.stderr.decode(errors="replace")[-300:])
    return json.loads(res.stdout.decode().strip().splitlines()[-1])


def bench_dsp(out=sys.stdout):
    from dsp_lab.model import IntModel

    sys.path.insert(0, str(dsp_eval.ROOT / "firmware"))
    from dsp.coeffs import COEFFS

    fs = 16000
    x = _dsp_audio(fs)
    with tempfile.NamedTemporaryFile(suffix=".raw", delete=False) as f:
        f.write(x.tobytes())
        path = f.name
    try:
        viper = _mpy_bench(path, fs, "viper")
        plain = _mpy_bench(path, fs, "ref")
    finally:
        os.unlink(path)
    rows = 64
    xs = np.tile(x[:3200], (rows, 1))
    m = IntModel(rows, COEFFS[fs], check=False)
    t0 = time.perf_counter()
    m.run(xs, dsp_eval.BLOCK[fs])
    model_sps = rows * xs.shape[1] / (time.perf_counter() - t0)
    out.write("== dsp: A-weighted level meter + escalation detector (16 kHz, 20 ms blocks) ==\n")
    out.write("micropython, viper kernel : %10.0f samples/s  = %6.0fx real time\n"
              % (viper["samples_per_s"], viper["samples_per_s"] / fs))
    out.write("micropython, plain kernel : %10.0f samples/s  = %6.0fx real time\n"
              % (plain["samples_per_s"], plain["samples_per_s"] / fs))
    out.write("numpy bit-exact model     : %10.0f samples/s  = %6.1fx real time"
              " (%d signals at once)\n" % (model_sps, model_sps / fs, rows))
    out.write("heap allocated per block  : %.1f bytes (viper), %.1f bytes (plain); "
              "per second incl. the rule: %.1f bytes\n"
              % (viper["bytes_per_block"], plain["bytes_per_block"], viper["bytes_per_second"]))
    mhz = _host_mhz()
    if mhz:
        cyc = ESP32_CYCLE_FACTOR * mhz * 1e6 / viper["samples_per_s"]
        share = 100.0 * fs * cyc / (ESP32_MHZ * 1e6)
        out.write("ESP32 80 MHz estimate     : ~%.1f%% of one core (~%.0f cycles/sample = %.1fx"
                  " the host's %.0f MHz cycles; an estimate, see docs/dsp.md)\n"
                  % (share, cyc, ESP32_CYCLE_FACTOR, mhz))
    else:
        out.write("ESP32 80 MHz estimate     : n/a (host clock unknown)\n")
    return {"viper_sps": viper["samples_per_s"], "plain_sps": plain["samples_per_s"],
            "model_sps": model_sps, "bytes_per_block": viper["bytes_per_block"]}


def bench_campaign(out):
    """Runs per minute of the fault campaign (both cores), on seeds 1..40."""
    import os
    import time

    from host_sim import campaign

    seeds = list(range(1, 41))
    start = time.monotonic()
    failed = campaign.campaign(seeds, jobs=os.cpu_count() or 1, out=out)
    took = time.monotonic() - start
    out.write("== fault campaign ==\n%d runs in %.1f s: %.0f runs per minute, %d failed\n"
              % (len(seeds), took, len(seeds) / took * 60, len(failed)))


def _system_benches():
    from host_sim.bench_system import (bench_alloc, bench_boot_heap, bench_real_boards,
                                       bench_simulator)

    from host_sim.bench_journal import bench_journal
    from host_sim.bench_texts import bench_texts
    from host_sim.power import bench_power

    return [bench_simulator, bench_boot_heap, bench_real_boards, bench_alloc, bench_journal,
            bench_power, bench_texts, bench_campaign]


BENCHES = [bench_dsp] + _system_benches()


def main(argv=None):
    for fn in BENCHES:
        try:
            fn(sys.stdout)
        except Exception as e:  # one broken section must not hide the others
            sys.stdout.write("%s: failed: %s\n" % (fn.__name__, e))
            return 1
    return 0
