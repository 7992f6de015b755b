"""Properties that must hold in every simulated run, whatever the story and the faults.

Checked by the world at the end of each run (scenarios, the fault campaign, the CLI); each one
broken becomes an `invariant_broken` line on the timeline, and a run with one fails whatever its
own expectations say. Each check reads what the devices journaled and what the world saw, never
the firmware's internal state.

With a hostile partner (host_sim/hostile.py) two checks change, explicitly: devices_agree is
not checked (the hostile device's own copy of the time-out need not fit the other's), and the
truth of "You are both calm" reads the hostile partner's calm from what its device sent (a
final "calm"), not from what its wearer answered. Everything else holds for both devices.
"""


def zombies(world):
    """Nothing a powered-off device does reaches its flash, the radio or the network."""
    return ["%s acted while powered off (%s)" % (device, what)
            for device, what in world.zombie[:5]]


def journal_order(world):
    """On each device's flash the journal's sequence numbers strictly increase (across boots
    too), and every entry the firmware appended is there, except the line a power cut tore and
    what the ring has since overwritten."""
    from store.journal import Journal

    broken = []
    for device, appended in sorted(world.journaled.items()):
        flash = Journal(world.folder(device)).entries()
        seqs = [e["seq"] for e in flash]
        for a, b in zip(seqs, seqs[1:]):
            if b <= a:
                broken.append("%s journal holds seq %d twice" % (device, b))
        kept = set((e["seq"], e["cat"]) for e in flash)
        oldest = seqs[0] if seqs else None
        torn = world.torn.get(device, ())
        for i, entry in enumerate(appended):
            if i in torn or oldest is None or entry["seq"] < oldest:
                continue
            if (entry["seq"], entry["cat"]) not in kept:
                broken.append("%s journal lost seq %d (%s)" % (device, entry["seq"],
                                                              entry["cat"]))
    return broken[:5]


# ----- every sentence said to a wearer is true when it is said --------------------------------
# One rule per cue key (firmware/ui/cues_LANG.txt): what must have happened, in the devices'
# journals or in the world, for that sentence to be true at that moment. A new cue needs a rule
# here (tests/test_truth.py checks that every key has one). The rules read the cue's key and
# fields (a `say` carries the contact's `name`), never its words: they hold in every language.

_NEAR_S = 1.0  # a journal entry and the cue it causes share a tick


class _Run:
    def __init__(self, world):
        self.world = world
        self.timeline = world.timeline

    def near(self, device, event, t, fields=None, window=_NEAR_S):
        for e in self.timeline:
            if e.get("device") == device and e["event"] == event and abs(e["t"] - t) <= window:
                if all(e.get(k) == v for k, v in (fields or {}).items()):
                    return e
        return None

    def between(self, device, event, t0, t1):
        return [e for e in self.timeline if e.get("device") == device and e["event"] == event
                and t0 <= e["t"] <= t1]

    def last_before(self, device, events, t):
        found = None
        for e in self.timeline:
            if e["t"] > t:
                break
            if e.get("device") == device and e["event"] in events:
                found = e
        return found

    def timeout_start(self, device, t):
        """Start time of the time-out running on `device` at t (None when none runs)."""
        e = self.last_before(device, ("timeout_started", "timeout_resumed", "timeout_merged",
                                      "timeout_ended", "timeout_undone"), t)
        if e is None or e["event"] in ("timeout_ended", "timeout_undone"):
            return None
        first = self.last_before(device, ("timeout_started",), t)
        return first["t"] if first else e["t"]

    def network_up(self, t):
        up = True
        for e in self.timeline:
            if e["t"] > t:
                break
            if e["event"] in ("world_network", "world_link"):  # a link down is both
                args = e.get("args")
                up = (args if isinstance(args, str) else (args or ["up"])[0]) != "down"
        return up

    def powered_at_end(self, device):
        e = self.last_before(device, ("power_on", "power_off"), float("inf"))
        return e is None or e["event"] == "power_on"

    def contacts(self, device, t):
        """The names of the contacts `device` had at time t (its config then)."""
        cfg = self.world.config_at(device, t)
        return [c["name"] for c in cfg.get("contacts", ()) if isinstance(c, dict)]


