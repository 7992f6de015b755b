"""Runs at power-on: Ctrl-C off before anything else (a provisioned device's console opens
only through shell/console.py's lock), then the board of this build and the firmware."""

import micropython

micropython.kbd_intr(-1)

import app  # noqa: E402
import board  # noqa: E402

app.start(board.Board())
