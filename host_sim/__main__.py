"""`python -m host_sim COMMAND ...`: scenarios, the detector on a WAV, NMEA parsing, benchmarks."""

import importlib
import sys

COMMANDS = {
    "run": ("host_sim.run_cli", "run a scenario file on two simulated devices"),
    "detect": ("host_sim.detect_cli", "run the device's loudness detector over a WAV file"),
    "nmea": ("host_sim.nmea_cli", "feed a GNSS capture through the device's NMEA parser"),
    "campaign": ("host_sim.campaign", "random stories with random faults, invariants checked"),
    "bench": ("host_sim.bench", "print the performance figures"),
}


def usage(out):
    out.write("usage: python -m host_sim COMMAND [ARGS]\n\ncommands:\n")
    for name, (_, text) in COMMANDS.items():
        out.write("  %-8s %s\n" % (name, text))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        usage(sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    name = argv[0]
    if name not in COMMANDS:
        sys.stderr.write("host_sim: unknown command %r\n" % name)
        usage(sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
