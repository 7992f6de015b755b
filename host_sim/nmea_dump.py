"""Feed a GNSS capture through the device's NMEA parser; print JSON lines (integers only).

Runs unchanged under CPython and under the MicroPython unix port (the `nmea --engine
micropython` path), so it may only use what both have: no pathlib, no argparse, no floats.
Usage: nmea_dump.py FILE [CHUNK_BYTES]
"""

import json
import sys

from gps.nmea import STAT_KEYS, NmeaParser


def dump(path, chunk=64, out=None):
    """Feed the file in chunks like a UART; write one JSON line per fix and a summary."""
    write = out if out is not None else sys.stdout.write
    p = NmeaParser()
    with open(path, "rb") as f:
        while True:
            data = f.read(chunk)
            if not data:
                break
            p.feed(data)
            _drain(p, write)
    p.flush()
    _drain(p, write)
    summary = {"event": "summary"}
    for k in STAT_KEYS:
        summary[k] = p.stats[k]
    write(json.dumps(summary) + "\n")
    return p


def _drain(p, write):
    while True:
        fx = p.pop()
        if fx is None:
            return
        write(json.dumps(fx.to_dict()) + "\n")


def main(argv):
    if len(argv) < 1:
        sys.stderr.write("usage: nmea_dump.py FILE [CHUNK_BYTES]\n")
        return 2
    chunk = 64
    if len(argv) > 1:
        try:
            chunk = int(argv[1])
        except ValueError:
            chunk = 0
        if chunk < 1:
            sys.stderr.write("nmea_dump: CHUNK_BYTES must be a positive integer\n")
            return 2
    try:
        dump(argv[0], chunk)
    except OSError as e:
        sys.stderr.write("nmea_dump: cannot read %s: %s\n" % (argv[0], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
