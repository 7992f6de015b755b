"""`python -m host_sim run SCENARIO [--json] [--plot FILE.png]`: both devices, one timeline.

Prints the timeline (readable, or one JSON object per line with --json), then whether every
expectation in the scenario held. Exit code 0 when they all did, 1 when one failed, 2 for a bad
scenario file or argument.
"""

import argparse
import json
import os
import sys

from host_sim import scenario as scenario_mod
from host_sim import vloop
from host_sim.world import World

QUIET = {"measured_distance"}  # in --json and the plot, too chatty to read


def simulate(scn, flash=None):
    world = World(scn, seed=scn.seed, flash=flash)
    try:
        timeline = vloop.run(world.run(scn.duration))
    finally:
        world.cleanup()
    return timeline


def clock(t):
    h, rest = divmod(round(t, 1), 3600)  # rounded first: 179.97 s is 0:03:00.0, not 0:02:60.0
    m, s = divmod(rest, 60)
    return "%d:%02d:%04.1f" % (h, m, s)


def readable(entry):
    fields = " ".join("%s=%s" % (k, v) for k, v in entry.items()
                      if k not in ("t", "device", "event", "text"))
    text = entry.get("text")
    line = "%s  %-2s %-22s %s" % (clock(entry["t"]), entry.get("device", "--"), entry["event"],
                                  fields)
    if text:
        line += '  "%s"' % text
    return line.rstrip()


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m host_sim run",
                                     description="Run a scenario on two simulated devices.")
    parser.add_argument("scenario", help="scenario file (TOML, see docs/scenarios.md)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--plot", metavar="FILE.png", help="draw the timeline to a PNG file")
    parser.add_argument("--flash", metavar="DIR",
                        help="run on provisioned devices in DIR/A and DIR/B (as written by "
                             "timeout-care write ... dir:DIR/A); they keep config and journal")
    args = parser.parse_args(argv)
    if args.flash and not os.path.isdir(args.flash):
        sys.stderr.write("host_sim run: --flash %s: no such folder\n" % args.flash)
        return 2
    try:
        scn = scenario_mod.load(args.scenario)
    except scenario_mod.ScenarioError as e:
        sys.stderr.write("host_sim run: %s\n" % e)
        return 2
    timeline = simulate(scn, args.flash)
    out = sys.stdout
    if not args.json:
        out.write("# %s\n" % scn.name)
        if scn.description:
            out.write("# %s\n" % scn.description.strip().replace("\n", "\n# "))
    for entry in timeline:
        if entry["event"] in QUIET:
            continue
        out.write((json.dumps(entry) if args.json else readable(entry)) + "\n")
    failures = scn.check(timeline)
    if args.plot:
        from host_sim.plot import plot_timeline

        plot_timeline(timeline, args.plot, scn.name)
    if args.json:
        out.write(json.dumps({"t": timeline[-1]["t"] if timeline else 0.0,
                              "event": "expectations", "failed": failures,
                              "checked": len(scn.expects)}) + "\n")
    else:
        out.write("# expectations: %d checked, %d failed\n" % (len(scn.expects), len(failures)))
        for failure in failures:
            out.write("# FAILED %s\n" % failure)
    return 1 if failures else 0
