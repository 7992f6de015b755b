"""The viper kernel under real MicroPython equals the numpy integer model bit for bit, and the
model proves every intermediate fits a signed 32-bit word (the ESP32's viper int)."""

from array import array

import numpy as np
import pytest
from mpy import run

from dsp.coeffs import COEFFS
from dsp.kernel_ref import aweight_block
from dsp_lab import scenes as audio_scenes
from dsp_lab.evaluate import BLOCK, RUNNER
from dsp_lab.model import INT32_MAX, IntModel


def _varied_audio(fs, clips, rng):
    """clips x 1 s of tones, sweeps, noise, speech-like and full-scale squares."""
    t = np.arange(fs) / fs
    rows = []
    for k in range(clips):
        kind = k % 6
        amp = 10 ** rng.uniform(-4, 0) * 32767
        if kind == 0:
            x = amp * np.sin(2 * np.pi * rng.uniform(20, fs / 2) * t)
        elif kind == 1:
            f0, f1 = rng.uniform(20, 200), rng.uniform(1000, fs / 2)
            x = amp * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / 2))
        elif kind == 2:
            x = amp * rng.standard_normal(fs) / 3
        elif kind == 3:
            x = audio_scenes.speech(rng, 1.0, rng.choice(list(audio_scenes.EFFORT_DBA)),
                                    rng.uniform(100, 250), fs, dba_at_1m=rng.uniform(60, 110))
            x = x * 32768
        elif kind == 4:
            x = np.where(np.sin(2 * np.pi * rng.uniform(20, fs / 2) * t) >= 0, 32767, -32768)
        else:
            x = rng.uniform(-32768, 32767, fs)
        rows.append(np.clip(np.round(x), -32768, 32767).astype(np.int16))
    return np.stack(rows)


def _viper(tmp_path, x, fs, which="viper"):
    raw = tmp_path / "in.raw"
    x.astype("<i2").tofile(raw)
    res = run(RUNNER, "kernel", raw, fs, BLOCK[fs], x.shape[1], which)
    assert res.returncode == 0, res.stderr.decode()
    return np.frombuffer(res.stdout, dtype="<i4").reshape(x.shape[0], -1, 5)


@pytest.mark.parametrize("fs,clips", [(16000, 480), (8000, 240)])
def test_viper_kernel_is_bit_exact_on_ten_minutes(tmp_path, fs, clips):
    """480 s at 16 kHz + 240 s at 8 kHz = 12 minutes of varied audio, fresh state per clip."""
    x = _varied_audio(fs, clips, np.random.default_rng(fs))
    model = IntModel(clips, COEFFS[fs], check=True)
    expected = model.run(x, BLOCK[fs])
    got = _viper(tmp_path, x, fs)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)
    assert model.fits_int32(), model.peak
    assert expected[:, :, 0].max() > 0  # the comparison saw real energy


def _worst_case(fs):
    n = fs // 2
    i = np.arange(n)
    rows = [np.where(i % 2, 32767, -32768),  # Nyquist at full scale
            np.where(i < n // 2, -32768, 32767),  # full-scale step
            np.where((i // 3) % 2, 32767, -32768)]
    for period in (4, 6, 8, 12, 16, 24, 32, 64, 160, 400, 1000):
        rows.append(np.where((i // (period // 2)) % 2, 32767, -32768))
        rows.append(np.where((i % period) == 0, 32767, -32768))  # full-scale pulse trains
    return np.stack(rows).astype(np.int16)


@pytest.mark.parametrize("fs", [16000, 8000])
def test_worst_case_input_fits_int32(fs):
    x = _worst_case(fs)
    model = IntModel(x.shape[0], COEFFS[fs], check=True)
    model.run(x, 1024)  # the largest block the detector accepts: the largest sums
    assert model.fits_int32(), model.peak
    assert model.peak > 2**30  # the check really sees the large values (squares near 2**31)


def test_range_check_can_fail():
    m = IntModel(1, COEFFS[16000], check=True)
    m._chk(np.array([INT32_MAX + 1]))
    assert not m.fits_int32()


def test_plain_python_kernel_matches_model():
    fs = 16000
    x = _varied_audio(fs, 6, np.random.default_rng(11))[:, :6400]
    expected = IntModel(6, COEFFS[fs], check=False).run(x, 320)
    for r in range(6):
        st, out, coef = array("i", [0] * 9), array("i", [0] * 5), array("i", COEFFS[fs][:7])
        for b in range(0, 6400, 320):
            aweight_block(array("h", x[r, b:b + 320].tobytes()), 320, st, coef, out)
            assert list(out) == list(expected[r, b // 320])


def test_plain_kernel_under_micropython_matches(tmp_path):
    fs = 8000
    x = _varied_audio(fs, 6, np.random.default_rng(12))
    expected = IntModel(6, COEFFS[fs], check=False).run(x, BLOCK[fs])
    assert np.array_equal(_viper(tmp_path, x, fs, "ref"), expected)


def test_detector_allocates_nothing_per_block_or_second(tmp_path):
    """The whole detector chain (viper kernel, levels, the per-second rule) under the unix
    port: gc.mem_free() does not move over blocks nor over whole seconds."""
    from dsp_lab.scenes import FS, scene
    from host_sim.bench import _mpy_bench

    x, _ = scene("escalation", "wearable", seed=2)  # loud seconds: every gate is evaluated
    raw = tmp_path / "a.raw"
    x[FS * 50:FS * 51].astype("<i2").tofile(raw)
    res = _mpy_bench(str(raw), FS, "viper")
    assert res["bytes_per_block"] == 0 and res["bytes_per_second"] == 0, res
    assert res["samples_per_s"] > 0
