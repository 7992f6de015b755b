"""`python -m dsp_lab figures [--full] [--json]`: the detector's figures on the multi-source
corpus: leave-one-source-out (held-out) results per source and overall, the parameters chosen
on all sources and the sources each threshold is needed by, the device's current parameters
per source, and a curve of both figures against the main threshold (level_min_dba).

--full uses the larger corpus (docs/dsp.md); the default is the small one `make test` checks.
"""

import argparse
import json
import sys

from dsp_lab import tune


def figures(full=False, log=None):
    data = tune.measure(tune.FULL_CORPUS if full else tune.TEST_CORPUS, log=log)
    out = {"corpus": "full" if full else "test", "kinds": {}}
    for kind in tune.KINDS:
        rows = tune.loso(data, kind)
        chosen, need = tune.tune_all(data, kind)
        device = tune._firmware_params(kind)
        esc = sum(r["escalation"] for r in rows)
        hit = sum(r["proposed"] for r in rows)
        hours = sum(r["everyday"] for r in rows) * 60.0 / 3600.0
        false = sum(r["false"] for r in rows)
        out["kinds"][kind] = {
            "held_out": rows,
            "held_out_all": {"escalation": esc, "proposed": hit,
                             "proposed_pct": round(100.0 * hit / esc, 1) if esc else 0.0,
                             "false": false, "everyday_hours": round(hours, 2)},
            "chosen_on_all": chosen, "needed_by": need,
            "device": tune.score(data, kind, device),
            "device_params": {k: device[k] for k in tune.GRID},
            "curve_level_min_dba": tune.curve(data, kind, device),
        }
    return out


def _print(res, w):
    w("corpus: %s\n" % res["corpus"])
    for kind, k in res["kinds"].items():
        w("\n== %s ==\n" % kind)
        w("leave-one-source-out (tuned without the source, scored on it):\n")
        for r in k["held_out"]:
            w("  held out %-9s escalation %2d/%2d proposed within %d s, everyday %2d scenes: "
              "%d false (%.2f/h)%s\n" % (r["held_out"], r["proposed"], r["escalation"],
                                       tune.WITHIN_S, r["everyday"], r["false"],
                                       r["false_per_hour"],
                                       ("  missed seeds %s" % r["missed"] if r["missed"] else "")
                                       + ("  false in %s" % r["false_scenes"]
                                          if r["false_scenes"] else "")))
        a = k["held_out_all"]
        w("  overall: %d/%d = %.1f %% proposed, %d false in %.2f h of everyday scenes\n"
          % (a["proposed"], a["escalation"], a["proposed_pct"], a["false"],
             a["everyday_hours"]))
        w("chosen on all sources: %s\n" % json.dumps(k["chosen_on_all"], sort_keys=True))
        w("sources that need each threshold: %s\n" % json.dumps(k["needed_by"], sort_keys=True))
        w("device parameters %s:\n" % json.dumps(k["device_params"], sort_keys=True))
        for src, s in k["device"].items():
            w("  %-9s escalation %3d/%3d, false %d in %.2f h\n"
              % (src, s["proposed"], s["escalation"], s["false"], s["hours"]))
        w("curve against level_min_dba (device parameters otherwise):\n")
        for c in k["curve_level_min_dba"]:
            w("  %3d dB(A): %5.1f %% proposed, %6.2f false/h\n"
              % (c["value"], c["proposed_pct"], c["false_per_hour"]))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m dsp_lab")
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("figures", help="held-out and device figures on the speech corpus")
    f.add_argument("--full", action="store_true", help="the larger corpus (slow)")
    f.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    try:
        res = figures(args.full, log=lambda s: sys.stderr.write(s + "\n"))
    except RuntimeError as e:
        sys.stderr.write("dsp_lab: %s\n" % e)
        return 2
    if args.json:
        sys.stdout.write(json.dumps(res) + "\n")
    else:
        _print(res, sys.stdout.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
