"""Room scenes for the detector built from several speech sources (`voices`), with labels.

Every scene holds the voices of one source, so leave-one-source-out can hold out everything a
generator made. Escalation scenes: two partners talk, raise their voices and then shout
(onset at `onset_s`); everyday scenes: calm talk, TV, TV drama with shouting in it, music,
vacuum cleaner, dishes, door slams, one shout, children playing, laughter and cheering.

Each voice reaches the microphone through a room impulse response: the direct sound falls with
distance (1/r), the reverberant tail (exponential decay, RT60 0.3-0.7 s) keeps the same energy
everywhere, set by a critical distance of 0.8-1.4 m. Speech levels are the ANSI S3.5 levels at
1 m in that room, each talker with a personal offset. Distances: wearable, the wearer's mouth
0.3 m from the chest microphone and the partner 1-2 m away; home unit, both partners 1.2-3.5 m.
Noises (room, TV bed, music, vacuum, dishes, slams) come from `scenes`.
"""

import numpy as np
from scipy.signal import lfilter, oaconvolve

from dsp_lab import scenes, voices

FS = voices.FS
ESCALATION = "escalation"
EVERYDAY = ("calm", "tv", "tv_drama", "music", "vacuum", "dishes", "slams", "one_shout",
            "children", "laughter", "cheering")


def room_ir(rng, distance_m, rt60_s, rc_m):
    """Impulse response for one talker: direct 1/r plus a diffuse tail of energy 1/rc^2,
    normalised so a talker at 1 m keeps the level that was set for 1 m."""
    n = int(min(rt60_s, 0.8) * FS)
    t = np.arange(n) / FS
    tail = rng.standard_normal(n) * np.exp(-6.91 * t / rt60_s)
    tail[: int(0.004 * FS)] = 0.0
    tail *= np.sqrt((1.0 / rc_m**2) / np.sum(tail**2))
    h = tail
    h[0] += 1.0 / distance_m
    return h / np.sqrt(1.0 + 1.0 / rc_m**2)


class Room:
    def __init__(self, rng):
        self.rng = rng
        self.rt60 = rng.uniform(0.3, 0.7)
        self.rc = rng.uniform(0.8, 1.4)

    def hear(self, dry, distance_m):
        h = room_ir(self.rng, distance_m, self.rt60, self.rc)
        return oaconvolve(dry, h)[: len(dry)]


class Talker:
    """One voice of a source with a personal level offset; utterances at 1 m, free field."""

    def __init__(self, rng, bank, source, voice_i, offset_db=None):
        self.rng = rng
        self.bank = bank
        self.source = source
        self.voice_i = voice_i
        self.offset_db = float(np.clip(rng.normal(0, 2.0), -4, 4)) if offset_db is None \
            else offset_db

    def utter(self, style, level_dba=None):
        """One utterance at its effort's level at 1 m plus the talker's offset, or at
        level_dba."""
        keys = [k for k in self.bank if k[0] == self.voice_i and k[1] == style]
        if not keys:
            raise ValueError("voice %d of %s has no %s" % (self.voice_i, self.source, style))
        x = self.bank[keys[self.rng.integers(len(keys))]].astype(float)
        if level_dba is None:
            level_dba = voices.EFFORT_DBA[voices.STYLES[style][2]] + self.offset_db
            if style == "laugh":
                level_dba -= 3.0
        return x * 10 ** (level_dba / 20)


def _voice_indices(source, sex=None):
    return [i for i, v in enumerate(voices.VOICES[source]) if sex is None or v[1] == sex]


def _place(track, sig, at_s):
    a = int(at_s * FS)
    if a >= len(track):
        return 0.0
    m = min(len(sig), len(track) - a)
    track[a:a + m] += sig[:m]
    return m / FS


def _talk(rng, talkers, track_of, t0, t1, plan):
    """Alternating turns from t0 to t1; plan(t) gives the style of a turn starting at t."""
    t = t0 + rng.uniform(0, 0.5)
    who = int(rng.integers(len(talkers)))
    while t < t1:
        style = plan(t)
        dur = _place(track_of[who], talkers[who].utter(style), t)
        if rng.random() < 0.4 and t + dur < t1:  # a second sentence in the same turn
            dur += rng.uniform(0.1, 0.4)
            dur += _place(track_of[who], talkers[who].utter(style), t + dur)
        t += dur + rng.uniform(0.2, 1.0)
        who = (who + 1) % len(talkers)


