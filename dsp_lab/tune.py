"""Leave-one-source-out tuning of the escalation rule and its held-out figures.

1. measure: every corpus scene runs through the device's detector (firmware/dsp under the real
   MicroPython, viper kernel) with the kind's current parameters; its per-second features
   (LAeq, LAFmax, tilt, dips) and proposals are kept (cached under build/dsp_corpus/, keyed by
   a hash of the corpus and detector sources).
2. replay: the per-second rule of firmware/dsp/detector.py, re-done in integer numpy for
   thousands of parameter sets at once (`replay` reproduces the firmware's proposals exactly;
   a test holds it to that).
3. loso: for each source, choose the parameters on the other sources (no proposal in any of
   their everyday scenes, then as many of their escalation scenes proposed in time as
   possible, then the widest margin below the proposal count) and score the held-out source.
4. gates: a threshold is kept only if more than one source needs it (switching it off makes
   proposals in the everyday scenes of at least two sources).
"""

import hashlib
import itertools
import json
from pathlib import Path

import numpy as np

from dsp_lab import corpus, evaluate, voices

ROOT = Path(__file__).resolve().parent.parent
WITHIN_S = 20  # a proposal counts when it comes at most this long after sustained shouting
CALM_UNTIL_S = 18  # escalation scenes: calm talk before this; a proposal there is false
KINDS = ("wearable", "home")

TEST_CORPUS = {"escalation": (1, 2, 3), "everyday": (1,)}
FULL_CORPUS = {"escalation": (11, 12, 13, 14, 15), "everyday": (11, 12)}

# Values tried per threshold; the last one of each gate list switches that gate off.
GRID = {
    "level_min_dba": {"wearable": tuple(range(70, 91)), "home": tuple(range(60, 81))},
    "rise_min_db": (14, 10, 6, 0),
    # Tilt depends on the voice: stricter values chosen on three sources rejected the fourth's
    # shouting (docs/dsp.md), so only lenient bounds are offered.
    "tilt_min_db": (-12, -100),
    "tilt_max_db": (10, 100),
    "dip_min_pct": (30, 20, 10, 0),
    "crest_max_db": (6, 10, 100),
    "shout_s_min": (4, 5, 6, 7, 8),
}
GATES = ("rise_min_db", "tilt_min_db", "tilt_max_db", "dip_min_pct", "crest_max_db")
OFF = {g: GRID[g][-1] for g in GATES}


def _firmware_params(kind, overrides=None):
    evaluate._firmware_path()
    from dsp.detector import params_for

    return params_for(kind, overrides)


def _source_hash(items):
    h = hashlib.sha256()
    files = [ROOT / "dsp_lab" / n for n in ("corpus.py", "voices.py", "scenes.py",
                                            "mpy_runner.py")]
    files += sorted((ROOT / "firmware" / "dsp").glob("*.py"))
    for f in files:
        h.update(f.read_bytes())
    h.update(json.dumps(items).encode())
    h.update(json.dumps({s: voices.settings_hash(s) for s in voices.SOURCES}).encode())
    return h.hexdigest()[:16]


def measure(spec=TEST_CORPUS, sources=voices.SOURCES, cache=voices.CACHE, log=None):
    """[{info, secs: int64 (T, 4) laeq_mdb lafmax_mdb tilt_mdb dip_pct, proposals}]."""
    items = corpus.scene_list(sources, spec["escalation"], spec["everyday"], KINDS)
    path = Path(cache) / ("features-%s.json" % _source_hash(items))
    if path.exists():
        data = json.loads(path.read_text())
    else:
        data = []
        banks = {}
        for name, kind, source, seed in items:
            if source not in banks:
                banks[source] = voices.bank(source)
            x, info = corpus.render(name, kind, source, seed, banks[source])
            rec = evaluate.run(x, corpus.FS, kind=kind)
            secs = [[r["laeq_mdb"], r["lafmax_mdb"], r["tilt_mdb"], r["dip_pct"]]
                    for r in rec if "laeq_mdb" in r]
            data.append({"info": info, "secs": secs, "proposals": evaluate.proposals(rec)})
            if log:
                log("%s %s %s seed %d: %d proposals" % (name, kind, source, seed,
                                                         len(data[-1]["proposals"])))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)
    for d in data:
        d["secs"] = np.array(d["secs"], dtype=np.int64).reshape(-1, 4)
    return data


def combos(kind):
    """All parameter sets of the grid for one kind: dict name -> int64 array."""
    names = list(GRID)
    vals = [GRID[n][kind] if isinstance(GRID[n], dict) else GRID[n] for n in names]
    grid = np.array(list(itertools.product(*vals)), dtype=np.int64)
    return {n: grid[:, i] for i, n in enumerate(names)}


