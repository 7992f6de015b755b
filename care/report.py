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
import hashlib
import json
import sys
import zoneinfo

from care import use_firmware_path
from care.usb import DeviceError, open_device, parse_json

use_firmware_path()

from core.config import CONSENT_GROUPS, ConfigError, validate  # noqa: E402
from store import consent as rules  # noqa: E402
from store.journal import decode, resolve_times  # noqa: E402
from store.migrate import migrate  # noqa: E402

ROLES = ("A", "B")
LOCAL = zoneinfo.ZoneInfo("Europe/Amsterdam")  # every time in the report is local time
MOOD_COLOURS = {"calm": "#2e8b57", "so-so": "#e0a000", "angry": "#c0392b",
                "no_answer": "#999999"}


# ----- reading --------------------------------------------------------------------------------

class ReportError(RuntimeError):
    """The devices cannot be read as this couple's pair: nothing is reported."""


def read_device(dev):
    """{"role", "consent", "secret_id", "couple", "pairing", "label"} from a device's config and
    provisioning marker. A device whose config cannot be read is an error: whose device it is,
    and what its wearer agreed to, are unknown (never taken as "chose not to share")."""
    got = dev.read_many(["config.json", "config.good.json", "provision.json"])
    cfg = None
    for name in ("config.json", "config.good.json"):
        data = got.get(name)
        if data is None:
            continue
        try:
            cfg = validate(migrate(json.loads(data.decode("utf-8")))[0])
            break
        except (ValueError, UnicodeError, ConfigError):
            continue
    if cfg is None:
        raise ReportError("%s: no readable config on the device (not provisioned, or a read "
                          "error): nothing was read; check the cable and try again"
                          % dev.describe())
    marker = parse_json(got.get("provision.json"))
    marker = marker if isinstance(marker, dict) else {}
    return {"role": cfg["role"], "consent": cfg["consent"],
            "secret_id": hashlib.sha256(cfg["pair_secret"].encode()).hexdigest()[:16],
            "couple": marker.get("couple"), "pairing": marker.get("pairing"),
            "label": marker.get("device")}


def pair_devices(devs, couple_ref=None):
    """{"A": dev, "B": dev} by the role each device stores (whatever order they were given
    in), with their read info; raises ReportError when they are not one couple's pair."""
    infos = [(read_device(dev), dev) for dev in devs]
    roles = sorted(info["role"] for info, _ in infos)
    if roles != ["A", "B"]:
        raise ReportError("both devices say they are partner %s's: they are not one pair"
                          % roles[0])
    if len({info["secret_id"] for info, _ in infos}) != 1:
        raise ReportError("the two devices are not paired with each other (devices of "
                          "different couples?): nothing was read")
    for info, dev in infos:
        if couple_ref and info["couple"] and info["couple"] != couple_ref:
            raise ReportError("%s belongs to couple %s, not %s: nothing was read"
                              % (dev.describe(), info["couple"], couple_ref))
    return {info["role"]: (dev, info) for info, dev in infos}


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
    return resolve_times(entries), bad  # entries written before the clock was known


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
    day = datetime.datetime.fromtimestamp(t, LOCAL).date()
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


def not_shared(consents, tr=None):
    """Lines saying what was not shared and why (the partner's choice, or the joint rule)."""
    tr = tr or _same
    lines = []
    for role in ROLES:
        groups = [g for g in CONSENT_GROUPS if consents[role].get(g) is not True]
        if groups:
            lines.append(tr("%(role)s chose not to share: %(groups)s.")
                         % {"role": role, "groups": ", ".join(tr(g) for g in groups)})
    joint = [g for g in rules.JOINT if not visible(g, consents)]
    if joint:
        lines.append(tr("Shown only when both partners agree, so left out: %(groups)s.")
                     % {"groups": ", ".join(tr(g) for g in joint)})
    lines.append(tr("Mood answers are shown only for a partner who agreed to share them. "
                    "Nothing is ever recorded of the sound itself."))
    return lines


def _same(text):
    return text


def local(t, fmt="%Y-%m-%d %H:%M"):
    return datetime.datetime.fromtimestamp(t, LOCAL).strftime(fmt)


def timeouts(items):
    """[{"tid", "start", "end", "minutes", "by", "outcome", "undone"}] one per time-out (both
    devices journal the same time-out: merged by its id); outcome only where it was shared."""
    out = {}
    for _role, e in items:
        tid = e.get("tid")
        if tid is None or e.get("t") is None:
            continue
        cat = e["cat"]
        if cat == "timeout_started":
            row = out.setdefault(tid, {"tid": tid, "start": e["t"], "end": None,
                                       "minutes": None, "by": e.get("by"), "outcome": None,
                                       "undone": False})
            row["start"] = min(row["start"], e["t"])
        elif cat in ("timeout_ended", "partner_ended", "timeout_undone") and tid in out:
            row = out[tid]
            if row["end"] is None or e["t"] < row["end"]:
                row["end"] = e["t"]
            row["undone"] = row["undone"] or cat == "timeout_undone"
            if e.get("outcome") and row["outcome"] is None:
                row["outcome"] = e["outcome"]
    for row in out.values():
        if row["end"] is not None:
            row["minutes"] = max(0, round((row["end"] - row["start"]) / 60))
    return sorted(out.values(), key=lambda r: r["start"])


