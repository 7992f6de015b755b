"""The organisation's web app on a real PostgreSQL server (`make test-postgres`, opt-in).

    python -m tools.pg_test [pytest arguments]   # default: tests/test_portal.py

Finds Debian's PostgreSQL server programs (/usr/lib/postgresql/<version>/bin; installed with
apt-get when missing and this runs as root), makes a throwaway cluster in a temporary folder
(initdb; run as the `postgres` user when this runs as root, since the server refuses root),
starts it on 127.0.0.1 at a free port with trust authentication (nothing else can reach it),
creates a database, and runs the portal's tests with DATABASE_URL pointing at it: the app's
migrations are applied by its own start-up (care/portal/serve.py setup) and every test runs on
PostgreSQL. The cluster is stopped and removed afterwards, whatever the outcome. CPython only.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TESTS = ["tests/test_portal.py"]


def server_bin():
    """The folder of initdb and pg_ctl, installing Debian's server package if need be."""
    for attempt in range(2):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                       key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
        if found:
            return Path(found[-1]).parent
        if attempt or os.geteuid() != 0:
            break
        print("installing the PostgreSQL server (Debian package postgresql)", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    sys.exit("pg_test: no PostgreSQL server found (install the Debian package postgresql)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_server_user(cmd):
    """The command as the user the server runs as: `postgres` when this runs as root."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--"] + cmd


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv) or DEFAULT_TESTS
    bindir = server_bin()
    top = Path(tempfile.mkdtemp(prefix="timeout-care-pg-"))
    data, log = top / "cluster", top / "server.log"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(top, user.pw_uid, user.pw_gid)
    port = free_port()
    started = False
    try:
        subprocess.run(as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "care",
                                       "-E", "UTF8", "--auth=trust", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL)
        options = "-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off" % (port, top)
        subprocess.run(as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log),
                                       "-o", options, "-w", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        started = True
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "care", "care"], check=True)
        version = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True,
                                 text=True).stdout.strip()
        url = "postgres://care@127.0.0.1:%d/care" % port
        print("%s at %s" % (version, url), flush=True)
        env = dict(os.environ, DATABASE_URL=url)
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
                              + args, cwd=ROOT, env=env)
        return done.returncode
    finally:
        if started:
            subprocess.run(as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m",
                                           "immediate", "-w", "stop"]),
                           stdout=subprocess.DEVNULL)
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
