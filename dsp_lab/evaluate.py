"""Runs the device's detector over int16 audio on the host and scores scenes against labels.

Two engines: "micropython" runs firmware/dsp under the real unix port (viper kernel, fast);
"cpython" runs the same firmware modules in this interpreter (plain-Python kernel, slow but
bit-identical). Both return the same records: one dict per second and one per proposal.
"""

import json
import os
import subprocess
import sys
import tempfile
from array import array
from pathlib import Path

from host_sim import micropython_exe

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "dsp_lab" / "mpy_runner.py"
BLOCK = {16000: 320, 8000: 160}  # 20 ms blocks: the size the device shell reads from I2S


def _firmware_path():
    fw = str(ROOT / "firmware")
    if fw not in sys.path:
        sys.path.insert(0, fw)


def run_micropython(samples, fs, sensitivity=-26.0, kind="wearable", overrides=None):
    with tempfile.NamedTemporaryFile(suffix=".raw", delete=False) as f:
        f.write(samples.astype("<i2").tobytes())
        path = f.name
    try:
        env = dict(os.environ)
        env["MICROPYPATH"] = os.pathsep.join([str(ROOT / "firmware"), ".frozen"])
        cmd = [micropython_exe(), "-X", "heapsize=110000", str(RUNNER), "detect", path,
               str(fs), repr(float(sensitivity)), kind, str(BLOCK[fs])]
        if overrides:
            cmd.append(json.dumps(overrides))
        res = subprocess.run(cmd, capture_output=True, env=env, timeout=600)
    finally:
        os.unlink(path)
    if res.returncode != 0:
        err = (res.stderr or res.stdout).decode(errors="replace")[-400:]
        raise RuntimeError("micropython detector failed: %s" % err)
    return _records([json.loads(line) for line in res.stdout.splitlines() if line.strip()], fs)


def run_cpython(samples, fs, sensitivity=-26.0, kind="wearable", overrides=None):
    _firmware_path()
    from dsp.detector import Detector, params_for
    from dsp.kernel_ref import aweight_block

    det = Detector(fs, sensitivity, params_for(kind, overrides), kernel=aweight_block)
    raw = []
    n = BLOCK[fs]
    seconds = 0
    done = 0
    for i in range(0, len(samples), n):
        blk = array("h", samples[i:i + n].astype("<i2").tobytes())
        fired = det.process(blk)
        done += len(blk)
        if det.seconds != seconds:
            seconds = det.seconds
            raw.append({"t": seconds, "laeq_mdb": det.laeq_mdb, "lafmax_mdb": det.lafmax_mdb,
                        "tilt_mdb": det.tilt_mdb, "dip_pct": det.dip_pct,
                        "baseline_mdb": det.baseline_mdb, "shout": det.shout,
                        "shout_count": det.shout_count, "clips": det.clips})
        if fired:
            raw.append({"t_samples": done, "event": "proposal"})
    return _records(raw, fs)


def _records(raw, fs):
    out = []
    for r in raw:
        if r.get("event") == "proposal":
            out.append({"t": round(r["t_samples"] / fs, 2), "event": "proposal"})
        else:
            out.append(r)
    return out


def run(samples, fs, engine="micropython", **kw):
    if engine == "micropython":
        return run_micropython(samples, fs, **kw)
    if engine == "cpython":
        return run_cpython(samples, fs, **kw)
    raise ValueError("engine must be cpython or micropython")


def proposals(records):
    return [r["t"] for r in records if r.get("event") == "proposal"]


def score(info, records):
    """Scene verdict: ok, plus the first proposal time and delay after the shouting onset."""
    props = proposals(records)
    first = props[0] if props else None
    if info["label"] == "escalation":
        delay = None if first is None else first - info["onset_s"]
        ok = delay is not None and 0 <= delay <= 20
        return {"ok": ok, "first": first, "delay_s": delay, "proposals": len(props)}
    return {"ok": not props, "first": first, "proposals": len(props)}