def _pair(rng, bank, source):
    """Two talkers of a source: one female and one male voice where the source has both."""
    f = _voice_indices(source, "f")
    m = _voice_indices(source, "m")
    a = f[rng.integers(len(f))] if f else 0
    b = m[rng.integers(len(m))] if m else 1
    pair = [a, b] if rng.random() < 0.5 else [b, a]
    return [Talker(rng, bank, source, i) for i in pair]


def _distances(rng, kind):
    if kind == "wearable":
        return (0.3, rng.uniform(1.0, 2.0))
    return (rng.uniform(1.2, 3.0), rng.uniform(1.5, 3.5))


def _tv_speaker(x):
    return lfilter([1, -1], [1, -0.94], x)  # a small speaker: no bass


def _tv(rng, bank, source, seconds, dba, shouting=0.0):
    """TV at the microphone: dialogue of the source's voices and a music bed. With
    `shouting` > 0, that share of the turns is shouted, compressed the way broadcast sound is
    (at most 6 dB above the dialogue)."""
    n = int(seconds * FS)
    speech = np.zeros(n)
    talkers = [Talker(rng, bank, source, i, 0.0) for i in _voice_indices(source)]
    t = rng.uniform(0, 1)
    while t < seconds:
        tk = talkers[rng.integers(len(talkers))]
        if rng.random() < shouting:
            u = tk.utter("shouted", voices.EFFORT_DBA["normal"] + rng.uniform(3, 6))
        else:
            u = tk.utter("normal" if rng.random() < 0.7 else "raised",
                         voices.EFFORT_DBA["normal"] + rng.uniform(-2, 1))
        t += _place(speech, u, t) + rng.uniform(0.1, 0.8)
    bed = scenes._scale_dba(scenes.music(rng, seconds, 1.0, FS), voices.EFFORT_DBA["normal"]
                            - 12, FS)
    mix = _tv_speaker(speech + bed)
    return scenes._scale_dba(mix, dba, FS)


def _crowd(rng, bank, source, seconds, dba):
    """A stadium on TV: many overlapping voices and noise, with a commentator."""
    n = int(seconds * FS)
    out = scenes.pink_noise(rng, n) * 0.3
    talkers = [Talker(rng, bank, source, i, 0.0) for i in _voice_indices(source)]
    crowd = np.zeros(n)
    for _ in range(int(seconds * 4)):
        tk = talkers[rng.integers(len(talkers))]
        _place(crowd, tk.utter("loud", rng.uniform(-10, 0)), rng.uniform(0, seconds))
    out = scenes._scale_dba(out, 0, FS) + scenes._scale_dba(crowd, -2, FS)
    comm = np.zeros(n)
    _talk(rng, talkers[:1], [comm], 0, seconds, lambda t: "raised")
    mix = _tv_speaker(out + scenes._scale_dba(comm, 2, FS))
    return scenes._scale_dba(mix, dba, FS)


def _switched_on(x, at_s=10.0):
    """An appliance or music that starts at at_s into a quiet room (so the room's baseline
    cannot have followed it yet)."""
    x = x.copy()
    x[: int(at_s * FS)] = 0.0
    return x