def _journaled(event, fields=None):
    def rule(run, device, say):
        if run.near(device, event, say["t"], fields) is None:
            return "nothing journaled %s at that moment" % event
        return None
    return rule


def _any_journaled(*events):
    def rule(run, device, say):
        if not any(run.near(device, ev, say["t"]) for ev in events):
            return "none of %s journaled at that moment" % ", ".join(events)
        return None
    return rule


def _in_timeout(run, device, say):
    if run.timeout_start(device, say["t"]) is None:
        return "no time-out runs"
    return None


def _answered(run, device, say):
    for e in run.between(device, "call_answered", say["t"] - 300, say["t"] + _NEAR_S):
        if e.get("name") and e["name"] == say.get("name"):
            return None
    return "no call to that contact was answered"


def _calling(run, device, say):
    t = say["t"]
    name = say.get("name")
    for e in run.between(device, "call", t, t + 120):
        if e.get("name") == name:
            return None
    for ev in ("call_no_network", "contact_texted", "power_off"):
        for e in run.between(device, ev, t, t + 120):
            if ev == "power_off" or e.get("name") == name:
                return None
    return "no call to %s was placed" % name


def _texts_will_arrive(run, device, say):
    t = say["t"]
    if run.near(device, "all_contacts_unreached", t) is None:
        return "not all contacts were tried"
    if run.between(device, "call_answered", run.timeout_start(device, t) or 0, t):
        return "a contact did answer"
    if not run.network_up(float("inf")) or not run.powered_at_end(device):
        return None  # cannot be delivered yet: the claim is about later
    got = set(e.get("name") for e in run.between(device, "text_delivered", t, float("inf")))
    missing = [n for n in run.contacts(device, t) if n not in got]
    if missing:
        return "no text reached %s" % ", ".join(missing)
    return None


def _partner_not_said_calm(run, device, say):
    # this round's answers only: those after the last start or extension in timeline order
    # (an extension is journaled right after the answer that caused it, in the same tick)
    mine = [e for e in run.timeline if e.get("device") == device and e["t"] <= say["t"]]
    since = 0
    for i, e in enumerate(mine):
        if e["event"] in ("timeout_started", "timeout_extended", "timeout_resumed"):
            since = i
    ended = run.near(device, "timeout_ended", say["t"])
    round_ = ended.get("ext") if ended else None
    for e in mine[since:]:
        if e["event"] == "partner_mood" and e.get("final") and e.get("mood") == "calm":
            seq = e.get("seq_", e.get("seq"))
            if round_ is None or seq == round_:  # a late answer to an earlier round is not it
                return "the partner's device said they are calm"
    return None


def _both_calm(run, device, say):
    hostile = getattr(getattr(run.world, "hostile", None), "name", None)
    for who in ("A", "B"):
        if who == hostile and who != device:
            # the hostile partner's calm is what its device said, the truth or not: the other
            # device cannot know better (and must not hear it before its end check)
            said = [e for e in run.between(who, "hostile_sent", 0, say["t"])
                    if e.get("msg") == "mood" and e.get("fin") and e.get("m") == 1]
            if said:
                continue
        last = run.last_before(who, ("mood_answer",), say["t"])
        if last is None or last.get("mood") != "calm":
            return "%s's last mood is %s" % (who, last.get("mood") if last else "unknown")
    return None


def _distance_unknown(run, device, say):
    # the device measured no distance lately (it reports one every 10 s while it has one)
    if run.near(device, "distance_unknown", say["t"]) is None:
        return "nothing journaled distance_unknown at that moment"
    # what the device knew when it spoke: measurements before the cue in the timeline (one
    # that arrives in the same instant, after the decision, is not a distance it had)
    before = []
    for e in run.timeline:
        if e is say:
            break
        before.append(e)
    if any(e.get("device") == device and e["event"] == "measured_distance"
           and e["t"] >= say["t"] - 15 for e in before):
        return "a distance was measured in the last 15 s"
    return _in_timeout(run, device, say)