def replay(secs, params, n, until=None):
    """The firmware's per-second rule for n parameter sets at once. params: name -> scalar or
    (n,) array (missing names: the firmware's wearable defaults). Returns int64 arrays of
    length n: the first proposal's second (or -1), the number of proposals, and the largest
    count of shouting seconds in the window (up to second `until` if given)."""
    full = _firmware_params("wearable")
    P = {k: np.broadcast_to(np.asarray(params.get(k, v), dtype=np.int64), (n,))
         for k, v in full.items()}
    w = int(full["window_s"]) if "window_s" not in params else int(np.max(P["window_s"]))
    if np.any(P["window_s"] != w):
        raise ValueError("replay needs one window_s for all sets")
    base = P["baseline_init_dba"] * 1000
    hist = np.zeros((w, n), dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    armed = np.ones(n, dtype=bool)
    refr = np.zeros(n, dtype=np.int64)
    first = np.full(n, -1, dtype=np.int64)
    props = np.zeros(n, dtype=np.int64)
    maxc = np.zeros(n, dtype=np.int64)
    lvl, rise = P["level_min_dba"] * 1000, P["rise_min_db"] * 1000
    tmin, tmax = P["tilt_min_db"] * 1000, P["tilt_max_db"] * 1000
    dmin, crest = P["dip_min_pct"], P["crest_max_db"] * 1000
    up, down = P["baseline_up_s"], P["baseline_down_s"]
    s_laeq = secs[:, 0:1]
    fixed = ((s_laeq >= lvl) & (secs[:, 2:3] >= tmin) & (secs[:, 2:3] < tmax)
             & (secs[:, 3:4] >= dmin) & (secs[:, 1:2] - s_laeq <= crest))  # (T, n)
    for t in range(len(secs)):
        laeq = int(secs[t, 0])
        shout = fixed[t] & (laeq - base >= rise)
        if t == 0:
            base = np.full(n, laeq, dtype=np.int64)
        else:
            diff = laeq - base
            tau = np.where(diff > 0, up, down)
            base = np.where(shout, base, base + diff // tau)
        pos = t % w
        s = shout.astype(np.int64)
        count += s - hist[pos]
        hist[pos] = s
        if until is None or t < until:
            np.maximum(maxc, count, out=maxc)
        seconds = t + 1
        fire = armed & (count >= P["shout_s_min"])
        rearm = ~armed & (seconds >= refr) & (count <= P["release_s_max"])
        refr = np.where(fire, seconds + P["refractory_s"], refr)
        armed = np.where(armed, ~fire, rearm)
        first = np.where(fire & (first < 0), seconds, first)
        props += fire
    return first, props, maxc


def verdicts(data, kind, params, n):
    """Per scene of this kind: (info, ok bool array (n,), proposals array, max count array;
    for escalation scenes the max count up to the last second a proposal counts)."""
    out = []
    for d in data:
        info = d["info"]
        if info["kind"] != kind:
            continue
        until = info["onset_s"] + WITHIN_S if info["label"] == "escalation" else None
        first, props, maxc = replay(d["secs"], params, n, until)
        if info["label"] == "escalation":
            ok = (first >= CALM_UNTIL_S) & (first <= info["onset_s"] + WITHIN_S)
        else:
            ok = props == 0
        out.append((info, ok, props, maxc))
    return out


def _choose(table, train, P, n):
    """Index of the chosen parameter set on the training scenes (a list of indices)."""
    esc = [i for i in train if table[i][0]["label"] == "escalation"]
    day = [i for i in train if table[i][0]["label"] != "escalation"]
    fp = np.zeros(n, dtype=np.int64)
    for i in day:
        fp += table[i][2] > 0
    hits = np.zeros(n, dtype=np.int64)
    for i in esc:
        hits += table[i][1]
    margin = np.full(n, 99, dtype=np.int64)
    for i in day:  # seconds short of a proposal in the closest everyday scene
        margin = np.minimum(margin, P["shout_s_min"] - table[i][3])
    for i in esc:  # seconds beyond the proposal count in the weakest escalation scene
        margin = np.minimum(margin, table[i][3] - P["shout_s_min"] + 1)
    off = sum((P[g] == OFF[g]).astype(np.int64) for g in GATES)  # fewer gates: more general
    steps = level_margin(fp, hits, P)
    score = np.where(fp == 0, hits * 10**7 + steps * 10**5 + np.clip(margin, -99, 99) * 100
                     + off, -10**9)
    # Among equals the last set of the grid wins: the higher level and the gates off.
    return n - 1 - int(np.argmax(score[::-1]))


def level_margin(fp, hits, P):
    """Per parameter set: in steps of the level grid, how far level_min_dba can move with the
    other thresholds fixed, down before a training scene gets a false proposal and up before an
    escalation scene is lost; the smaller of the two. A level in the middle of the range that
    works holds for a voice or a room a little louder or softer than the training ones; the
    edge of that range (which the rest of the score alone would pick) does not."""
    levels = len(np.unique(P["level_min_dba"]))
    if levels < 2:
        return np.zeros(len(fp), dtype=np.int64)
    fp2 = fp.reshape(levels, -1)  # the grid's first axis is the level (combos)
    hits2 = hits.reshape(levels, -1)
    down = np.zeros_like(fp2)
    up = np.zeros_like(fp2)
    for li in range(levels):
        clean = np.ones(fp2.shape[1], dtype=bool)
        for lj in range(li - 1, -1, -1):
            clean &= fp2[lj] == 0
            down[li] += clean
        kept = np.ones(fp2.shape[1], dtype=bool)
        for lj in range(li + 1, levels):
            kept &= hits2[lj] >= hits2[li]
            up[li] += kept
    return np.minimum(down, up).reshape(-1)


def _pick(P, i):
    return {k: int(v[i]) for k, v in P.items()}


_TABLES = {}


def _table(data, kind):
    key = (id(data), kind)
    if key not in _TABLES:
        P = combos(kind)
        n = len(P["level_min_dba"])
        _TABLES[key] = (P, n, verdicts(data, kind, P, n))
    return _TABLES[key]


def loso(data, kind, sources=voices.SOURCES):
    """Held-out figures per source for one kind. Returns a list of dicts."""
    P, n, table = _table(data, kind)
    rows = []
    for held in sources:
        train = [i for i, t in enumerate(table) if t[0]["source"] != held]
        test = [i for i, t in enumerate(table) if t[0]["source"] == held]
        c = _choose(table, train, P, n)
        esc = [i for i in test if table[i][0]["label"] == "escalation"]
        day = [i for i in test if table[i][0]["label"] != "escalation"]
        hours = sum(table[i][0]["seconds"] for i in day) / 3600.0
        false = sum(int(table[i][2][c]) for i in day)
        rows.append({"kind": kind, "held_out": held, "params": _pick(P, c),
                     "escalation": len(esc), "proposed": sum(bool(table[i][1][c]) for i in esc),
                     "everyday": len(day), "false": false,
                     "false_per_hour": round(false / hours, 2) if hours else 0.0,
                     "missed": [table[i][0]["seed"] for i in esc if not table[i][1][c]],
                     "false_scenes": [table[i][0]["name"] for i in day if table[i][2][c]]})
    return rows


def tune_all(data, kind, sources=voices.SOURCES):
    """Parameters chosen on every source, then gates only one source needs switched off.
    Returns (params, {gate: sources that need it})."""
    P, n, table = _table(data, kind)
    params = _pick(P, _choose(table, list(range(len(table))), P, n))
    need = {}
    for g in GATES:
        trial = dict(params)
        trial[g] = OFF[g]
        res = verdicts(data, kind, trial, 1)
        need[g] = sorted({t[0]["source"] for t in res if t[0]["label"] != "escalation"
                          and t[2][0] > 0})
        if len(need[g]) <= 1:
            params = trial
    return params, need


def score(data, kind, params):
    """Figures of one parameter set on every scene of a kind, per source and overall."""
    res = verdicts(data, kind, params, 1)
    out = {}
    for src in sorted({t[0]["source"] for t in res}) + ["all"]:
        sel = [t for t in res if src == "all" or t[0]["source"] == src]
        esc = [t for t in sel if t[0]["label"] == "escalation"]
        day = [t for t in sel if t[0]["label"] != "escalation"]
        hours = sum(t[0]["seconds"] for t in day) / 3600.0
        out[src] = {"escalation": len(esc), "proposed": sum(bool(t[1][0]) for t in esc),
                    "everyday": len(day), "false": sum(int(t[2][0]) for t in day),
                    "hours": round(hours, 2)}
    return out


def curve(data, kind, params, name="level_min_dba", span=8):
    """Share proposed and false proposals per hour against one threshold, others fixed."""
    vals = np.arange(params[name] - span, params[name] + span + 1, 2, dtype=np.int64)
    p = dict(params)
    p[name] = vals
    res = verdicts(data, kind, p, len(vals))
    esc = [t for t in res if t[0]["label"] == "escalation"]
    day = [t for t in res if t[0]["label"] != "escalation"]
    hours = sum(t[0]["seconds"] for t in day) / 3600.0
    hit = sum(t[1].astype(np.int64) for t in esc)
    false = sum(t[2] for t in day)
    return [{"value": int(v), "proposed_pct": round(100.0 * int(h) / len(esc), 1),
             "false_per_hour": round(int(f) / hours, 2)} for v, h, f in zip(vals, hit, false)]