def trend(header, rows, tr=None):
    """One line: time-outs per week and whether they went up or down."""
    tr = tr or _same
    weeks = [w for w in header[1:-1] if w != "time unknown"]
    per = dict((r[0], r[1:1 + len(weeks)]) for r in rows).get("time-outs")
    if not per or len(weeks) < 2:
        return None
    change = per[-1] - per[-2]
    word = (tr("more than the week before") if change > 0 else
            tr("fewer than the week before") if change < 0 else tr("as many as the week before"))
    return tr("Time-outs per week: %(counts)s; the last week %(change)s.") % {
        "counts": ", ".join(str(n) for n in per), "change": word}


LEGEND = (
    ("time-out", "a pause agreed in advance: one partner leaves, both calm down, then may meet"),
    ("proposal", "the device heard a raised voice for a while and suggested a time-out"),
    ("contact persons called", "the device called the wearer's own contact persons, in "
                               "order, because the rules were broken or help was asked"),
    ("distance warning / violation", "the partners came closer than agreed during a time-out"),
    ("mood", "the wearer's answer to 'how are you?' during a time-out: calm, so-so, angry"),
    ("outcome", "how a time-out ended: 'may meet' when both were calm"),
)
OUTCOME_WORDS = {"meet": "may meet", "not_calm": "not calm", "partner_not_calm": "not calm",
                 "none": "ended"}
PRINT_CSS = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#111}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
    "td:first-child,th:first-child{text-align:left}table{border-collapse:collapse;margin:.5em 0}"
    "img{max-width:100%}.meta td{text-align:left;border:none}"
    "@page{size:A4;margin:15mm}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}nav,.noprint{display:none}"
    "h2{break-after:avoid}table,img{break-inside:avoid}}")


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
        tzinfo=LOCAL).timestamp()
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


def _label(text, tr):
    """A summary label or week heading in the reader's language ("A: mood calm")."""
    if text[:3] in ("A: ", "B: "):
        return text[:3] + tr(text[3:])
    if text.startswith("week of "):
        return tr("week of") + " " + text[len("week of "):]
    return tr(text)


def render_body(data, tr=None, pictures=True):
    """The report as an HTML fragment from collected data (see collect()); tr translates."""
    tr = tr or _same
    esc = html.escape
    items, consents = data["items"], data["consents"]
    header, rows = summary_table(items, consents)
    out = ["<h1>%s</h1>" % esc(tr("Time-out report")), "<table class='meta'>"]
    period = data.get("period") or (None, None)
    for label, value in ((tr("Couple"), data.get("couple") or "-"),
                         (tr("Period"), "%s - %s" % (local(period[0], "%Y-%m-%d"),
                                                      local(period[1], "%Y-%m-%d"))
                          if period[0] else tr("no entries")),
                         (tr("Made"), local(data["made"])),
                         (tr("Times"), tr("local time (Europe/Amsterdam)"))):
        out.append("<tr><td><b>%s</b></td><td>%s</td></tr>" % (esc(label), esc(value)))
    out.append("</table>")
    out.append("<h2>%s</h2><table><tr><th></th>%s</tr>"
               % (esc(tr("What the partners chose to share")),
                  "".join("<th>%s</th>" % r for r in ROLES)))
    for g in CONSENT_GROUPS:
        out.append("<tr><td>%s</td>%s</tr>" % (esc(tr(g)), "".join(
            "<td>%s</td>" % esc(tr("yes") if consents[r].get(g) is True else tr("no"))
            for r in ROLES)))
    out.append("</table><h2>%s</h2>" % esc(tr("Summary")))
    if rows:
        out.append("<table><tr>%s</tr>" % "".join("<th>%s</th>" % esc(_label(str(h), tr))
                                                   for h in header))
        for row in rows:
            out.append("<tr><td>%s</td>%s</tr>" % (esc(_label(row[0], tr)), "".join(
                "<td>%s</td>" % c for c in row[1:])))
        out.append("</table>")
        line = trend(header, rows, tr)
        if line:
            out.append("<p>%s</p>" % esc(line))
    else:
        out.append("<p>%s</p>" % esc(tr("Nothing was shared.")))
    if visible("timeouts", consents):
        out.append("<h2>%s</h2>" % esc(tr("Each time-out")))
        tos = timeouts(items)
        if tos:
            out.append("<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
                       % tuple(esc(tr(h)) for h in ("start", "ended", "minutes",
                                                     "started by", "outcome")))
            for r in tos:
                outcome = (tr("undone (accidental press)") if r["undone"] else
                           tr(OUTCOME_WORDS.get(r["outcome"], r["outcome"]))
                           if r["outcome"] else
                           tr("not shared") if r["end"] else tr("still running"))
                out.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                           % (local(r["start"]), local(r["end"], "%H:%M") if r["end"] else "-",
                              r["minutes"] if r["minutes"] is not None else "-",
                              esc(r["by"] or "-"), esc(outcome)))
            out.append("</table>")
        else:
            out.append("<p>%s</p>" % esc(tr("No time-outs in this period.")))
    out.append("<h2>%s</h2><ul>%s</ul>"
               % (esc(tr("Not shared")),
                  "".join("<li>%s</li>" % esc(x) for x in not_shared(consents, tr))))
    weeks = [w for w in header[1:-1] if w != "time unknown"]
    if weeks and pictures:
        out.append("<h2>%s</h2>" % esc(tr("Week by week")))
    for w in weeks if pictures else ():
        png = timeline_png(w, [x for x in items if week_of(x[1].get("t")) == w], consents)
        out.append("<h3>%s</h3><img alt='timeline %s' src='data:image/png;base64,%s'>"
                   % (esc(_label(w, tr)), esc(w), base64.b64encode(png).decode()))
    out.append("<h2>%s</h2><dl>" % esc(tr("Legend")))
    for term, meaning in LEGEND:
        out.append("<dt><b>%s</b></dt><dd>%s</dd>" % (esc(tr(term)), esc(tr(meaning))))
    out.append("</dl>")
    return "\n".join(out)


