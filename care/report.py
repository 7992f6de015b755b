"""The caseworker report: reads both journals (USB or a folder) and shows only what was shared.

    timeout-care report --a PORT|dir:PATH --b PORT|dir:PATH --out FOLDER [--dir data]

Writes FOLDER/report.html (summary table, one timeline picture per week, embedded), and
FOLDER/summary.csv and FOLDER/events.csv. An entry is used only when the partners' consent
allows it (firmware store/consent.py decides, the same rules as on the device); rows for groups
that were not shared are left out entirely (no counts), and the report lists what was not
shared. Journal sequence numbers never leave this module: their gaps would count the hidden
entries. CPython only.
"""

import argparse
import base64
import csv
import datetime
import html
import io
import json
import sys

from care import use_firmware_path
from care.usb import DeviceError, open_device

use_firmware_path()

from core.config import CONSENT_GROUPS, ConfigError, validate  # noqa: E402
from store import consent as rules  # noqa: E402
from store.journal import decode  # noqa: E402
from store.migrate import migrate  # noqa: E402

ROLES = ("A", "B")
MOOD_COLOURS = {"calm": "#2e8b57", "so-so": "#e0a000", "angry": "#c0392b",
                "no_answer": "#999999"}


# ----- reading --------------------------------------------------------------------------------

def read_consent(dev):
    """(consent dict, note or None) from the device's config; nothing shared when unreadable."""
    got = dev.read_many(["config.json", "config.good.json"])
    for name in ("config.json", "config.good.json"):
        data = got.get(name)
        if data is None:
            continue
        try:
            cfg = validate(migrate(json.loads(data.decode("utf-8")))[0])
            return cfg["consent"], None
        except (ValueError, UnicodeError, ConfigError):
            continue
    return {}, "no readable config: nothing from this device is shared"


def read_journal(dev):
    """(entries sorted by seq, unreadable line count) from every journal segment on the device."""
    names = sorted(n for n, size in dev.listing().items()
                   if size >= 0 and n.startswith("journal.") and n.endswith(".log"))
    entries, bad = [], 0
    for data in dev.read_many(names).values():
        for line in (data or b"").decode("utf-8", "replace").splitlines():
            entry = decode(line)
            if entry is None:
                bad += line.strip() != ""
            else:
                entries.append(entry)
    entries.sort(key=lambda e: e["seq"])
    return entries, bad


def shared_entries(journals, consents):
    """[(role, entry)] of every entry the consent allows, redacted, without sequence numbers."""
    out = []
    for role in ROLES:
        own = consents[role]
        partner = consents["B" if role == "A" else "A"]
        for entry in journals[role]:
            if rules.shared(entry.get("cat"), own, partner):
                clean = rules.redact(entry, own, partner)
                clean.pop("seq", None)
                out.append((role, clean))
    out.sort(key=lambda x: (x[1].get("t") is None, x[1].get("t") or 0))
    return out


# ----- what may be shown ----------------------------------------------------------------------

def visible(group, consents, role=None):
    """Whether a row about `group` (for one partner, or joint when role is None) may appear."""
    a, b = consents["A"], consents["B"]
    if role is None or group in rules.JOINT:
        return a.get(group) is True and b.get(group) is True
    return consents[role].get(group) is True


def week_of(t):
    if t is None:
        return "time unknown"
    day = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).date()
    monday = day - datetime.timedelta(days=day.weekday())
    return "week of " + monday.isoformat()


