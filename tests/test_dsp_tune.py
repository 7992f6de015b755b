"""The tuner's choice of the level (dsp_lab/tune.py): the middle of the range that works on the
training sources, not its edge, so a held-out source a little louder or softer still fits."""

import numpy as np

from dsp_lab import tune


def _grid(levels, extra=None):
    n = len(levels)
    P = {"level_min_dba": np.asarray(levels, dtype=np.int64),
         "shout_s_min": np.full(n, 6, dtype=np.int64)}
    for g in tune.GATES:
        P[g] = np.full(n, tune.OFF[g], dtype=np.int64)
    P.update(extra or {})
    return P


def _table(false_at, lost_above, levels, escalations=3):
    """An everyday scene proposed on at the levels in `false_at`; `escalations` scenes, one of
    them lost above `lost_above`."""
    lv = np.asarray(levels)
    day = ({"label": "everyday"}, None, np.isin(lv, false_at).astype(np.int64),
           np.zeros(len(lv), dtype=np.int64))
    rows = [day]
    for k in range(escalations):
        ok = np.ones(len(lv), dtype=bool) if k else lv <= lost_above
        rows.append(({"label": "escalation"}, ok, ok.astype(np.int64),
                     np.full(len(lv), 10, dtype=np.int64)))
    return rows


def test_the_level_margin_counts_clean_steps_below_and_kept_steps_above():
    levels = list(range(70, 77))
    fp = np.array([1, 1, 0, 0, 0, 0, 0])
    hits = np.array([3, 3, 3, 3, 3, 2, 1])
    steps = tune.level_margin(fp, hits, _grid(levels))
    # 72: a false proposal one step down; 73: one clean step each way; 74: the last kept
    assert list(steps) == [0, 0, 0, 1, 0, 0, 0]


def test_the_tuner_takes_the_middle_of_the_working_range():
    levels = list(range(70, 81))
    table = _table(false_at=[70, 71, 72], lost_above=78, levels=levels)
    P = _grid(levels)
    chosen = tune._choose(table, list(range(len(table))), P, len(levels))
    # clean from 73, every escalation up to 78: the middle is 75 or 76, the higher wins a tie
    assert levels[chosen] == 76
    # with the margin left out the edge would win: the lowest clean level, 73
    assert levels[chosen] != 73


def test_the_margin_is_per_setting_of_the_other_thresholds():
    levels = [70, 71, 72, 73, 74] * 2
    P = _grid(levels, {"shout_s_min": np.array([6] * 5 + [8] * 5, dtype=np.int64)})
    # reshaped (level, other): the grid's first axis is the level, as combos() builds it
    order = np.lexsort((P["shout_s_min"], P["level_min_dba"]))
    P = {k: v[order] for k, v in P.items()}
    fp = np.where(P["shout_s_min"] == 6, (P["level_min_dba"] <= 71), 0).astype(np.int64)
    hits = np.full(len(order), 3, dtype=np.int64)
    steps = tune.level_margin(fp, hits, P)
    six = {int(lv): int(s) for lv, s, c in zip(P["level_min_dba"], steps, P["shout_s_min"])
           if c == 6}
    eight = {int(lv): int(s) for lv, s, c in zip(P["level_min_dba"], steps, P["shout_s_min"])
             if c == 8}
    assert six == {70: 0, 71: 0, 72: 0, 73: 1, 74: 0}
    assert eight == {70: 0, 71: 1, 72: 2, 73: 1, 74: 0}
