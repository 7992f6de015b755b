"""`python -m host_sim detect FILE.wav [--sensitivity DBFS | --board NAME]
[--engine cpython|micropython] [--kind wearable|home] [--json]`: runs the device's detector over
a recording and prints, per second, the features the rule used (LAeq, LAFmax, rise above the
room's baseline, crest = LAFmax - LAeq, band tilt, dips, the shouting-second verdict and the
window count) and one line per proposal. Never prints samples.

Accepts 16-bit PCM mono WAV at 8 or 16 kHz; anything else is refused with a clear message
(exit code 2), never a traceback.
"""

import argparse
import json
import sys
import wave

import numpy as np

from dsp_lab import evaluate as dsp_eval

# Microphone sensitivity per board (dBFS for a 94 dB SPL tone, peak-referenced).
BOARD_SENSITIVITY = {"sim": -26.0, "esp32": -26.0, "inmp441": -26.0}


class WavError(ValueError):
    pass


def read_wav(path):
    """(int16 samples, rate) of a 16-bit PCM mono 8/16 kHz WAV, or WavError saying why not."""
    try:
        with wave.open(str(path), "rb") as w:
            ch, width, rate, frames = (w.getnchannels(), w.getsampwidth(), w.getframerate(),
                                       w.getnframes())
            if w.getcomptype() != "NONE":
                raise WavError("compressed WAV (%s) not supported" % w.getcomptype())
            if ch != 1:
                raise WavError("%d channels: need mono" % ch)
            if width != 2:
                raise WavError("%d-bit samples: need 16-bit PCM" % (8 * width))
            if rate not in (8000, 16000):
                raise WavError("sample rate %d Hz: need 8000 or 16000" % rate)
            data = w.readframes(frames)
    except FileNotFoundError:
        raise WavError("no such file") from None
    except IsADirectoryError:
        raise WavError("is a directory") from None
    except (wave.Error, EOFError, OSError) as e:
        raise WavError("not a readable WAV file (%s)" % e) from None
    samples = np.frombuffer(data[:len(data) // 2 * 2], dtype="<i2")
    if len(samples) == 0:
        raise WavError("no audio in file")
    return samples, rate


def _parser():
    p = argparse.ArgumentParser(prog="python -m host_sim detect",
                                description="run the device's escalation detector on a WAV")
    p.add_argument("wav")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--sensitivity", type=float, help="mic sensitivity, dBFS at 94 dB SPL")
    g.add_argument("--board", help="take the sensitivity of this board: %s"
                   % ", ".join(sorted(BOARD_SENSITIVITY)))
    p.add_argument("--engine", choices=("cpython", "micropython"), default="micropython")
    p.add_argument("--kind", choices=("wearable", "home"), default="wearable")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    return p


def main(argv):
    p = _parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    sens = -26.0
    if args.board is not None:
        if args.board not in BOARD_SENSITIVITY:
            sys.stderr.write("detect: unknown board %r (known: %s)\n"
                             % (args.board, ", ".join(sorted(BOARD_SENSITIVITY))))
            return 2
        sens = BOARD_SENSITIVITY[args.board]
    elif args.sensitivity is not None:
        sens = args.sensitivity
    if not -80.0 <= sens <= 0.0:
        sys.stderr.write("detect: sensitivity %r dBFS out of range -80..0\n" % sens)
        return 2
    try:
        samples, rate = read_wav(args.wav)
    except WavError as e:
        sys.stderr.write("detect: %s: %s\n" % (args.wav, e))
        return 2
    try:
        records = dsp_eval.run(samples, rate, engine=args.engine, sensitivity=sens,
                               kind=args.kind)
    except (RuntimeError, OSError) as e:
        sys.stderr.write("detect: engine %s failed: %s\n" % (args.engine, e))
        return 1
    out = sys.stdout
    for r in records:
        if r.get("event") == "proposal":
            line = {"t": r["t"], "event": "proposal"}
        else:
            line = {"t": float(r["t"]), "laeq": round(r["laeq_mdb"] / 1000, 1),
                    "lafmax": round(r["lafmax_mdb"] / 1000, 1),
                    "tilt": round(r["tilt_mdb"] / 1000, 1), "dips": r["dip_pct"],
                    "baseline": round(r["baseline_mdb"] / 1000, 1),
                    "rise": round((r["laeq_mdb"] - r["baseline_mdb"]) / 1000, 1),
                    "crest": round((r["lafmax_mdb"] - r["laeq_mdb"]) / 1000, 1),
                    "shout": r["shout"], "shout_count": r["shout_count"]}
        if args.json:
            out.write(json.dumps(line) + "\n")
        elif "event" in line:
            out.write("%7.1f s  PROPOSAL\n" % line["t"])
        else:
            out.write("%7.1f s  LAeq %5.1f  LAFmax %5.1f dB(A)  rise %5.1f  crest %4.1f  "
                      "tilt %5.1f dB  dips %3d%%  count %2d%s\n"
                      % (line["t"], line["laeq"], line["lafmax"], line["rise"], line["crest"],
                         line["tilt"], line["dips"], line["shout_count"],
                         "  shout" if line["shout"] else ""))
    return 0
