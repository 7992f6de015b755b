"""Loads the device config from flash: the provisioned file, else the last good copy.

A file that fails validation never replaces the working config: the device keeps running on the
last good copy and reports the rejected field. A file of an older schema version is upgraded
(store/migrate.py) and written back in the new form. Validation rules live in core/config.py.
"""

from core.config import ConfigError, validate
from store.files import exists, join, read_json, write_json
from store.migrate import migrate

CONFIG = "config.json"
LAST_GOOD = "config.good.json"


def _upgrade(folder, name, raw):
    """The checked config from `raw` (migrated, rewritten on flash when it was old)."""
    doc, old = migrate(raw)
    cfg = validate(doc)
    if doc is not raw:
        write_json(join(folder, name), doc)  # atomic: the old file or the new, never half
    return cfg, doc, old


def load_checked(folder):
    """Return (config, problem, migrated_from).

    problem is None, or a ConfigError explaining why config.json was rejected (the last good
    copy is then in use). migrated_from is the schema version config.json was upgraded from,
    or None. Raises ConfigError when there is no usable config at all (an unprovisioned device).
    """
    problem = None
    path = join(folder, CONFIG)
    raw = read_json(path)
    if raw is None:
        if exists(path):
            problem = ConfigError("(file)", "not readable JSON")
    else:
        try:
            cfg, doc, old = _upgrade(folder, CONFIG, raw)
            if read_json(join(folder, LAST_GOOD)) != doc:
                write_json(join(folder, LAST_GOOD), doc)
            return cfg, None, (old if doc is not raw else None)
        except ConfigError as e:
            problem = e
    good = read_json(join(folder, LAST_GOOD))
    if good is not None:
        try:
            return _upgrade(folder, LAST_GOOD, good)[0], problem, None
        except ConfigError:
            pass
    raise problem or ConfigError("(file)", "device is not provisioned")


def load(folder):
    """Return (config, problem): as load_checked, without the migration note."""
    cfg, problem, _ = load_checked(folder)
    return cfg, problem
