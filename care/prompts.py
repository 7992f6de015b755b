"""The spoken prompts of one wearer's device, rendered at provisioning: every clip that
firmware/ui/prompts.py can ask for (the pieces of every cue text in the wearer's language, the
phrases, the wearer's task, the contact persons' names, the numbers of minutes), spoken by
espeak-ng (Debian) or taken from a WAV the social worker recorded (the task in the wearer's own
voice), stored as 8 kHz G.711 mu-law: one byte a sample, 8 KB a second of speech. Each clip
starts with an 8-byte header: drivers/speaker.MAGIC and the CRC-32 of the words it says, so the
device never plays a clip rendered for other words (ui/prompts.prompt).

    python -m care.prompts CONFIG.json OUT_FOLDER [--task-wav FILE]

prints the flash the prompts take; `timeout-care write --prompts` renders and writes them to
both devices (care/provision.py).
"""

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import wave

import numpy as np

from care.legend import _cue_lines

_FIRMWARE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "firmware")
if _FIRMWARE not in sys.path:
    sys.path.insert(0, _FIRMWARE)

from drivers.speaker import MAGIC  # noqa: E402
from ui.prompts import pieces, words_check  # noqa: E402  (the firmware's own cutting and check)

RATE = 8000
VOICES = {"nl": "nl", "en": "en"}
MAX_RECORDING_S = 20  # a recorded task: 8 KB of flash a second, next to about 1.2 MB of clips


def needed(cfg):
    """{clip name: text to speak} for a config (language, task, contacts, timeout_min,
    extension_min): every clip ui.prompts.clips can name for it."""
    lang = cfg.get("language", "nl")
    cues, phrases = _cue_lines(lang)
    out = {}
    for key, _rgb, _vib, _tone, text in cues:
        _texts("k_" + key, text, out)
    for name, text in phrases.items():
        _texts("p_" + name, text, out)
    out["task"] = cfg["task"]
    for i, contact in enumerate(cfg.get("contacts", [])):
        out["contact_%d" % i] = contact["name"]
    for n in range(0, max(cfg.get("timeout_min", 60), cfg.get("extension_min", 15)) + 1):
        out["num_%d" % n] = str(n)
    return out


def _texts(prefix, template, out):
    n = 0
    for kind, text in pieces(template):
        if kind == "text":
            out["%s_%d" % (prefix, n)] = text.strip()
            n += 1


def speak(text, lang):
    """espeak-ng's WAV of `text` as int16 samples at RATE."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (make speech-tools)")
    wav = subprocess.run([exe, "-v", VOICES.get(lang, lang), "--stdout", text],
                         capture_output=True, check=True, timeout=60).stdout
    return read_wav(io.BytesIO(wav))


def read_wav(src):
    """int16 mono samples at RATE from a PCM WAV (any rate, mono or stereo, 16-bit);
    ValueError for anything else."""
    from scipy.signal import resample_poly

    try:
        with wave.open(src, "rb") as w:
            if w.getsampwidth() != 2:
                raise ValueError("the WAV must be 16-bit PCM")
            rate, channels = w.getframerate(), w.getnchannels()
            x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64)
    except (wave.Error, EOFError) as e:
        raise ValueError("not a readable WAV: %s" % e) from None
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    if rate != RATE:
        g = np.gcd(rate, RATE)
        x = resample_poly(x, RATE // g, rate // g)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def mulaw(samples):
    """G.711 mu-law bytes of int16 samples (the 14-bit segment encoder of the reference g711.c:
    the sample shifted to 14 bits, biased by 33, clipped at 8159)."""
    x = np.asarray(samples, dtype=np.int32) >> 2
    mask = np.where(x < 0, 0x7F, 0xFF)
    mag = np.minimum(np.abs(x), 8159) + 0x21
    seg = np.floor(np.log2(mag)).astype(np.int32) - 5  # 0x3F ends segment 0
    seg = np.maximum(seg, 0)
    uval = np.where(seg >= 8, 0x7F, (seg << 4) | ((mag >> (seg + 1)) & 0x0F))
    return ((uval ^ mask) & 0xFF).astype(np.uint8).tobytes()


def clip_file(words, samples):
    """A clip's file: the header for `words`, then the mu-law samples."""
    return MAGIC + words_check(words).to_bytes(4, "big") + mulaw(samples)


def render_clips(cfg, task_wav=None):
    """{clip name: file bytes} for every clip of a config (task_wav: the task as recorded)."""
    lang = cfg.get("language", "nl")
    out = {}
    for name, text in sorted(needed(cfg).items()):
        if name == "task" and task_wav:
            samples = read_wav(task_wav)
            if len(samples) > MAX_RECORDING_S * RATE:
                raise ValueError("the recorded task lasts %.0f s; at most %d s fit the flash"
                                 % (len(samples) / RATE, MAX_RECORDING_S))
            if not len(samples) or not np.any(samples):
                raise ValueError("the recorded task is silent")
        else:
            samples = speak(text, lang)
        out[name] = clip_file(text, samples)
    return out


def render(cfg, folder, task_wav=None):
    """Write every clip as folder/<name>.ul; returns {name: bytes}."""
    os.makedirs(folder, exist_ok=True)
    sizes = {}
    for name, data in render_clips(cfg, task_wav).items():
        with open(os.path.join(folder, name + ".ul"), "wb") as f:
            f.write(data)
        sizes[name] = len(data)
    return sizes


def flash_line(sizes, tr=str):
    """What the prompts take, said to the social worker (tr: into their language)."""
    total = sum(sizes.values())
    return tr("%(clips)d clips, %(bytes)d bytes of flash (%(seconds).0f s of speech)") % {
        "clips": len(sizes), "bytes": total, "seconds": total / RATE}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m care.prompts", description=__doc__.split("\n")[0])
    ap.add_argument("config", help="the wearer's config.json")
    ap.add_argument("out", help="the folder for the clips")
    ap.add_argument("--task-wav", help="the task as a WAV the social worker recorded")
    args = ap.parse_args(argv)
    try:
        with open(args.config, encoding="utf-8") as f:
            cfg = json.load(f)
        sizes = render(cfg, args.out, args.task_wav)
    except (OSError, ValueError, KeyError, RuntimeError, subprocess.CalledProcessError) as e:
        print("prompts: %s" % e, file=sys.stderr)
        return 2
    print(flash_line(sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
