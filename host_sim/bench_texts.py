"""`make bench`: the far link's texts per device, for a typical week and under a flood.

Both are simulator runs of the real firmware (the budget is link/nearfar.py's, docs/link.md):
- a week: on working days both partners are away from 8:30 to 17:30 (apart, out of BLE range),
  and there are two time-outs of an hour in the evening in which the leaver walks 300 m away;
- an attack: during a time-out with the partners apart, the hostile partner's device sends 100
  authentic frames at once (states saying no time-out runs there, each of which used to make
  the other device answer with a text), as texts from its SIM.
"""

from host_sim import scenario, vloop
from host_sim.world import World

_DAY_H = 24


def _week():
    steps = []
    for day in range(5):  # Monday to Friday
        base = day * _DAY_H
        steps += [{"t": "%dh30m" % (base + 8), "A": "walk 4000"},
                  {"t": "%dh45m" % (base + 8), "B": "walk 3000"},
                  {"t": "%dh30m" % (base + 17), "A": "walk home"},
                  {"t": "%dh15m" % (base + 17), "B": "walk home"}]
    for hour, who in ((_DAY_H + 20, "A"), (3 * _DAY_H + 21, "B")):  # Tuesday, Thursday
        steps += [{"t": "%dh" % hour, who: "press"},
                  {"t": "%dh01m" % hour, who: "walk 300"},
                  {"t": "%dh05m" % (hour + 1), who: "walk home"}]
    return {"name": "bench: a week", "duration": "168h", "at": steps,
            "couple": {"leaver": "presser"},
            "expect": [{"event": "timeout_ended", "min": 2}]}


def _flood():
    return {"name": "bench: a flood of 100 forged frames", "duration": "30m", "hostile": "B",
            "couple": {"leaver": "A"},
            "at": [{"t": "1m", "A": "press"}, {"t": "1m30s", "A": "walk 300"},
                   {"t": "10m", "hostile": {"send": "state", "tid": 0, "ph": 0, "el": 0,
                                            "flood": 100, "via": "sms"}}],
            "expect": [{"event": "hostile_sent"}]}


def _texts(data):
    scn = scenario.Scenario(data, data["name"])
    world = World(scn, seed=scn.seed)
    try:
        timeline = vloop.run(world.run(scn.duration))
    finally:
        world.cleanup()
    return timeline, dict(world.texts)


def _far(timeline, device, t0=0.0, t1=float("inf")):
    return sum(1 for e in timeline if e["event"] == "far_text" and e.get("device") == device
               and t0 <= e["t"] < t1)


def bench_texts(out):
    timeline, texts = _texts(_week())
    out.write("== far-link texts per device (docs/link.md, the far-link budget) ==\n")
    for device in ("A", "B"):
        tos = [e["t"] for e in timeline if e["event"] == "timeout_started"
               and e.get("device") == device]
        ends = [e["t"] for e in timeline if e["event"] == "timeout_ended"
                and e.get("device") == device]
        inside = sum(_far(timeline, device, a, b) for a, b in zip(tos, ends))
        out.write("a week, apart on working days, two time-outs: %s %4d texts to the partner "
                  "(%d of them during the time-outs), %d in all with contacts\n"
                  % (device, _far(timeline, device), inside, texts[device]))
    timeline, texts = _texts(_flood())
    replies = _far(timeline, "A", 600.0, 900.0)
    quiet = _far(timeline, "A", 300.0, 600.0)
    out.write("a flood of 100 forged frames in a time-out: A sent %d texts in the 5 minutes "
              "after it (%d in the 5 minutes before), %d in the whole 30-minute run\n"
              % (replies, quiet, _far(timeline, "A")))
    return {"week": texts, "flood_replies": replies}
