"""Loads the device config from flash: the provisioned file, else the last good copy.

A file that fails validation never replaces the working config: the device keeps running on the
last good copy and reports the rejected field. Validation rules live in core/config.py.
"""

from core.config import ConfigError, validate
from store.files import exists, join, read_json, write_json

CONFIG = "config.json"
LAST_GOOD = "config.good.json"


def load(folder):
    """Return (config, problem). problem is None, or a ConfigError explaining the rejection.

    Raises ConfigError when there is no usable config at all (an unprovisioned device).
    """
    problem = None
    path = join(folder, CONFIG)
    raw = read_json(path)
    if raw is None:
        if exists(path):
            problem = ConfigError("(file)", "not readable JSON")
    else:
        try:
            cfg = validate(raw)
            if read_json(join(folder, LAST_GOOD)) != raw:
                write_json(join(folder, LAST_GOOD), raw)
            return cfg, None
        except ConfigError as e:
            problem = e
    good = read_json(join(folder, LAST_GOOD))
    if good is not None:
        try:
            return validate(good), problem
        except ConfigError:
            pass
    raise problem or ConfigError("(file)", "device is not provisioned")
