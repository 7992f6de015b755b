"""The partner link, transport-neutral: codec, keys, counters, replay window, reliable queue.

Also the near/far choice and the far link over a frame pipe (SMS). Nothing here touches a radio
or a modem directly: the BLE transport (`ble/`) and the modem (`modem/`) carry its bytes.
"""