def _partner_unreachable(run, device, say):
    if run.near(device, "partner_unreachable", say["t"]) is None:
        return "nothing journaled partner_unreachable at that moment"
    return _in_timeout(run, device, say)


# A module learns that coverage is back only when it registers again, seconds later (it polls
# +CREG/+CEREG with a backoff, or waits for the URC): "no network" said this soon after the
# network was down is what the device could know.
_REGISTER_S = 30.0


def _no_network(run, device, say):
    if not run.network_up(say["t"]) or any(t0 <= say["t"] and t1 >= say["t"] - _REGISTER_S
                                           for t0, t1 in _down_spans(run)):
        return None
    boot = run.last_before(device, ("power_on",), say["t"])
    if boot is not None and say["t"] - boot["t"] < 120:
        return None  # the module is still registering after a boot
    return "the network was up"


TRUTH = {
    "timeout_started": _any_journaled("timeout_started", "timeout_merged"),
    "timeout_resumed": _journaled("timeout_resumed"),
    "leaver_changed": _in_timeout,
    "undone": _journaled("timeout_undone"),
    "proposal": _journaled("proposal"),
    "proposal_expired": _journaled("proposal_expired"),
    "mood_ask": _journaled("mood_asked"),
    "mood_recorded": _journaled("mood_answer"),
    "status": _in_timeout,
    "move_apart": _journaled("too_close_warning"),
    "too_close_alarm": _any_journaled("chain_started", "chain_busy", "chain_resumed"),
    "contact_reached": _answered,
    "contacts_unreached": _texts_will_arrive,
    "extended": _journaled("timeout_extended"),
    "meet_and_talk": _both_calm,
    "timeout_over_not_calm": _any_journaled("chain_started", "chain_busy"),
    "timeout_over_partner_not_calm": _partner_not_said_calm,
    "no_network": _no_network,
    "calling": _calling,
    "cannot_call": _journaled("chain_impossible"),
    "switched_off": _journaled("device_off"),
    "switched_on": _journaled("device_on"),
    "stays_on": _journaled("switch_refused"),
    "claim_refused": lambda run, device, say: (
        _journaled("partner_claim_refused")(run, device, say) or _in_timeout(run, device, say)),
    "distance_unknown": _distance_unknown,
    "partner_unreachable": _partner_unreachable,
    # what the partner's device said its wearer answered (its claim: the words say so)
    "partner_calm": _journaled("partner_mood", {"mood": "calm"}),
    "partner_so_so": _journaled("partner_mood", {"mood": "so-so"}),
    "partner_angry": _journaled("partner_mood", {"mood": "angry"}),
}


def truthful(world):
    """Every `say` is backed by what happened (the rule of its cue key)."""
    run = _Run(world)
    broken = []
    for say in world.timeline:
        if say["event"] != "say":
            continue
        rule = TRUTH.get(say["key"])
        why = "no truth rule for this cue" if rule is None else rule(run, say["device"], say)
        if why:
            broken.append("%s at %.1f s said %r: %s" % (say["device"], say["t"], say["text"],
                                                         why))
    return broken[:5]



# ----- the contact chain and the couple's time-out ---------------------------------------------

_SETTLE_S = 600  # what happens this close to the end of a run may not have finished yet


def _down_spans(run):
    """[(t0, t1)] when the phone network was down (t1 = inf: still down at the end)."""
    spans, start = [], None
    for e in run.timeline:
        if e["event"] in ("world_network", "world_link"):
            args = e.get("args")
            down = (args if isinstance(args, str) else (args or ["up"])[0]) == "down"
            if down and start is None:
                start = e["t"]
            elif not down and start is not None:
                spans.append((start, e["t"]))
                start = None
    if start is not None:
        spans.append((start, float("inf")))
    return spans


def _end_t(world):
    return world.timeline[-1]["t"] if world.timeline else 0.0


