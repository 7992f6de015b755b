"""The BLE transport of the partner link: advertising, connecting, GATT, bonds, RSSI.

Nothing in this package decides about messages (that is `link/`) or imports a board: the
transport receives its `bluetooth.BLE` object from the device shell.
"""
