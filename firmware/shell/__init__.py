"""The imperative shell: the asyncio tasks that carry inputs from the board's parts to the
session core and carry out the actions it returns (device), with one room per input side:
the GNSS side (locate), the microphone (listen) and the modem's calls and texts (phone).

Decisions are made in core/, gps/, dsp/ and modem/, never here. Each room gets only what it
needs from the device: a `post(event)` for its events and small query callables; none of them
reaches back into the Device. Nothing outside boot (app.py) imports this package.
"""
