"""Partner link over BLE: message codec, counters, advertising and the connection manager.

Nothing in this package may import a board or touch hardware directly: the link receives its
`bluetooth.BLE` object from the device shell.
"""
