"""Synthetic audio scenes with ground-truth labels for evaluating the escalation detector.

Speech-like signals are synthesised (no recordings, no Debian packages needed): a jittered
glottal pulse train at the speaker's f0, a vocal-effort spectral tilt, vowel formant resonators
and 3-5 Hz syllable amplitude modulation with phrase pauses. Efforts follow the ANSI S3.5
vocal-effort levels at 1 m: normal 60, raised 66, loud 72, shouted 82 dB(A); the tilt is set so
the 1-4 kHz band rises about 10 dB relative to 0.16-1 kHz from normal to shouted. Household
sounds: room noise, TV, music, vacuum cleaner, door slams, dishes. Every scene is rendered for
one microphone (wearable or home unit) with its distances, then quantised to int16 with the
INMP441 calibration (-26 dBFS at 94 dB SPL) and its 33 dB(A) self-noise.
"""

import numpy as np
from scipy.signal import lfilter

from dsp_lab.model import a_weighted_level_db

FS = 16000
SENSITIVITY_DBFS = -26.0
EFFORT_DBA = {"normal": 60.0, "raised": 66.0, "loud": 72.0, "shouted": 82.0}
# One-pole source low-pass corner (Hz) and F1 raise (Hz) per effort: flatter when shouting.
_TILT_HZ = {"normal": 200.0, "raised": 330.0, "loud": 560.0, "shouted": 1500.0}
_F1_UP = {"normal": 0.0, "raised": 40.0, "loud": 90.0, "shouted": 160.0}
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480),
           (570, 840, 2410), (660, 1720, 2410))
WEARABLE_OWN_M = 0.3  # the wearer's mouth to a chest-worn microphone
WEARABLE_PARTNER_M = 1.5
HOME_A_M, HOME_B_M = 1.5, 2.5


def _resonator(x, f, bw, fs):
    r = np.exp(-np.pi * bw / fs)
    a = [1.0, -2 * r * np.cos(2 * np.pi * f / fs), r * r]
    return lfilter([1 - r], a, x)


def _scale_dba(x, dba, fs):
    """Scale a float signal (units: full-scale = 1.0 peak) so its LAeq is dba at the mic."""
    cur = a_weighted_level_db(x * 32768.0, fs, SENSITIVITY_DBFS)
    return x * 10 ** ((dba - cur) / 20)


def _syllable(rng, effort, f0, fs):
    dur = rng.uniform(0.12, 0.26)
    n = int(dur * fs)
    t = np.arange(n) / fs
    f0s = f0 * (1 + 0.08 * np.sin(2 * np.pi * rng.uniform(1, 3) * t + rng.uniform(0, 6)))
    phase = np.cumsum(f0s / fs)
    pulses = np.diff(np.floor(phase), prepend=0.0)
    pulses *= 1 + 0.05 * rng.standard_normal(n)
    src = lfilter([1.0], [1.0, -0.97], pulses)  # glottal flow
    src = np.diff(src, prepend=0.0)  # lip radiation
    fc = _TILT_HZ[effort]
    p = np.exp(-2 * np.pi * fc / fs)
    src = lfilter([1 - p], [1.0, -p], src)
    f1, f2, f3 = _VOWELS[rng.integers(len(_VOWELS))]
    f1 += _F1_UP[effort]
    v = (_resonator(src, f1, 90, fs) + 1.0 * _resonator(src, f2, 110, fs)
         + 0.8 * _resonator(src, f3, 160, fs))
    if rng.random() < 0.35:  # a fricative onset
        k = int(rng.uniform(0.03, 0.08) * fs)
        fr = lfilter([1.0, -0.9], [1.0], rng.standard_normal(k)) * 0.02 * np.std(v) * 10
        v[:k] += fr[:k]
    env = np.sin(np.pi * np.arange(n) / n) ** 0.7
    return v * env


def speech(rng, seconds, effort, f0, fs=FS, dba_at_1m=None, distance_m=1.0):
    """Phrases of syllables at 3-5 Hz with pauses; LAeq over active speech = effort at 1 m."""
    out = np.zeros(int(seconds * fs))
    pos = 0
    f0 = f0 * (1.0 + {"normal": 0, "raised": 0.15, "loud": 0.3, "shouted": 0.6}[effort])
    while pos < len(out):
        for _ in range(rng.integers(4, 12)):
            s = _syllable(rng, effort, f0 * rng.uniform(0.9, 1.1), fs)
            s *= rng.uniform(0.6, 1.0)
            end = min(len(out), pos + len(s))
            out[pos:end] += s[:end - pos]
            pos = end + int(rng.uniform(0.03, 0.09) * fs)
            if pos >= len(out):
                break
        pos += int(rng.uniform(0.25, 0.8) * fs)
    level = EFFORT_DBA[effort] if dba_at_1m is None else dba_at_1m
    active = out[np.abs(out) > 0]
    cur = a_weighted_level_db(active * 32768.0, fs, SENSITIVITY_DBFS) if len(active) else 0
    return out * 10 ** ((level - 20 * np.log10(distance_m) - cur) / 20)


