"""Runs at power-on: the board of this build, then the firmware (see app.py)."""

import app
import board

app.start(board.Board())