def _metrics(consents):
    """[(label, group, role or None, fn(entries of one week) -> int)] for the visible rows."""
    def unique(cat, key, pred=None):
        def fn(items):
            return len({e.get(key) for r, e in items if e["cat"] == cat
                        and (pred is None or pred(r, e))})
        return fn

    def count(cat, role=None, pred=None):
        def fn(items):
            return sum(1 for r, e in items if e["cat"] == cat and (role is None or r == role)
                       and (pred is None or pred(e)))
        return fn

    rows = [("time-outs", "timeouts", None, unique("timeout_started", "tid")),
            ("time-outs undone (accidental press)", "timeouts", None,
             unique("timeout_undone", "tid"))]
    for who in ROLES:
        rows.append(("time-outs started by %s" % who, "timeouts", None,
                     unique("timeout_started", "tid", lambda r, e, w=who: e.get("by") == w)))
    rows.append(("time-outs extended", "timeouts", None, unique("timeout_extended", "tid")))
    if visible("moods", consents):
        rows.append(("time-outs ending with 'may meet'", "timeouts", None,
                     unique("timeout_ended", "tid", lambda r, e: e.get("outcome") == "meet")))
    rows += [("proposals by the device", "proposals", None, unique("proposal", "pid")),
             ("proposals accepted", "proposals", None, unique("proposal_accepted", "pid")),
             ("distance warnings", "distance", None, count("too_close_warning")),
             ("distance violations", "distance", None, count("distance_violation"))]
    for who in ROLES:
        rows += [("%s: contact persons called (chains)" % who, "contacts", who,
                  count("chain_started", who)),
                 ("%s: contact reached" % who, "contacts", who, count("contact_reached", who)),
                 ("%s: contact not reached" % who, "contacts", who,
                  count("contact_unreached", who))]
        for mood in ("calm", "so-so", "angry", "no_answer"):
            rows.append(("%s: mood %s" % (who, mood.replace("_", " ")), "moods", who,
                         count("mood_answer", who, lambda e, m=mood: e.get("mood") == m)))
        rows += [("%s: device started" % who, "power", who, count("boot", who)),
                 ("%s: faults" % who, "faults", who, count("fault", who))]
    return [row for row in rows if visible(row[1], consents, row[2])]


def not_shared(consents, notes):
    lines = []
    for role in ROLES:
        groups = [g for g in CONSENT_GROUPS if consents[role].get(g) is not True]
        if groups:
            lines.append("%s chose not to share: %s." % (role, ", ".join(groups)))
        if notes.get(role):
            lines.append("%s: %s." % (role, notes[role]))
    joint = [g for g in rules.JOINT if not visible(g, consents)]
    if joint:
        lines.append("Shown only when both partners agree, so left out: %s." % ", ".join(joint))
    lines.append("Mood answers are shown only for a partner who agreed to share them. Nothing "
                 "is ever recorded of the sound itself.")
    return lines


# ----- output ---------------------------------------------------------------------------------

def summary_table(items, consents):
    weeks = sorted({week_of(e.get("t")) for _, e in items},
                   key=lambda w: (w == "time unknown", w))
    header = ["", *weeks, "total"]
    rows = []
    for label, _, _, fn in _metrics(consents):
        per_week = [fn([x for x in items if week_of(x[1].get("t")) == w]) for w in weeks]
        rows.append([label, *per_week, fn(items)])
    return header, rows


