"""`python -m host_sim nmea FILE [--engine cpython|micropython] [--json] [--chunk N]`.

Feeds a GNSS capture through the device's NMEA parser in UART-sized chunks and prints one line
per position fix the device would use, then a summary (architecture contract 5). The
micropython engine runs the same parser under the real MicroPython unix port.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from host_sim import micropython_exe

ROOT = Path(__file__).resolve().parent.parent
DUMP = Path(__file__).resolve().parent / "nmea_dump.py"


def _lines_cpython(path, chunk):
    from host_sim.nmea_dump import dump

    out = []
    dump(str(path), chunk, out.append)
    return out


def _lines_micropython(path, chunk):
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join([str(ROOT / "firmware"), ".frozen"])
    cmd = [micropython_exe(), "-X", "heapsize=110000", str(DUMP), str(path), str(chunk)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=600, env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("cannot run micropython: %s" % e) from e
    if proc.returncode != 0:
        raise RuntimeError("micropython failed: %s" % proc.stderr.decode(errors="replace")[-500:])
    return proc.stdout.decode().splitlines(keepends=True)


def to_record(d):
    """Device integers -> the contract's JSON fields (degrees, HDOP as a number)."""
    if d.get("event") == "summary":
        from gps.nmea import STAT_KEYS

        out = {"event": "summary"}
        for k in STAT_KEYS:
            out[k] = d.get(k)
        return out
    hd = d.get("hdop_x100")
    return {"lat": round(d["lat_e7"] / 1e7, 7), "lon": round(d["lon_e7"] / 1e7, 7),
            "fix": d.get("fix"), "hdop": None if hd is None else hd / 100,
            "sats": d.get("sats"), "time": d.get("time"), "quality": d.get("quality")}


def records(path, engine="cpython", chunk=64):
    """Every fix and the summary as contract-5 dicts, from either engine."""
    fw = str(ROOT / "firmware")
    if fw not in sys.path:
        sys.path.insert(0, fw)
    lines = (_lines_micropython if engine == "micropython" else _lines_cpython)(path, chunk)
    return [to_record(json.loads(line)) for line in lines if line.strip()]


def _text(r):
    if r.get("event") == "summary":
        return "summary: " + ", ".join("%s=%s" % (k, v) for k, v in r.items() if k != "event")
    hd = "-" if r["hdop"] is None else "%.2f" % r["hdop"]
    return "%s  %12.7f %12.7f  fix=%s hdop=%s sats=%s" % (
        r["time"] or "--:--:--", r["lat"], r["lon"], r["fix"], hd, r["sats"])


def main(argv):
    ap = argparse.ArgumentParser(prog="python -m host_sim nmea",
                                 description="feed a GNSS capture through the device's parser")
    ap.add_argument("file")
    ap.add_argument("--engine", choices=("cpython", "micropython"), default="cpython")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--chunk", type=int, default=64, help="bytes per UART read (default 64)")
    try:
        a = ap.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    if a.chunk < 1:
        sys.stderr.write("nmea: --chunk must be >= 1\n")
        return 2
    if not os.path.isfile(a.file):
        sys.stderr.write("nmea: no such file: %s\n" % a.file)
        return 2
    try:
        recs = records(a.file, a.engine, a.chunk)
    except (OSError, RuntimeError) as e:
        sys.stderr.write("nmea: %s\n" % e)
        return 1
    try:
        for r in recs:
            sys.stdout.write((json.dumps(r) if a.json else _text(r)) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # `| head` closed the pipe: not an error of ours
        sys.stderr.close()
    return 0
