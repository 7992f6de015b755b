"""`python -m host_sim campaign`: many random stories with random faults, every invariant checked.

Each run draws, from its own seed, a story (who presses, who leaves and comes back, moods, how
the contact persons answer the phone) and faults at random moments (reboots and power cuts in
the middle of anything, network and link outages and flaps, GPS loss and outliers, strangers'
texts, replayed radio frames). The run is an ordinary scenario: the world checks the invariants
of host_sim/invariants.py at its end. A failing run prints its seed and the one line that
replays it; `--write FILE` saves the story as a scenario file to study or keep as a test.

    python -m host_sim campaign --runs 200 --seed 1       # runs with seeds 1 .. 200
    python -m host_sim campaign --only 137 --write s.toml # one seed, its story as a file
"""

import argparse
import json
import multiprocessing
import os
import random
import sys
import time

from host_sim import scenario as scenario_mod

CONTACT_ANSWERS = ("answer", "no_answer", "busy", "off")
MOODS = ("calm", "calm", "so-so", "angry", "none")


def _clock(seconds):
    seconds = max(0, int(seconds))
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


def story(seed):
    """The scenario data (as a TOML file would hold it) of one campaign run."""
    rng = random.Random(seed)
    timeout_min = rng.choice((10, 15, 20))
    couple = {
        "leaver": rng.choice(("A", "B", "presser")),
        "timeout_min": timeout_min,
        "mood_interval_min": rng.choice((4, 5, 8)),
        "max_extensions": rng.randint(0, 2),
        "extension_min": rng.choice((5, 10)),
        "walk_away_grace_s": rng.choice((120, 180, 300)),
        "too_close_tolerance_s": rng.choice((30, 60, 90)),
    }
    people = {}
    for who in ("A", "B"):
        people[who] = {
            "moods": [rng.choice(MOODS) for _ in range(rng.randint(1, 4))],
            "mood_delay": "%ds" % rng.randint(5, 40),
            "contact_answers": [rng.choice(CONTACT_ANSWERS) for _ in range(3)],
        }
    steps = []
    presser = rng.choice(("A", "B"))
    press_t = rng.randint(30, 240)
    steps.append((press_t, presser, "press"))
    if rng.random() < 0.2:  # both press at nearly the same moment
        steps.append((press_t + rng.choice((0, 0.1, 0.5, 2)), "B" if presser == "A" else "A",
                      "press"))
    leaver = presser if couple["leaver"] == "presser" else couple["leaver"]
    steps.append((press_t + rng.randint(10, 60), leaver, "walk %d" % rng.choice((250, 400, 800))))
    end_s = press_t + (timeout_min + couple["max_extensions"] * couple["extension_min"]) * 60
    if rng.random() < 0.4:  # comes back too early
        steps.append((press_t + rng.randint(4, max(5, timeout_min - 2)) * 60, leaver,
                      "walk home"))
    else:
        steps.append((press_t + timeout_min * 60 + rng.randint(30, 120), leaver, "walk home"))
    faults = []
    for _ in range(rng.randint(1, 4)):
        t = rng.uniform(press_t - 20, end_s + 120)
        kind = rng.choice(("reboot", "powercut", "network", "link", "gps", "outlier",
                           "stranger", "replay", "flap"))
        who = rng.choice(("A", "B"))
        if kind in ("reboot", "powercut"):
            faults.append((t, who, "%s %ds" % (kind, rng.randint(5, 240))))
        elif kind in ("network", "link"):
            faults.append((t, None, (kind, "down")))
            faults.append((t + rng.randint(20, 900), None, (kind, "up")))
        elif kind == "flap":
            for i in range(rng.randint(2, 5)):
                start = t + i * rng.randint(20, 90)
                faults.append((start, None, ("network", "down")))
                faults.append((start + rng.randint(3, 40), None, ("network", "up")))
        elif kind == "gps":
            faults.append((t, who, "gps off"))
            faults.append((t + rng.randint(30, 1200), who, "gps on"))
        elif kind == "outlier":
            faults.append((t, who, "outlier %d %s" % (rng.choice((-600, -300, 300, 900)),
                                                      rng.choice(("north", "east")))))
        elif kind == "stranger":
            faults.append((t, None, ("sms_from_stranger", who)))
        else:
            faults.append((t, None, ("replay", who)))
    at = []
    for t, who, what in sorted(steps + faults, key=lambda s: s[0]):
        step = {"t": "%.1fs" % max(1.0, t)}
        if who is None:
            step[what[0]] = what[1]
        else:
            step[who] = what
        at.append(step)
    # Quiet at the end, so that every chain and every delivery has had time to finish.
    duration = end_s + 20 * 60
    return {"name": "Campaign run, seed %d" % seed, "duration": "%ds" % duration, "seed": seed,
            "couple": couple, "A": people["A"], "B": people["B"], "at": at}


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(v)