def timeline_png(week, items, consents):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = datetime.datetime.fromisoformat(week[len("week of "):]).replace(
        tzinfo=datetime.timezone.utc).timestamp()
    lanes = [("time-outs", visible("timeouts", consents)),
             ("proposals", visible("proposals", consents)),
             ("escalations", visible("distance", consents)
              or any(visible("contacts", consents, r) for r in ROLES))]
    lanes += [("moods " + r, visible("moods", consents, r)) for r in ROLES]
    fig, ax = plt.subplots(figsize=(9, 2.8))
    ys = {name: len(lanes) - i for i, (name, _) in enumerate(lanes)}

    def day(t):
        return (t - start) / 86400.0

    started = {}
    for role, e in items:
        t = e.get("t")
        if t is None:
            continue
        cat = e["cat"]
        if cat == "timeout_started":
            started.setdefault(e.get("tid"), t)
        elif cat == "timeout_ended" and e.get("tid") in started:
            s = started.pop(e.get("tid"))
            ax.barh(ys["time-outs"], max(day(t) - day(s), 0.01), left=day(s), height=0.5,
                    color="#3b6ea5")
        elif cat == "proposal":
            ax.plot(day(t), ys["proposals"], "v", color="#8e44ad")
        elif cat in ("distance_violation", "chain_started"):
            ax.plot(day(t), ys["escalations"], "^" if cat == "distance_violation" else "s",
                    color="#c0392b" if cat == "distance_violation" else "#e67e22")
        elif cat == "mood_answer":
            ax.plot(day(t), ys["moods " + role], "o",
                    color=MOOD_COLOURS.get(e.get("mood"), "#999999"))
    for s in started.values():  # still running at the end of the journal
        ax.barh(ys["time-outs"], 0.02, left=day(s), height=0.5, color="#3b6ea5")
    for name, shown in lanes:
        if not shown:
            ax.text(3.5, ys[name], "not shared", ha="center", va="center", color="#777777",
                    fontsize=8)
    ax.set_yticks([ys[n] for n, _ in lanes], [n for n, _ in lanes])
    ax.set_xlim(0, 7)
    ax.set_ylim(0.4, len(lanes) + 0.6)
    ax.set_xticks([i + 0.5 for i in range(7)], ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    for i in range(8):
        ax.axvline(i, color="#dddddd", linewidth=0.8)
    ax.set_title(week)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return buf.getvalue()


def render_html(couple_ref, items, consents, notes):
    header, rows = summary_table(items, consents)
    esc = html.escape
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>Time-out report</title>",
           "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
           "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
           "td:first-child{text-align:left}table{border-collapse:collapse}</style></head><body>",
           "<h1>Time-out report%s</h1>" % (" for " + esc(couple_ref) if couple_ref else "")]
    out.append("<h2>What the partners chose to share</h2><table><tr><th></th>%s</tr>"
               % "".join("<th>%s</th>" % r for r in ROLES))
    for g in CONSENT_GROUPS:
        out.append("<tr><td>%s</td>%s</tr>" % (g, "".join(
            "<td>%s</td>" % ("yes" if consents[r].get(g) is True else "no") for r in ROLES)))
    out.append("</table><h2>Summary</h2>")
    if rows:
        out.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % esc(str(h)) for h in header))
        for row in rows:
            out.append("<tr>%s</tr>" % "".join("<td>%s</td>" % esc(str(c)) for c in row))
        out.append("</table>")
    else:
        out.append("<p>Nothing was shared.</p>")
    out.append("<h2>Not shared</h2><ul>%s</ul>"
               % "".join("<li>%s</li>" % esc(x) for x in not_shared(consents, notes)))
    weeks = [w for w in header[1:-1] if w != "time unknown"]
    if weeks:
        out.append("<h2>Week by week</h2>")
    for w in weeks:
        png = timeline_png(w, [x for x in items if week_of(x[1].get("t")) == w], consents)
        out.append("<h3>%s</h3><img alt='timeline %s' src='data:image/png;base64,%s'>"
                   % (esc(w), esc(w), base64.b64encode(png).decode()))
    out.append("</body></html>")
    return "\n".join(out)


def events_csv(items):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["week", "time_utc", "device", "category", "group", "details"])
    for role, e in items:
        t = e.get("t")
        when = "" if t is None else datetime.datetime.fromtimestamp(
            t, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        details = {k: v for k, v in e.items() if k not in ("cat", "t")}
        w.writerow([week_of(t), when, role, e["cat"], rules.group_of(e["cat"]),
                    json.dumps(details, sort_keys=True)])
    return buf.getvalue()


def summary_csv(items, consents):
    header, rows = summary_table(items, consents)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["metric"] + header[1:])
    for row in rows:
        w.writerow(row)
    return buf.getvalue()


def build(devs, out_dir, couple_ref=None):
    """Read both devices and write the three report files into out_dir; returns their paths."""
    import os

    consents, notes, journals = {}, {}, {}
    for role in ROLES:
        consents[role], notes[role] = read_consent(devs[role])
        journals[role], _ = read_journal(devs[role])
    items = shared_entries(journals, consents)
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for name, text in (("report.html", render_html(couple_ref, items, consents, notes)),
                       ("summary.csv", summary_csv(items, consents)),
                       ("events.csv", events_csv(items))):
        paths[name] = os.path.join(out_dir, name)
        with open(paths[name], "w", encoding="utf-8") as f:
            f.write(text)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(prog="timeout-care report",
                                 description="The caseworker report from both journals.")
    ap.add_argument("--a", required=True, help="partner A's device: serial port or dir:PATH")
    ap.add_argument("--b", required=True, help="partner B's device: serial port or dir:PATH")
    ap.add_argument("--out", required=True, help="folder for report.html and the CSV files")
    ap.add_argument("--dir", default="data", help="the storage folder on the device")
    ap.add_argument("--couple", default=None, help="the couple's reference for the title")
    args = ap.parse_args(argv)
    try:
        paths = build({"A": open_device(args.a, args.dir), "B": open_device(args.b, args.dir)},
                      args.out, args.couple)
    except DeviceError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
