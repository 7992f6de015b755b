"""`timeout-care portal`: prepare and serve the organisation's web app.

    timeout-care portal [--port 8000] [--data FOLDER]     migrate, first administrator, serve
    timeout-care portal adduser NAME ROLE                 ROLE: socialworker, caseworker, admin

The first start creates an administrator "admin" with a generated password, printed once.
Serves on 127.0.0.1 only (put a TLS proxy in front to serve a network). CPython only.
"""

import argparse
import os
import secrets
import sys

ROLES = {"socialworker": "social worker", "caseworker": "caseworker",
         "admin": "administrator"}


def setup(data=None):
    if data:
        os.environ["TIMEOUT_CARE_DATA"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care.portal.settings")
    import django

    from care.portal import catalogue

    catalogue.compile_all()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def add_user(name, role, password=None, say=print):
    """Create an account with one role; returns its password (generated unless given)."""
    from django.contrib.auth.models import Group, User

    if role not in ROLES:
        raise ValueError("role must be one of %s" % ", ".join(ROLES))
    password = password or secrets.token_urlsafe(12)
    user = User.objects.create_user(name, password=password)
    user.groups.add(Group.objects.get(name=ROLES[role]))
    if role == "admin":
        user.is_staff = user.is_superuser = True
        user.save()
    say("account %s (%s) created; password: %s  (shown once: write it down, change it after "
        "the first log-in)" % (name, ROLES[role], password))
    return password


def first_admin(say=print):
    from django.contrib.auth.models import User

    if User.objects.filter(is_superuser=True).exists():
        return None
    say("first start: creating the first administrator")
    return add_user("admin", "admin", say=say)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="timeout-care portal",
                                 description="The organisation's web app.")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--data", default=None,
                    help="data folder (default: $TIMEOUT_CARE_DATA or ./timeout-care-data)")
    ap.add_argument("action", nargs="*", help="adduser NAME ROLE")
    args = ap.parse_args(argv)
    setup(args.data)
    if args.action:
        if len(args.action) != 3 or args.action[0] != "adduser":
            ap.error("only: adduser NAME ROLE")
        try:
            add_user(args.action[1], args.action[2])
        except Exception as e:  # a name in use, an unknown role: said, not a traceback
            print("error: %s" % e, file=sys.stderr)
            return 2
        return 0
    first_admin()
    from django.conf import settings
    from django.core.management import call_command

    print("data folder: %s" % settings.DATA)
    print("database: %s" % settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1])
    print("serving on http://127.0.0.1:%d/  (log in there; Ctrl-C stops)" % args.port,
          flush=True)
    call_command("runserver", "127.0.0.1:%d" % args.port, use_reloader=False, insecure=True,
                 verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