def escalations_reach_someone(world):
    """Every chain the device starts ends with a contact who answered, or with all three
    tried and the fallback text delivered to each, once the network and the power allow."""
    run = _Run(world)
    end = _end_t(world)
    down = _down_spans(run)
    broken = []
    for e in world.timeline:
        if e["event"] != "chain_started":
            continue
        device, t = e["device"], e["t"]
        if t > end - _SETTLE_S or any(t1 > end - _SETTLE_S for _, t1 in down):
            continue
        if not run.powered_at_end(device):
            continue
        later = [x for x in world.timeline if x.get("device") == device and x["t"] >= t]
        if any(x["event"] in ("call_answered", "chain_impossible") for x in later):
            continue  # answered, or a board that cannot phone (its wearer was told so)
        got = set(x.get("name") for x in later if x["event"] == "text_delivered")
        missing = [n for n in run.contacts(device, t) if n not in got]
        if any(x["event"] == "all_contacts_unreached" for x in later) and not missing:
            continue
        broken.append("%s's chain from %.0f s (%s) reached nobody%s" % (
            device, t, e.get("reason"), "; no text to " + ", ".join(missing)
            if missing else ""))
    return broken[:5]


def no_contact_skipped_for_the_network(world):
    """A contact counts as unreached only when the network was up for the whole attempt."""
    run = _Run(world)
    down = _down_spans(run)
    broken = []
    for e in world.timeline:
        if e["event"] != "contact_unreached":
            continue
        t = e["t"]
        # the attempt: from the world's last dialling of that contact by this device (or the
        # result alone, for an attempt that never reached the network) to its result
        dialled = [c["t"] for c in run.between(e["device"], "call", t - 120, t)
                   if c.get("name") == e.get("name")]
        start = dialled[-1] if dialled else t
        if any(t0 <= t and t1 >= start for t0, t1 in down):
            broken.append("%s counted %s unreached at %.0f s while the network was down" % (
                e["device"], e.get("name"), t))
    return broken[:5]


def one_chain_per_escalation(world):
    """A return too close gives one violation (a reboot does not make a second one): the
    partners must have been apart again (distance clear) before the next one; and within one
    chain no contact is counted twice."""
    broken = []
    for device in ("A", "B"):
        armed = {}
        counted = None
        for e in world.timeline:
            if e.get("device") != device:
                continue
            if e["event"] == "distance" and e.get("status") == "clear":
                armed[e.get("tid")] = True
            elif e["event"] == "distance_violation":
                tid = e.get("tid")
                if armed.get(tid) is False:
                    broken.append("%s: a second violation at %.0f s without being apart "
                                  "again" % (device, e["t"]))
                armed[tid] = False
            elif e["event"] == "chain_started":
                counted = set()
            elif e["event"] in ("contact_reached", "contact_unreached") and counted is not None:
                if e.get("index") in counted:
                    broken.append("%s: contact %s counted twice in one chain at %.0f s" % (
                        device, e.get("index"), e["t"]))
                counted.add(e.get("index"))
    return broken[:5]


def timeouts_start_and_end_once(world):
    """Each time-out starts once and ends once on each device, and nothing brings back a
    time-out that ended, was undone or was merged away."""
    broken = []
    for device in ("A", "B"):
        started, over = set(), set()
        for e in world.timeline:
            if e.get("device") != device:
                continue
            ev, tid = e["event"], e.get("tid")
            if ev == "timeout_started":
                if tid in started or tid in over:
                    broken.append("%s: time-out %s started again at %.0f s" % (device, tid,
                                                                             e["t"]))
                started.add(tid)
            elif ev in ("timeout_resumed",) and tid in over:
                broken.append("%s: time-out %s resumed after its end at %.0f s" % (
                    device, tid, e["t"]))
            elif ev in ("timeout_ended", "timeout_undone"):
                if tid in over:
                    broken.append("%s: time-out %s ended twice (%.0f s)" % (device, tid,
                                                                          e["t"]))
                over.add(tid)
            elif ev == "timeout_merged":
                if e.get("to") in over:
                    broken.append("%s: merged into ended time-out %s at %.0f s" % (
                        device, e.get("to"), e["t"]))
                over.add(e.get("from"))
                started.add(e.get("to"))
    return broken[:5]


