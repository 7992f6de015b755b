"""A fake bluetooth module: the calls the BLE link makes, recorded in CALLS, with answers
shaped as MicroPython's (a handle per registered characteristic, None otherwise). No radio: no
IRQ ever comes unless a test calls the handler it was given (BLE.HANDLER)."""

FLAG_READ = 0x0002
FLAG_WRITE_NO_RESPONSE = 0x0004
FLAG_WRITE = 0x0008
FLAG_NOTIFY = 0x0010

CALLS = []  # (method name, args) in order


class UUID:
    def __init__(self, value):
        if isinstance(value, UUID):
            value = value.value
        self.value = value if isinstance(value, (int, str)) else bytes(value)

    def __eq__(self, other):
        return isinstance(other, UUID) and other.value == self.value


class BLE:
    HANDLER = [None]

    def __init__(self):
        self._active = False

    def irq(self, handler):
        CALLS.append(("irq", ()))
        BLE.HANDLER[0] = handler

    def active(self, on=None):
        if on is None:
            return self._active
        CALLS.append(("active", (on,)))
        self._active = bool(on)
        return None

    def gatts_register_services(self, services):
        CALLS.append(("gatts_register_services", ()))
        handle = 20
        out = []
        for _uuid, chars in services:
            row = []
            for _ in chars:
                handle += 1
                row.append(handle)
            out.append(tuple(row))
        return tuple(out)

    def __getattr__(self, name):  # config, gap_advertise, gap_scan, gatts_set_buffer, ...
        def call(*args, **kwargs):
            CALLS.append((name, args))
            return None

        return call