def pink_noise(rng, n):
    w = rng.standard_normal(n)
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1, -2.494956002, 2.017265875, -0.522189400]
    return lfilter(b, a, w)


def room_noise(rng, seconds, dba=30.0, fs=FS):
    return _scale_dba(pink_noise(rng, int(seconds * fs)), dba, fs)


def tv(rng, seconds, dba=66.0, fs=FS):
    """Dialogue at normal/raised effort through a small speaker, with a music bed."""
    n = int(seconds * fs)
    voices = np.zeros(n)
    pos = 0
    while pos < n:
        turn = rng.uniform(2, 6)
        eff = "normal" if rng.random() < 0.7 else "raised"
        s = speech(rng, turn, eff, rng.choice([110.0, 200.0]), fs)
        end = min(n, pos + len(s))
        voices[pos:end] += s[:end - pos]
        pos = end + int(rng.uniform(0.1, 0.6) * fs)
    bed = music(rng, seconds, 1.0, fs)
    mix = _scale_dba(voices, 0, fs) + _scale_dba(bed, -12, fs)
    mix = lfilter([1, -1], [1, -0.94], mix)  # small speaker: no bass
    return _scale_dba(mix, dba, fs)


def music(rng, seconds, dba=78.0, fs=FS):
    """Chords with harmonics and a drum beat (120 bpm)."""
    n = int(seconds * fs)
    t = np.arange(n) / fs
    out = np.zeros(n)
    beat = 0.5
    for k in range(int(seconds / (4 * beat)) + 1):
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        a, b = int(k * 4 * beat * fs), min(n, int((k + 1) * 4 * beat * fs))
        for ratio in (1.0, 1.26, 1.5, 2.0):
            for h in range(1, 6):
                out[a:b] += np.sin(2 * np.pi * root * ratio * h * t[a:b]) / h ** 1.3
    for k in range(int(seconds / beat)):
        a = int(k * beat * fs)
        m = min(n - a, int(0.15 * fs))
        if m <= 0:
            break
        hit = rng.standard_normal(m) * np.exp(-np.arange(m) / (0.03 * fs))
        out[a:a + m] += (3.0 if k % 2 == 0 else 1.5) * hit
    return _scale_dba(out, dba, fs)


def vacuum(rng, seconds, dba=78.0, fs=FS):
    n = int(seconds * fs)
    t = np.arange(n) / fs
    hum = sum(np.sin(2 * np.pi * 310 * h * t + rng.uniform(0, 6)) / h for h in range(1, 12))
    air = lfilter([1.0, -0.5], [1.0], rng.standard_normal(n))
    sway = 1 + 0.15 * np.sin(2 * np.pi * 0.3 * t)
    return _scale_dba((0.3 * hum + air) * sway, dba, fs)


def door_slams(rng, seconds, times_s, peak_dba=95.0, fs=FS):
    out = np.zeros(int(seconds * fs))
    for ts in times_s:
        m = int(0.25 * fs)
        k = np.arange(m)
        thump = np.sin(2 * np.pi * 70 * k / fs) * np.exp(-k / (0.04 * fs))
        crack = rng.standard_normal(m) * np.exp(-k / (0.015 * fs))
        ev = _scale_dba(thump + 0.7 * crack, peak_dba - 6, fs)  # LAeq over 0.25 s ~ LAFmax - 6
        a = int(ts * fs)
        out[a:a + m] += ev[:len(out) - a]
    return out


def dishes(rng, seconds, dba=68.0, fs=FS):
    """Clinks of plates and cutlery plus running water."""
    n = int(seconds * fs)
    out = np.zeros(n)
    pos = 0
    while True:
        pos += int(rng.exponential(0.4) * fs) + int(0.05 * fs)
        if pos >= n:
            break
        m = int(rng.uniform(0.03, 0.12) * fs)
        k = np.arange(m)
        f = rng.uniform(1800, 6000)
        clink = np.sin(2 * np.pi * f * k / fs) * np.exp(-k / (0.02 * fs)) * rng.uniform(0.3, 1)
        out[pos:pos + m] += clink[:n - pos]
    water = _scale_dba(lfilter([1, -0.7], [1], rng.standard_normal(n)), dba - 12, fs)
    return _scale_dba(out, dba, fs) + water


def to_int16(x, fs=FS, rng=None, mic_noise_dba=33.0):
    """Microphone: add self-noise, convert to int16 (full scale 32768), clip at full scale."""
    rng = np.random.default_rng(0) if rng is None else rng
    x = x + _scale_dba(rng.standard_normal(len(x)), mic_noise_dba, fs)
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def _place(out, sig, at_s, fs=FS):
    a = int(at_s * fs)
    m = min(len(sig), len(out) - a)
    out[a:a + m] += sig[:m]


