"""`make bench`: how many weeks of a typical couple's use the journal ring holds, per board.

A typical week is measured, not guessed: the real firmware runs in the simulator for a busy
day (scenarios/full_day.toml: two time-outs, calls, a proposal) and for a quiet day with six
hours out of network coverage; every line the device's journal writes is counted in bytes.
The week is 2 busy days and 5 quiet ones. The ring keeps at least (segments - 1) / segments of
its bytes (emptying the oldest segment makes room), so that is what the weeks are counted on.
The same week without coalescing repeated entries is printed for comparison.
"""

import os
import tempfile

from host_sim import scenario, vloop
from host_sim.world import World
from store.journal import encode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

QUIET_DAY = """
name = "A quiet day with six hours out of coverage"
duration = "24h"
[[at]]
t = "9h"
network = "down"
[[at]]
t = "15h"
network = "up"
[[expect]]
event = "timeout_started"
count = 0
"""

# (name, ring bytes, segments): boards/*/board.py JOURNAL_BYTES (drivers/board_base.py).
RINGS = [("esp32_devkitc", 131072, 4), ("lilygo_t_a7670e", 131072, 4),
         ("home_unit", 131072, 4), ("sim (and the old fixed ring)", 32768, 4)]


def _day_bytes(scn):
    with tempfile.TemporaryDirectory() as flash:
        world = World(scn, seed=scn.seed, flash=flash)
        try:
            vloop.run(world.run(scn.duration))
        finally:
            world.cleanup()
        entries = world.journaled.get("A", [])
        journal = world.devices["A"].journal
    written = sum(len(encode(e).encode()) for e in entries)
    # Each repeat not written would have been a line like the one it repeats.
    repeat = 0
    if journal._last is not None:
        line = {"seq": journal.seq, "cat": journal._last[0], "t": entries[-1]["t"]}
        line.update(journal._last[1])
        repeat = len(encode(line).encode())
    uncoalesced = written + journal.coalesced * repeat
    return written, uncoalesced, len(entries)


def bench_journal(out):
    busy = _day_bytes(scenario.load(os.path.join(ROOT, "scenarios", "full_day.toml")))
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(QUIET_DAY)
        path = f.name
    try:
        quiet = _day_bytes(scenario.load(path))
    finally:
        os.unlink(path)
    week = 2 * busy[0] + 5 * quiet[0]
    week_raw = 2 * busy[1] + 5 * quiet[1]
    out.write("== journal: weeks of a typical couple's use the ring holds ==\n")
    out.write("busy day %d lines %d bytes; quiet day (6 h out of coverage) %d lines %d bytes; "
              "week (2 busy + 5 quiet) %d bytes, %d without coalescing repeats\n"
              % (busy[2], busy[0], quiet[2], quiet[0], week, week_raw))
    result = {"week_bytes": week, "week_bytes_uncoalesced": week_raw}
    for name, ring, segments in RINGS:
        kept = ring * (segments - 1) // segments
        out.write("%-28s %4d KB ring: %5.1f weeks (%4.1f without coalescing)\n"
                  % (name, ring // 1024, kept / week, kept / week_raw))
        result[name] = kept / week
    return result
