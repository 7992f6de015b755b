# ruff: noqa: F821 (include/module/metadata are the manifest language's own functions)
# The simulated build frozen like a real board: tools/devtree.py makes the frozen layout from
# this for the unix port (boot and deploy tests). No port manifest: the unix port's own frozen
# modules (asyncio, ...) are part of its interpreter already.
metadata(description="Time-out device firmware, simulated board", version="0.1.0")
include("../firmware_manifest.py")  # the firmware, the same for every board
module("board.py", opt=2)
