"""Speech from several independent generators at four vocal efforts, for the detector corpus.

Sources: espeak-ng (English and Dutch voices, male and female variants), flite (four voices),
festival (two diphone voices and one HTS voice) and the project's own formant synthesiser
(`scenes.speech`). The three text-to-speech programs come from Debian packages (`make test`
installs them when they are missing); nothing here is a recording of a person.

Vocal effort changes what it changes in real speech:
- pitch: f0 rises by `STYLES[style][0]` semitones (the generator's own pitch control where it
  has one: espeak-ng -p, flite int_f0_target_mean, festival int_lr_params; otherwise sox
  `pitch`, which shifts the formants along with f0);
- rhythm: syllables are stretched by `STYLES[style][1]` (shouted speech is slower, with
  longer vowels);
- spectrum: each utterance is filtered by the difference between the ANSI S3.5-1997 (Table 3)
  standard speech spectrum of its effort and that of normal effort, per third-octave band,
  so the 1-4 kHz band rises relative to the low band as in real raised and shouted speech;
- level: set by the scene (`EFFORT_DBA`, the A-weighted levels of the ANSI spectra at 1 m).

Generated audio is cached under build/dsp_corpus/, keyed by a hash of the settings below and
of the generators' versions, so a second run only reads files.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from dsp_lab.design import a_weight_db

FS = 16000
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "dsp_corpus"

# ANSI S3.5-1997 Table 3: standard speech spectrum level (dB re 20 uPa per Hz, talker at 1 m)
# per third-octave band, 160 Hz to 8 kHz, for normal, raised, loud and shouted effort.
ANSI_BANDS_HZ = (160, 200, 250, 315, 400, 500, 630, 800, 1000, 1250, 1600, 2000, 2500, 3150,
                 4000, 5000, 6300, 8000)
ANSI_SPECTRUM = {
    "normal": (32.41, 34.48, 34.75, 33.98, 34.59, 34.27, 32.06, 28.30, 25.01, 23.00, 20.15,
               17.32, 13.18, 11.55, 9.33, 5.31, 2.59, 1.13),
    "raised": (33.81, 33.92, 38.98, 38.57, 39.11, 40.15, 38.78, 36.37, 33.86, 31.89, 28.58,
               25.32, 22.35, 20.15, 16.78, 11.47, 7.67, 5.07),
    "loud": (35.29, 37.76, 41.55, 43.78, 43.40, 44.85, 45.55, 44.05, 42.16, 40.53, 37.70,
             34.39, 30.98, 28.21, 25.41, 18.35, 13.87, 11.39),
    "shouted": (30.77, 36.65, 42.50, 46.51, 47.40, 49.24, 51.21, 51.44, 51.31, 49.63, 47.65,
                44.32, 40.80, 38.13, 34.41, 28.24, 23.45, 20.72),
}


def ansi_level_dba(effort):
    """A-weighted overall level at 1 m of the ANSI spectrum of one effort."""
    f = np.array(ANSI_BANDS_HZ, float)
    band = np.array(ANSI_SPECTRUM[effort]) + 10 * np.log10(0.2316 * f)
    return float(10 * np.log10(np.sum(10 ** ((band + a_weight_db(f)) / 10))))


def ansi_band_ratio_db(effort):
    """1-4 kHz band level minus 160 Hz-1 kHz band level of the ANSI spectrum (dB)."""
    f = np.array(ANSI_BANDS_HZ, float)
    p = 10 ** ((np.array(ANSI_SPECTRUM[effort]) + 10 * np.log10(0.2316 * f)) / 10)
    hi = p[(f >= 1000) & (f <= 4000)].sum()
    lo = p[(f >= 160) & (f < 1000)].sum()
    return float(10 * np.log10(hi / lo))


EFFORT_DBA = {e: round(ansi_level_dba(e), 1) for e in ANSI_SPECTRUM}

# style: (f0 rise in semitones, duration stretch, ANSI spectrum it is given)
STYLES = {
    "normal": (0.0, 1.00, "normal"),
    "raised": (2.5, 1.05, "raised"),
    "loud": (5.0, 1.10, "loud"),
    "shouted": (8.0, 1.20, "shouted"),
    "laugh": (6.0, 0.90, "loud"),
    "child": (0.0, 0.95, "raised"),  # on a female voice, f0 set to CHILD_F0_HZ
    "shriek": (0.0, 1.00, "shouted"),  # on a female voice, f0 set to SHRIEK_F0_HZ
}
CHILD_F0_HZ = 300.0
SHRIEK_F0_HZ = 480.0

TEXTS = {
    "en": ("Why do you always do this to me? I told you a hundred times.",
           "No, you listen to me now, I am sick of it, do you hear me?",
           "Where were you all night, and who were you with? Answer me!"),
    "nl": ("Waarom doe je dit altijd? Ik heb het je honderd keer gezegd.",
           "Nee, nu luister jij naar mij, ik ben het zat, hoor je me?",
           "Waar was je de hele nacht, en met wie? Geef antwoord!"),
}
LAUGH_TEXT = "ha ha ha ha ha, ha ha ha"
CHILD_TEXTS = {"en": ("Catch me, catch me, you can't get me!", "My turn, my turn, give it!"),
               "nl": ("Pak me dan, pak me dan, je krijgt me niet!", "Ik ben aan de beurt!")}

# voice: (generator's name for it, sex, language, natural f0 in Hz)
VOICES = {
    "espeak": (("en-us", "m", "en", 98.0), ("en-us+f3", "f", "en", 200.0),
               ("nl", "m", "nl", 103.0), ("nl+f2", "f", "nl", 193.0)),
    "flite": (("rms", "m", "en", 100.0), ("awb", "m", "en", 128.0), ("slt", "f", "en", 172.0),
              ("kal16", "m", "en", 91.0)),
    "festival": (("kal_diphone", "m", "en", 106.0), ("ked_diphone", "m", "en", 110.0),
                 ("cmu_us_slt_arctic_hts", "f", "en", 175.0)),
    "formant": (("m115", "m", "en", 115.0), ("f205", "f", "en", 205.0),
                ("m140", "m", "en", 140.0), ("f240", "f", "en", 240.0)),
}
SOURCES = tuple(VOICES)
TOOLS = {"espeak": ("espeak-ng",), "flite": ("flite",), "festival": ("festival", "sox"),
         "formant": ()}


def available(source):
    return all(shutil.which(t) for t in TOOLS[source])


def _target_f0(voice, style):
    base = voice[3]
    st, _, _ = STYLES[style]
    if style == "child":
        return CHILD_F0_HZ
    if style == "shriek":
        return SHRIEK_F0_HZ
    return base * 2 ** (st / 12)


def _read_wav(path):
    with wave.open(str(path), "rb") as w:
        fs = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float) / 32768.0
    if fs != FS:
        g = np.gcd(int(fs), FS)
        x = resample_poly(x, FS // g, int(fs) // g)
    return x


def _sox_pitch(path, semitones, tempo=1.0):
    """sox pitch shift (formants move too) and tempo change, in place."""
    if abs(semitones) < 0.05 and abs(tempo - 1) < 1e-3:
        return
    out = "%s.%d.sox.wav" % (path, os.getpid())
    cmd = ["sox", str(path), out, "pitch", "%d" % round(semitones * 100)]
    if abs(tempo - 1) >= 1e-3:
        cmd += ["tempo", "-s", "%.3f" % tempo]
    subprocess.run(cmd, check=True, capture_output=True)
    os.replace(out, path)


def _espeak(voice, style, text, path):
    name = voice[0]
    st = 12 * np.log2(_target_f0(voice, style) / voice[3])
    p = int(round(50 + st / 0.187))  # -p 50 is the voice's own pitch; 99 is about +9 st
    extra = 0.0
    if p > 99:
        extra = (p - 99) * 0.187
        p = 99
    speed = int(round(170 / STYLES[style][1]))
    subprocess.run(["espeak-ng", "-v", name, "-p", str(max(0, p)), "-s", str(speed), "-w",
                    str(path), text], check=True, capture_output=True)
    if extra:
        _sox_pitch(path, extra)


def _flite(voice, style, text, path):
    f0 = _target_f0(voice, style)
    subprocess.run(["flite", "-voice", voice[0], "-t", text, "-o", str(path),
                    "--setf", "int_f0_target_mean=%.0f" % f0,
                    "--setf", "int_f0_target_stddev=%.0f" % (0.15 * f0),
                    "--setf", "duration_stretch=%.2f" % STYLES[style][1]],
                   check=True, capture_output=True)


def _festival_batch(jobs):
    """jobs: [(voice, style, text, path)]: one festival process for all diphone utterances;
    the HTS voice has no f0 control here, sox shifts it afterwards."""
    lines = []
    post = []
    for voice, style, text, path in jobs:
        f0 = _target_f0(voice, style)
        safe = text.replace('"', "")
        lines.append("(voice_%s)" % voice[0])
        lines.append("(Parameter.set 'Duration_Stretch %.2f)" % STYLES[style][1])
        if voice[0].endswith("_diphone"):
            lines.append("(set! int_lr_params (list (list 'target_f0_mean %.0f) (list "
                         "'target_f0_std %.0f) (list 'model_f0_mean 170) (list "
                         "'model_f0_std 34)))" % (f0, 0.15 * f0))
        else:
            post.append((path, 12 * np.log2(f0 / voice[3])))
        lines.append('(utt.save.wave (SynthText "%s") "%s" \'riff)' % (safe, path))
    with tempfile.NamedTemporaryFile("w", suffix=".scm", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        script = f.name
    try:
        subprocess.run(["festival", "-b", script], check=True, capture_output=True, timeout=600)
    finally:
        os.unlink(script)
    for path, st in post:
        _sox_pitch(path, st)


def effort_filter(x, effort):
    """Apply the ANSI S3.5 spectrum change from normal to `effort` (FFT domain, zero phase)."""
    if effort == "normal":
        return x
    f = np.fft.rfftfreq(len(x), 1 / FS)
    bands = np.log2(np.array(ANSI_BANDS_HZ, float))
    delta = np.array(ANSI_SPECTRUM[effort]) - np.array(ANSI_SPECTRUM["normal"])
    g_db = np.interp(np.log2(np.maximum(f, 1.0)), bands, delta)  # flat beyond the table
    return np.fft.irfft(np.fft.rfft(x) * 10 ** (g_db / 20), len(x))


def _formant(voice, style, text_i, seed):
    from dsp_lab import scenes

    rng = np.random.default_rng(seed)
    eff = STYLES[style][2]
    rise = {"normal": 0.0, "raised": 0.15, "loud": 0.3, "shouted": 0.6}[eff]  # its own rise
    f0 = voice[3] if style == eff else _target_f0(voice, style) / (1 + rise)
    return scenes.speech(rng, 2.5 + 0.5 * text_i, eff, f0, FS)


def _unit_level(x):
    """x scaled to an A-weighted level of 0 dB at the microphone's calibration, so a level L
    is x * 10 ** (L / 20) with no further analysis."""
    from dsp_lab.model import a_weighted_level_db

    x = x / (float(np.max(np.abs(x))) or 1.0)
    return x * 10 ** (-a_weighted_level_db(x * 32768.0, FS) / 20)


def plan(source, styles=tuple(STYLES)):
    """The utterances one source contributes: [(voice index, style, text index, text)]."""
    out = []
    for vi, voice in enumerate(VOICES[source]):
        lang = voice[2]
        for style in styles:
            if style in ("child", "shriek"):
                if voice[1] != "f":
                    continue
                texts = CHILD_TEXTS[lang]
            elif style == "laugh":
                texts = (LAUGH_TEXT,)
            else:
                texts = TEXTS[lang]
            for ti, text in enumerate(texts):
                out.append((vi, style, ti, text))
    return out


def _versions():
    v = {}
    for tool, args in (("espeak-ng", ["--version"]), ("flite", ["--version"]),
                       ("festival", ["--version"]), ("sox", ["--version"])):
        if shutil.which(tool):
            r = subprocess.run([tool] + args, capture_output=True)
            v[tool] = (r.stdout or r.stderr).decode(errors="replace").strip()[:80]
    return v


def settings_hash(source):
    spec = {"source": source, "voices": VOICES[source], "styles": STYLES, "texts": TEXTS,
            "child": CHILD_TEXTS, "laugh": LAUGH_TEXT, "ansi": ANSI_SPECTRUM, "fs": FS,
            "f0": [CHILD_F0_HZ, SHRIEK_F0_HZ], "version": 4,
            "tools": {t: _versions().get(t) for t in ("espeak-ng", "flite", "festival", "sox")
                      if t in " ".join(TOOLS[source])}}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def bank(source, cache=CACHE):
    """{(voice index, style, text index): float samples at 16 kHz, A-weighted level 0 dB
    (see _unit_level), from the
    cache or generated now. Raises RuntimeError if the source's programs are missing."""
    if not available(source):
        raise RuntimeError("%s: needs %s (make test installs it)" % (source,
                                                                     " ".join(TOOLS[source])))
    path = Path(cache) / ("%s-%s.npz" % (source, settings_hash(source)))
    if path.exists():
        with np.load(path) as z:
            keys = json.loads(str(z["keys"]))
            return {tuple(k): z["u%d" % i] for i, k in enumerate(keys)}
    items = plan(source)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        fest = []
        for n, (vi, style, _ti, text) in enumerate(items):
            voice = VOICES[source][vi]
            wav = Path(tmp) / ("u%d.wav" % n)
            if source == "espeak":
                _espeak(voice, style, text, wav)
            elif source == "flite":
                _flite(voice, style, text, wav)
            elif source == "festival":
                fest.append((voice, style, text, str(wav)))
        if fest:
            _festival_batch(fest)
        for n, (vi, style, ti, _text) in enumerate(items):
            if source == "formant":
                x = _formant(VOICES[source][vi], style, ti, seed=1000 * vi + 10 * ti + n)
            else:
                x = _read_wav(Path(tmp) / ("u%d.wav" % n))
                x = effort_filter(x, STYLES[style][2])
            out[(vi, style, ti)] = _unit_level(x).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = [list(k) for k in out]
    tmp_path = path.with_suffix(".%d.tmp.npz" % os.getpid())  # two test processes may build it
    np.savez_compressed(tmp_path, keys=json.dumps(keys),
                        **{"u%d" % i: out[tuple(k)] for i, k in enumerate(keys)})
    os.replace(tmp_path, path)
    return out
