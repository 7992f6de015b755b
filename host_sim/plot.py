"""Timeline picture of a simulated run: both devices' phases, the partners' distance, events."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PHASE_OF = {"timeout_started": "time-out", "timeout_resumed": "time-out",
            "timeout_ended": "idle", "timeout_undone": "idle", "power_off": "off",
            "power_on": "idle", "proposal": "proposal", "proposal_expired": "idle"}
COLOURS = {"idle": "#e8e8e8", "time-out": "#4a7bd0", "proposal": "#f0a030", "off": "#555555"}
MARKS = {"distance_violation": ("X", "red"), "call": ("^", "darkred"),
         "contact_reached": ("o", "green"), "mood_answer": ("s", "gold"),
         "timeout_extended": ("D", "purple"), "proposal_suppressed": ("x", "grey"),
         "world_press": ("v", "black")}


def phases(timeline, device, end):
    spans = []
    state, since = "idle", 0.0
    for e in timeline:
        if e.get("device") != device or e["event"] not in PHASE_OF:
            continue
        new = PHASE_OF[e["event"]]
        if e["event"] == "power_on" and state == "time-out":
            continue
        if new != state:
            spans.append((since, e["t"], state))
            state, since = new, e["t"]
    spans.append((since, end, state))
    return spans


def plot_timeline(timeline, path, title=""):
    end = timeline[-1]["t"] if timeline else 1.0
    hours = end > 3 * 3600
    scale = 3600.0 if hours else 60.0
    unit = "hours" if hours else "minutes"
    fig, (ax_state, ax_dist) = plt.subplots(2, 1, figsize=(12, 6), sharex=True,
                                            gridspec_kw={"height_ratios": [1, 2]})
    for row, device in enumerate(("A", "B")):
        for start, stop, state in phases(timeline, device, end):
            ax_state.barh(row, (stop - start) / scale, left=start / scale,
                          color=COLOURS[state], edgecolor="none")
        for e in timeline:
            if e.get("device") == device and e["event"] in MARKS:
                marker, colour = MARKS[e["event"]]
                ax_state.plot(e["t"] / scale, row, marker=marker, color=colour, markersize=7,
                              linestyle="none")
    ax_state.set_yticks([0, 1], ["device A", "device B"])
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLOURS.values()]
    handles += [plt.Line2D([], [], marker=m, color=c, linestyle="none")
                for m, c in MARKS.values()]
    ax_state.legend(handles, list(COLOURS) + [k.replace("_", " ") for k in MARKS],
                    fontsize=7, ncol=6, loc="upper center", bbox_to_anchor=(0.5, 1.45))
    dist = [(e["t"] / scale, e["m"]) for e in timeline if e["event"] == "true_distance"]
    if dist:
        xs, ys = zip(*dist)
        ax_dist.step(xs + (end / scale,), ys + (ys[-1],), where="post", label="true distance")
    measured = [(e["t"] / scale, e["m"], e["device"]) for e in timeline
                if e["event"] == "measured_distance"]
    for device, style in (("A", "."), ("B", "+")):
        pts = [(x, y) for x, y, d in measured if d == device]
        if pts:
            xs, ys = zip(*pts)
            ax_dist.plot(xs, ys, style, markersize=3, label="measured by " + device)
    ax_dist.axhline(100, color="red", linestyle="--", linewidth=1, label="minimum distance")
    ax_dist.set_ylabel("metres between partners")
    ax_dist.set_xlabel(unit + " of simulated time")
    ax_dist.legend(fontsize=8, loc="upper right")
    fig.suptitle(title, fontsize=10, y=0.99)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
