"""Upgrades a config document of an older schema version to the current one; validates nothing.

Pure: a dict in, a new dict out, no file I/O. Each step upgrades one version, so a file from any
older firmware walks up step by step. A file from a newer firmware, or without a readable
version, is refused (ConfigError) rather than guessed at. Validation stays in core/config.py.
"""

from core.config import VERSION, ConfigError


def _v1_to_v2(raw):
    # Version 2 adds the partners' consent choices for the caseworker report. An old file
    # never asked the wearer, so nothing is shared until the social worker asks them.
    out = dict(raw)
    if "consent" not in out:
        out["consent"] = {}
    out["version"] = 2
    return out


_STEPS = {1: _v1_to_v2}


def migrate(raw):
    """Return (document at the current version, version it had). Raises ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError("(file)", "must be a JSON object")
    version = raw.get("version", 1)  # version-1 files could leave it out (default 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ConfigError("version", "must be a whole number from 1")
    if version > VERSION:
        raise ConfigError("version", "written for newer firmware (%d > %d)" % (version, VERSION))
    start = version
    out = raw
    while version < VERSION:
        out = _STEPS[version](out)
        version += 1
    return out, start
