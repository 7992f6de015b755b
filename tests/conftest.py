import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Firmware modules import each other from the device's filesystem root: mirror that here.
for p in (ROOT / "firmware", ROOT / "boards" / "sim", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

# The organisation's provisioning key of the test run (care/lock.py): never the key of the
# machine's user; the web app's server and other subprocesses inherit it.
import os  # noqa: E402
import tempfile  # noqa: E402

from care import lock  # noqa: E402

TEST_KEY_FILE = Path(tempfile.mkdtemp(prefix="timeout-care-key-")) / "provisioning.key"
lock.make_key(TEST_KEY_FILE)
os.environ["TIMEOUT_CARE_KEY_FILE"] = str(TEST_KEY_FILE)
