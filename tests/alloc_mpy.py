"""Runs under micropython with tests/fake_hw first on the path: counts the heap allocated by
the waits that repeat all day and by the audio path, block by block. The collector is held off
while counting, so gc.mem_alloc() grows by every allocation, garbage included. Prints one JSON
line of figures (bytes) for tests/test_alloc.py and `make bench`.
"""

import asyncio
import gc
import json
from array import array

import machine

from compat import Waker, sleep_ms, wait_event_ms
from drivers.gnss import UbloxGnss
from drivers.i2s_mic import I2sMic
from drivers.uart_stream import ChunkReader, streams
from dsp.detector import Detector
from modem.at import AtEngine, _Pending

_N = 50


def _start():
    gc.collect()
    gc.disable()
    return gc.mem_alloc()


def _stop(before):
    used = gc.mem_alloc() - before
    gc.enable()
    return used


async def _waker(out):
    w = Waker()
    before = _start()
    for _ in range(_N):  # each runs out its time
        await w.wait_ms(2)
    out["waker_timeout"] = _stop(before) / _N

    async def setter():
        for _ in range(_N):
            await sleep_ms(1)
            w.set()

    task = asyncio.create_task(setter())
    await sleep_ms(0)
    woken = 0
    before = _start()
    while woken < _N:  # each is ended early by the other task
        w.clear()
        await w.wait_ms(1000)
        woken += 1
    out["waker_set"] = _stop(before) / _N
    await task

    ev = asyncio.Event()
    before = _start()
    for _ in range(10):  # the reference: a timed wait through asyncio.wait_for_ms
        await wait_event_ms(ev, 2)
    out["wait_for_ms_reference"] = _stop(before) / 10

    irq = Waker(5)  # as the BLE link waits: signalled from an IRQ, looked at every 5 ms
    before = _start()
    for _ in range(10):
        irq.clear()
        await irq.wait_ms(20)
    out["waker_irq_poll"] = _stop(before) / 10


async def _uart(out):
    uart = machine.UART(7, baudrate=9600)
    gnss = UbloxGnss(ChunkReader(uart))
    before = _start()
    for _ in range(10):  # a receiver with nothing to say: each read runs out its time
        got = await gnss.read(30)
    out["uart_empty_read"] = _stop(before) / 10
    out["uart_empty_read_got"] = got
    line = b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n"
    uart.feed(line)
    gnss.power(False)
    before = _start()
    for _ in range(10):  # asleep: it only waits
        await gnss.read(5)
    out["gnss_asleep_read"] = _stop(before) / 10
    gnss.power(True)
    out["gnss_line"] = (await gnss.read(50)) == line

    modem_uart = machine.UART(8, baudrate=115200)
    reader, writer = streams(modem_uart)
    engine = AtEngine(reader, writer, lambda line: None, {})
    engine.start()
    p = _Pending("AT", None, False, False, engine._ev)
    before = _start()
    for _ in range(5):  # a module that does not answer: the command's wait runs out
        await p.ev.wait_ms(30)
    out["at_wait_timeout"] = _stop(before) / 5
    engine.stop()


async def _audio(out):
    machine.I2S.SLOTS = [((i * 977) % 65536 - 32768) << 16 for i in range(320)]
    mic = I2sMic(sck=1, ws=2, sd=3, block_samples=320)
    det = Detector(mic.sample_rate, mic.sensitivity_dbfs)
    buf = array("h", bytes(2 * 320))
    for _ in range(60):  # past the first second: every table made, every rule evaluated once
        n = await mic.readinto(buf)
        det.process(buf, n)
    before = _start()
    for _ in range(50):  # one second of 20 ms blocks, read through the driver
        n = await mic.readinto(buf)
    out["mic_block"] = _stop(before) / 50
    before = _start()
    for _ in range(100):  # two seconds, driver and detector
        n = await mic.readinto(buf)
        det.process(buf, n)
    out["mic_and_detector_block"] = _stop(before) / 100
    out["mic_n"] = n


async def main():
    out = {}
    await _waker(out)
    await _uart(out)
    await _audio(out)
    print(json.dumps(out))


asyncio.run(main())
