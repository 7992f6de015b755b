"""Checks one device's parts and prints the result: LED, vibration, buzzer, mic level, GNSS,
modem, battery. For makers and social workers after assembly or deploy:

    mpremote exec "import selftest; selftest.run()"

Prints one JSON line per check and a summary line; returns the results as a dict. A part the
board does not have is "absent", never a failure. Must not change config, journal or session
state, and must not keep audio: only the level of what the microphone heard is printed.
"""

import asyncio
import gc
import json
import math
from array import array

from compat import sleep_ms, ticks_diff, ticks_ms, wait_for_ms

TYPE_CHECKING = False  # the type check reads the board interface; the device never imports it
if TYPE_CHECKING:
    from drivers.board_base import BoardBase

_BLOCK = 320
ORDER = ("board", "feedback", "mic", "gnss", "modem", "battery", "summary")


async def check_feedback(fb):
    fb.show("selftest", (0, 255, 0), (200, 100, 200), "beep", "Self-test")
    await sleep_ms(600)
    fb.show("selftest_off", (0, 0, 0), (), None, "")
    return {"status": "ok", "faults": fb.faults}


def level_db(sum_sq, n, sensitivity_dbfs):
    """(dBFS re a full-scale sine, dB SPL) of n int16 samples whose squares sum to sum_sq.
    Unweighted: a quick "does it hear" figure, not the detector's A-weighted level."""
    if n <= 0:
        return None, None
    ms = sum_sq / n
    if ms <= 0:
        return -120.0, None
    dbfs = 10 * math.log10(ms / (32767 * 32767 / 2))
    return round(dbfs, 1), round(dbfs + 94 - sensitivity_dbfs, 1)


async def check_mic(mic, listen_ms):
    buf = array("h", bytes(2 * _BLOCK))
    n_total = 0
    sum_sq = 0
    peak = 0
    start = ticks_ms()
    while ticks_diff(ticks_ms(), start) < listen_ms:
        try:
            n = await wait_for_ms(mic.readinto(buf), max(1, listen_ms))
        except asyncio.TimeoutError:
            break
        for i in range(n):
            v = buf[i]
            sum_sq += v * v
            if v > peak or -v > peak:
                peak = abs(v)
        n_total += n
    for i in range(len(buf)):  # nothing of what was heard stays behind
        buf[i] = 0
    dbfs, spl = level_db(sum_sq, n_total, mic.sensitivity_dbfs)
    ok = n_total > 0 and peak > 0
    return {"status": "ok" if ok else "fail", "samples": n_total, "rate": mic.sample_rate,
            "dbfs": dbfs, "spl_db": spl, "peak": peak}


async def check_gnss(gnss, listen_ms):
    from gps.nmea import NmeaParser

    gnss.power(True)
    parser = NmeaParser()
    got = 0
    fix = None
    start = ticks_ms()
    while ticks_diff(ticks_ms(), start) < listen_ms and fix is None:
        chunk = await gnss.read(min(1000, listen_ms))
        if chunk:
            got += len(chunk)
            parser.feed(chunk)
        else:
            parser.flush()
        f = parser.pop()
        while f is not None:
            fix = f
            f = parser.pop()
    parser.flush()
    if fix is None:
        fix = parser.pop()
    out = {"bytes": got, "sentences": parser.stats.get("sentences", 0),
           "rejected": parser.stats.get("rejected", 0)}
    if fix is not None:
        out.update(fix.to_dict())
    # bytes but no sentence: wrong baud rate or pins swapped; sentences without fix: sky view
    out["status"] = "fix" if fix is not None else ("no_fix" if out["sentences"] else "fail")
    return out


async def check_modem(hw: "BoardBase", streams, wait_ms):
    from modem.modem import Modem

    await hw.modem_power_on()
    reader, writer = streams
    modem = Modem(reader, writer, hw.MODEM_PROFILE or "a7670e")
    try:
        ok = await wait_for_ms(modem.start(service=False), wait_ms)
    except asyncio.TimeoutError:
        ok = False
    health = dict(modem.health)
    modem.stop()
    health["status"] = "ok" if ok else "fail"
    return health


async def _run(hw: "BoardBase", listen_ms, modem_ms):
    results = {"board": {"status": "ok", "name": hw.name, "kind": hw.kind,
                         "reset_cause": hw.reset_cause()}}
    for name, part in (("feedback", hw.feedback), ("mic", hw.microphone), ("gnss", hw.gnss),
                       ("modem", hw.modem_uart)):
        try:
            got = part()  # the board builds its driver here: a broken part fails its check
            if got is None:
                results[name] = {"status": "absent"}
            elif name == "feedback":
                results[name] = await check_feedback(got)
            elif name == "mic":
                results[name] = await check_mic(got, listen_ms)
            elif name == "gnss":
                results[name] = await check_gnss(got, listen_ms)
            else:
                results[name] = await check_modem(hw, got, modem_ms)
        except Exception as e:  # a broken part is a result, not a crashed self-test
            results[name] = {"status": "fail", "error": repr(e)}
    try:
        mv = hw.battery_mv()
        if mv is not None:
            results["battery"] = {"status": "ok" if mv > 3300 else "low", "mv": mv}
    except Exception as e:
        results["battery"] = {"status": "fail", "error": repr(e)}
    gc.collect()
    failed = sorted(k for k in results if results[k]["status"] in ("fail", "low"))
    results["summary"] = {"status": "fail" if failed else "ok", "failed": failed,
                          "heap_free": gc.mem_free() if hasattr(gc, "mem_free") else None}
    return results


def run(hw=None, listen_ms=1000, modem_ms=20000, quiet=False):
    """Run every check on `hw` (default: this device's board.Board()); print and return."""
    if hw is None:
        import board

        hw = board.Board()
    results = asyncio.run(_run(hw, listen_ms, modem_ms))
    if not quiet:
        for name in ORDER:
            if name not in results:
                continue
            line = {"check": name}
            line.update(results[name])
            print(json.dumps(line))
    return results