def conversation(rng, out, t0, t1, plan, dists, fs=FS):
    """Alternating turns between two speakers; plan(t) -> effort for a turn starting at t."""
    t = t0
    who = 0
    f0s = (115.0, 205.0)
    while t < t1:
        turn = rng.uniform(2.0, 5.0)
        eff = plan(t)
        s = speech(rng, min(turn, t1 - t), eff, f0s[who], fs, distance_m=dists[who])
        _place(out, s, t, fs)
        t += turn + rng.uniform(0.2, 0.8)
        who = 1 - who


def _dists(kind):
    return (WEARABLE_OWN_M, WEARABLE_PARTNER_M) if kind == "wearable" else (HOME_A_M, HOME_B_M)


def scene(name, kind, seed=0, fs=FS):
    """Render one named scene. Returns (int16 samples, info dict with label and onset_s)."""
    rng = np.random.default_rng(seed)
    d = _dists(kind)
    if name == "escalation":
        total, onset = 100.0, 45.0
        out = room_noise(rng, total, 30, fs)
        conversation(rng, out, 1, total, lambda t: "normal" if t < 25 else
                     ("raised" if t < onset else "shouted"), d, fs)
        info = {"label": "escalation", "onset_s": onset}
    elif name == "escalation_tv":
        total, onset = 100.0, 40.0
        out = room_noise(rng, total, 30, fs) + tv(rng, total, 60, fs)
        conversation(rng, out, 1, total, lambda t: "raised" if t < onset else "shouted", d, fs)
        info = {"label": "escalation", "onset_s": onset}
    elif name == "calm":
        total = 120.0
        out = room_noise(rng, total, 30, fs)
        conversation(rng, out, 1, total, lambda t: "normal" if rng.random() < 0.7 else "raised",
                     d, fs)
        info = {"label": "calm"}
    elif name == "single_shout":
        total = 90.0
        out = room_noise(rng, total, 30, fs)
        conversation(rng, out, 1, 40, lambda t: "normal", d, fs)
        _place(out, speech(rng, 2.5, "shouted", 115.0, fs, distance_m=d[0]), 41, fs)
        conversation(rng, out, 45, total, lambda t: "normal", d, fs)
        info = {"label": "single_shout"}
    elif name == "tv":
        total = 120.0
        out = room_noise(rng, total, 30, fs) + tv(rng, total, 68, fs)
        info = {"label": "tv"}
    elif name == "slams":
        total = 60.0
        out = room_noise(rng, total, 30, fs) + door_slams(rng, total, [5, 6, 20, 35, 36.5, 50])
        info = {"label": "slam"}
    elif name == "dishes":
        total = 90.0
        out = room_noise(rng, total, 30, fs) + dishes(rng, total, 70, fs)
        conversation(rng, out, 1, total, lambda t: "normal", d, fs)
        info = {"label": "dishes"}
    elif name == "vacuum":
        total = 90.0
        out = room_noise(rng, total, 30, fs) + vacuum(rng, total, 80, fs)
        info = {"label": "vacuum", "report_only": True}
    elif name == "music":
        total = 90.0
        out = room_noise(rng, total, 30, fs) + music(rng, total, 82, fs)
        info = {"label": "music", "report_only": True}
    else:
        raise ValueError("unknown scene %r" % name)
    info.update({"name": name, "kind": kind, "seconds": total})
    return to_int16(out, fs, rng), info


SCENES = ("escalation", "escalation_tv", "calm", "single_shout", "tv", "slams", "dishes",
          "vacuum", "music")


def everyday_hour(rng, minutes=60, kind="home", fs=FS):
    """Everyday home audio: a random sequence of quiet, talk, TV, dishes, slams and music."""
    parts = []
    for _ in range(minutes):
        pick = rng.integers(6)
        d = _dists(kind)
        seg = room_noise(rng, 60, 30, fs)
        if pick == 1:
            conversation(rng, seg, 0, 60, lambda t: "normal" if rng.random() < 0.7
                         else "raised", d, fs)
        elif pick == 2:
            seg += tv(rng, 60, rng.uniform(60, 70), fs)
        elif pick == 3:
            seg += dishes(rng, 60, 68, fs)
        elif pick == 4:
            seg += door_slams(rng, 60, list(rng.uniform(0, 58, 3)))
            conversation(rng, seg, 0, 60, lambda t: "normal", d, fs)
        elif pick == 5:
            seg += music(rng, 60, rng.uniform(65, 75), fs)
        parts.append(to_int16(seg, fs, rng))
    return np.concatenate(parts)