def render_html(data, tr=None):
    tr = tr or _same
    return ("<!doctype html><html><head><meta charset='utf-8'><title>%s</title><style>%s"
            "</style></head><body>\n%s\n</body></html>"
            % (html.escape(tr("Time-out report")), PRINT_CSS, render_body(data, tr)))


def events_csv(items):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["week", "time_local", "device", "category", "group", "details"])
    for role, e in items:
        t = e.get("t")
        when = "" if t is None else local(t)
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


def collect(devs, couple_ref=None, now=None):
    """Read a couple's two devices (given in any order) and keep only what was shared:
    {"couple", "made", "period", "consents", "items", "devices"}. Raises ReportError when the
    devices are not this couple's pair or one cannot be read. The consent filter runs here,
    before anything is stored or shown."""
    import time

    given = list(devs.values()) if isinstance(devs, dict) else list(devs)
    try:
        paired = pair_devices(given, couple_ref)
        consents, journals, devices = {}, {}, {}
        for role in ROLES:
            dev, info = paired[role]
            consents[role] = info["consent"]
            journals[role], _ = read_journal(dev)
            devices[role] = {"label": info["label"], "where": dev.describe(),
                             "couple": info["couple"]}
    finally:
        for dev in given:  # a device opened through its console boots locked again
            dev.close()
    items = shared_entries(journals, consents)
    times = [e["t"] for _, e in items if e.get("t") is not None]
    return {"couple": couple_ref or paired["A"][1]["couple"],
            "made": int(now if now is not None else time.time()),
            "period": (min(times), max(times)) if times else (None, None),
            "consents": consents, "items": items, "devices": devices}


def build(devs, out_dir, couple_ref=None):
    """Read both devices and write the three report files into out_dir; returns their paths."""
    import os

    data = collect(devs, couple_ref)
    items, consents = data["items"], data["consents"]
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for name, text in (("report.html", render_html(data)),
                       ("summary.csv", summary_csv(items, consents)),
                       ("events.csv", events_csv(items))):
        paths[name] = os.path.join(out_dir, name)
        with open(paths[name], "w", encoding="utf-8") as f:
            f.write(text)
    return paths


def main(argv=None):
    ap = argparse.ArgumentParser(prog="timeout-care report",
                                 description="The caseworker report from both journals.")
    ap.add_argument("--a", required=True, help="one of the couple's devices: serial port or "
                                               "dir:PATH (partners are labelled by the role "
                                               "each device stores)")
    ap.add_argument("--b", required=True, help="the other device")
    ap.add_argument("--out", required=True, help="folder for report.html and the CSV files")
    ap.add_argument("--dir", default="data", help="the storage folder on the device")
    ap.add_argument("--couple", default=None,
                    help="the couple's reference: both devices must belong to it")
    args = ap.parse_args(argv)
    try:
        paths = build({"A": open_device(args.a, args.dir), "B": open_device(args.b, args.dir)},
                      args.out, args.couple)
    except (DeviceError, ReportError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    for path in paths.values():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
