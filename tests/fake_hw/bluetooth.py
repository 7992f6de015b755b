"""A fake bluetooth module: only BLE() construction, for board method checks."""


class BLE:
    pass