def render(name, kind, source, seed, bank=None):
    """One scene: (int16 samples at the microphone, info). name: ESCALATION or one of
    EVERYDAY; kind: wearable or home; source: one of voices.SOURCES."""
    if kind not in ("wearable", "home"):
        raise ValueError("kind must be wearable or home")
    if name != ESCALATION and name not in EVERYDAY:
        raise ValueError("unknown scene %r" % (name,))
    rng = np.random.default_rng([seed, voices.SOURCES.index(source), EVERYDAY.index(name) + 1
                                 if name in EVERYDAY else 0, 0 if kind == "wearable" else 1])
    bank = voices.bank(source) if bank is None else bank
    room = Room(rng)
    pair = _pair(rng, bank, source)
    dist = _distances(rng, kind)
    seconds = 80.0 if name == ESCALATION else 60.0
    n = int(seconds * FS)
    tracks = [np.zeros(n), np.zeros(n)]
    near = np.zeros(n)  # already at the microphone (TV, appliances)
    info = {"name": name, "kind": kind, "source": source, "seed": seed, "seconds": seconds,
            "label": "escalation" if name == ESCALATION else "everyday"}
    calm = lambda t: "normal" if rng.random() < 0.75 else "raised"  # noqa: E731
    noise_dba = rng.uniform(28, 38)
    if name == ESCALATION:
        onset = 35.0
        _talk(rng, pair, tracks, 1, seconds, lambda t: calm(t) if t < 18 else
              (("raised", "loud")[int(rng.integers(2))] if t < onset else
               ("shouted" if rng.random() < 0.8 else "loud")))
        if rng.random() < 0.5:
            near += _tv(rng, bank, source, seconds, rng.uniform(52, 60))
        info["onset_s"] = onset
    elif name == "calm":
        _talk(rng, pair, tracks, 1, seconds, calm)
    elif name in ("tv", "tv_drama"):
        near += _tv(rng, bank, source, seconds, rng.uniform(60, 68),
                    shouting=0.5 if name == "tv_drama" else 0.0)
        _talk(rng, pair, tracks, 10, 25, calm)
    elif name == "music":
        near += _switched_on(scenes.music(rng, seconds, rng.uniform(68, 84), FS))  # a party
        _talk(rng, pair, tracks, 5, seconds, lambda t: "raised")
    elif name == "vacuum":
        near += _switched_on(scenes.vacuum(rng, seconds, rng.uniform(74, 86), FS))
        _talk(rng, pair, tracks, 40, seconds, lambda t: "raised")
    elif name == "dishes":
        near += scenes.dishes(rng, seconds, rng.uniform(66, 72), FS)
        _talk(rng, pair, tracks, 1, seconds, calm)
    elif name == "slams":
        near += scenes.door_slams(rng, seconds, sorted(rng.uniform(2, 58, 5)), peak_dba=95.0)
        _talk(rng, pair, tracks, 1, seconds, calm)
    elif name == "one_shout":
        _talk(rng, pair, tracks, 1, 28, calm)
        who = int(rng.integers(2))
        _place(tracks[who], pair[who].utter("shouted"), 29)
        _talk(rng, pair, tracks, 34, seconds, calm)
    elif name == "children":
        kids = [Talker(rng, bank, source, i) for i in _voice_indices(source, "f")]
        kid_track = np.zeros(n)
        t = rng.uniform(0, 2)
        while t < seconds:
            r = rng.random()
            style = "shriek" if r < 0.08 else ("laugh" if r < 0.25 else "child")
            k = kids[rng.integers(len(kids))]
            t += _place(kid_track, k.utter(style), t) + rng.uniform(0.3, 2.5)
        tracks.append(kid_track)
        dist = dist + (rng.uniform(3.0, 5.0),)  # playing in the other half of the room
        _talk(rng, pair, tracks, 20, 35, calm)
    elif name == "laughter":
        _talk(rng, pair, tracks, 1, seconds, calm)
        t = rng.uniform(3, 8)
        while t < seconds:
            for who in range(1 + int(rng.random() < 0.4)):
                _place(tracks[who], pair[who].utter("laugh"), t + rng.uniform(0, 0.3))
            t += rng.uniform(7, 14)
    elif name == "cheering":
        near += _crowd(rng, bank, source, seconds, rng.uniform(62, 68))
        for t in (rng.uniform(8, 20), rng.uniform(38, 50)):  # two goals
            for who in range(2):
                u = pair[who].utter("shouted")[: int(rng.uniform(1.5, 2.5) * FS)]
                _place(tracks[who], u, t + rng.uniform(0, 0.4))
    out = scenes.room_noise(rng, seconds, noise_dba, FS) + near
    for tr, d in zip(tracks, dist):
        out += room.hear(tr, d)
    info.update({"distances_m": [round(d, 2) for d in dist], "rt60_s": round(room.rt60, 2)})
    return scenes.to_int16(out, FS, rng), info


def scene_list(sources, seeds_escalation, seeds_everyday, kinds=("wearable", "home")):
    """[(name, kind, source, seed)] for a corpus."""
    out = []
    for source in sources:
        for kind in kinds:
            for s in seeds_escalation:
                out.append((ESCALATION, kind, source, s))
            for s in seeds_everyday:
                for name in EVERYDAY:
                    out.append((name, kind, source, s))
    return out