def to_toml(data):
    """A scenario file for the story (only the shapes story() makes)."""
    lines = []
    for key in ("name", "duration", "seed"):
        lines.append("%s = %s" % (key, _toml_value(data[key])))
    for table in ("couple", "A", "B"):
        lines += ["", "[%s]" % table]
        lines += ["%s = %s" % (k, _toml_value(v)) for k, v in data[table].items()]
    for step in data["at"]:
        lines += ["", "[[at]]"] + ["%s = %s" % (k, _toml_value(v)) for k, v in step.items()]
    return "\n".join(lines) + "\n"


def run_one(seed):
    """(seed, [failure messages]) for one campaign run."""
    from host_sim.run_cli import simulate

    scn = scenario_mod.Scenario(story(seed), "campaign seed %d" % seed)
    timeline = simulate(scn)
    failures = scn.check(timeline)
    failures += ["firmware crash: %s" % e.get("error") for e in timeline
                 if e["event"] == "firmware_crash"]
    failures += ["fault journaled: %s" % e.get("what") for e in timeline
                 if e["event"] == "fault"]
    return seed, failures


def campaign(seeds, jobs=1, out=sys.stdout, progress=None):
    """Run every seed; returns {seed: failures} for the runs that failed. progress: a stream
    that is told each failure as it is found, and the count every 500 runs (a long campaign
    shows what it finds before it ends)."""
    failed = {}

    def seen(done, seed, failures):
        if failures:
            failed[seed] = failures
            if progress is not None:
                progress.write("seed %d failed: %s\n" % (seed, failures[0]))
        if progress is not None and done % 500 == 0:
            progress.write("campaign: %d of %d runs, %d failed\n" % (done, len(seeds),
                                                                   len(failed)))
        if progress is not None:
            progress.flush()

    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.imap_unordered(run_one, seeds)
            for done, (seed, failures) in enumerate(results, 1):
                seen(done, seed, failures)
    else:
        for done, seed in enumerate(seeds, 1):
            seen(done, *run_one(seed))
    for seed in sorted(failed):
        out.write("FAILED seed %d: %s\n" % (seed, failed[seed][0]))
        for more in failed[seed][1:4]:
            out.write("    %s\n" % more)
        out.write("    replay: python -m host_sim campaign --only %d --write seed%d.toml && "
                  "python -m host_sim run seed%d.toml\n" % (seed, seed, seed))
    return failed


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m host_sim campaign",
                                     description="Random stories with random faults; every "
                                                 "invariant checked after each run.")
    parser.add_argument("--runs", type=int, default=200, help="how many runs (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="first seed (default 1)")
    parser.add_argument("--only", type=int, metavar="SEED", help="run this one seed")
    parser.add_argument("--write", metavar="FILE.toml", help="with --only: save the story")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes (default: one per core)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.jobs < 1:
        parser.error("--runs and --jobs must be at least 1")
    if args.only is not None:
        if args.write:
            with open(args.write, "w") as f:
                f.write(to_toml(story(args.only)))
        seeds = [args.only]
    else:
        seeds = list(range(args.seed, args.seed + args.runs))
    start = time.monotonic()
    failed = campaign(seeds, min(args.jobs, len(seeds)), progress=sys.stderr)
    took = time.monotonic() - start
    sys.stdout.write("campaign: %d runs (seeds %d..%d), %d failed, %.0f runs per minute\n" % (
        len(seeds), seeds[0], seeds[-1], len(failed), len(seeds) / max(took, 1e-9) * 60))
    return 1 if failed else 0