# Both calm but neither heard the other's last answer in time: both say the partner has not
# said so (never "meet" on a guess), which fits too.
_PAIRS = {("meet", "meet"), ("not_calm", "not_calm"), ("not_calm", "partner_not_calm"),
          ("partner_not_calm", "not_calm"), ("partner_not_calm", "partner_not_calm")}


def devices_agree(world):
    """Once they hear each other, both devices end the couple's last time-out as the same
    time-out, with outcomes that fit together."""
    if getattr(world, "hostile", None) is not None:  # promised between honest devices only
        return []
    run = _Run(world)
    end = _end_t(world)
    if any(t1 > end - _SETTLE_S for _, t1 in _down_spans(run)):
        return []
    last = {}
    for e in world.timeline:
        if e["event"] in ("timeout_ended", "timeout_undone") and e.get("device"):
            last[e["device"]] = e
    if len(last) < 2 or not all(run.powered_at_end(d) for d in "AB"):
        return []
    a, b = last["A"], last["B"]
    if max(a["t"], b["t"]) > end - _SETTLE_S:
        return []
    if a.get("tid") != b.get("tid"):
        return ["the devices ended different time-outs last (A %s, B %s)" % (a.get("tid"),
                                                                            b.get("tid"))]
    if a["event"] == "timeout_ended" and b["event"] == "timeout_ended" and \
            (a.get("outcome"), b.get("outcome")) not in _PAIRS:
        return ["outcomes do not fit: A %s, B %s" % (a.get("outcome"), b.get("outcome"))]
    return []


def modem_woken_before_use(world):
    """Nothing a device sends its module is lost because the module was asleep (AT+CSCLK=1
    with DTR high): the AT engine wakes it and waits before each command."""
    return ["%s: %d bytes sent to its sleeping module were lost" % (device, m.lost_asleep)
            for device, m in sorted(world.modems.items()) if m.lost_asleep]


def _letters(text):
    return "".join(ch for ch in text.casefold() if ch.isalnum())


_SUPERSEDED_S = 0.5  # a cue followed this soon by another is not said: the newer one is


def spoken_as_shown(world):
    """On a device with a speaker, each cue with words that it shows (and not discreetly) is
    spoken, and what is spoken is the shown text, letter for letter. A prompt is silent only
    when its clips were made for another config (the device then says nothing, never a wrong
    word). A device provisioned without prompts (none on its flash) shows and vibrates only."""
    broken = []
    for device in sorted(world.clips):
        if world.configs[device].get("discreet") or not world.clips[device]:
            continue
        events = [e for e in world.timeline if e.get("device") == device
                  and e["event"] in ("say", "prompt", "power_off")]
        shown = None  # the last cue shown
        for i, e in enumerate(events):
            if e["event"] == "prompt":
                if e["result"] != "said":
                    if device not in world.clips_outdated:
                        broken.append("%s at %.1f s stayed silent (%s) for %r" % (
                            device, e["t"], e["result"], shown and shown["text"]))
                elif shown is None or _letters(shown["text"]) != _letters(e["text"]):
                    broken.append("%s at %.1f s spoke %r for %r" % (
                        device, e["t"], e["text"], shown and shown["text"]))
            elif e["event"] == "say":
                shown = e
                if not e["text"]:
                    continue
                after = events[i + 1] if i + 1 < len(events) else None
                if after is None or after["event"] == "power_off" or \
                        (after["event"] == "say" and after["t"] - e["t"] < _SUPERSEDED_S):
                    continue
                if after["event"] != "prompt":
                    broken.append("%s at %.1f s showed %r and said nothing" % (
                        device, e["t"], e["text"]))
    return broken[:5]


CHECKS = (zombies, journal_order, truthful, spoken_as_shown, escalations_reach_someone,
          no_contact_skipped_for_the_network, one_chain_per_escalation,
          timeouts_start_and_end_once, devices_agree, modem_woken_before_use)


def check(world):
    """Every broken invariant, as (name, message)."""
    out = []
    for fn in CHECKS:
        for message in fn(world):
            out.append((fn.__name__, message))
    return out
