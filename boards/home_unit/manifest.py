# ruff: noqa: F821 (include/freeze/module/metadata are the manifest language's own functions)
# Freezes the firmware and this board into a MicroPython image (bytecode runs from flash,
# leaving the heap to the device). From a MicroPython source tree (v1.29), ports/esp32:
#   make BOARD=ESP32_GENERIC FROZEN_MANIFEST=/path/to/repo/boards/home_unit/manifest.py
# main.py stays a file on the flash (it is what the device runs at boot).
metadata(description="Time-out device firmware, board home_unit", version="0.1.0")
include("$(PORT_DIR)/boards/manifest.py")  # the port's own frozen modules (asyncio, ...)
include("../firmware_manifest.py")  # the firmware, the same for every board
module("board.py", opt=2)
