"""`timeout-care`: the care organisation's command (installed into the venv by `make`).

    timeout-care check COUPLE_FILE
    timeout-care write COUPLE_FILE --a PORT --b PORT [--yes] [--new-pair]
    timeout-care status PORT
    timeout-care wipe PORT [--yes]
    timeout-care report --a PORT --b PORT --out FOLDER [--couple REF]
    timeout-care portal [--port 8000] [--data FOLDER] [adduser NAME ROLE]

Works from any folder; `python -m care ...` is the same. CPython only.
"""

import sys

PROVISION = ("check", "write", "status", "wipe")
USAGE = __doc__.split("\n\n")[1]


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print("usage:\n" + USAGE)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd in PROVISION:
        from care import provision

        return provision.main(argv)
    if cmd == "report":
        from care import report

        return report.main(rest)
    if cmd == "portal":
        from care.portal import serve

        return serve.main(rest)
    print("timeout-care: unknown command %r\nusage:\n%s" % (cmd, USAGE), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
