"""Replays a recorded trace of session-core inputs; prints the actions, one JSON line per step.

Runs unchanged under CPython and the MicroPython unix port (the differential test compares the
two outputs with each other and with what the simulator recorded). Input: JSON lines
[kind, data] as recorded by host_sim (boot / rand / step).
"""

import json
import sys

from core.session import Session


def replay(lines, out):
    boots = []
    for line in lines:
        kind, data = json.loads(line)
        if kind == "boot":
            boots.append([data, [], []])
        elif kind == "rand":
            boots[-1][1].append(data["value"])
        elif kind == "step":
            boots[-1][2].append(data)
    for boot, rands, steps in boots:
        pool = list(rands)

        def rand16(pool=pool):
            return pool.pop(0)

        session = Session(boot["cfg"], boot["now"], rand16, boot["snap"], boot["down"])
        for step in steps:
            event = step["event"]
            if event == "boot":
                actions = session.boot_actions(step["now"])
            elif event is None:
                actions = session.tick(step["now"])
            else:
                actions = session.handle(step["now"], event)
            out.write(json.dumps(actions) + "\n")


def main():
    with open(sys.argv[1]) as f:
        replay(f, sys.stdout)


main()
