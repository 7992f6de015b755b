"""No allocation where it repeats, counted under the real micropython (tests/alloc_mpy.py on
the fake machine module; the collector held off, so every allocation counts).

A wait through asyncio.wait_for_ms makes a task and two coroutines, and a read through
asyncio's stream reader a coroutine and a poller entry: a few hundred bytes each time, all day.
The shell's, BLE loop's, modem's and AT engine's waits are compat.Waker, the UART and I2S reads
compat.Poll: these figures are what is left. A running time-out on the booted firmware is
counted in tests/test_boot.py."""

import json

import pytest

from mpy import FIRMWARE, ROOT, run

FAKE_HW = ROOT / "tests" / "fake_hw"


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    done = run(ROOT / "tests" / "alloc_mpy.py", path=[FAKE_HW, FIRMWARE], heapsize="400000",
               cwd=tmp_path_factory.mktemp("alloc"), timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def test_a_wait_allocates_nothing_whether_it_times_out_or_is_woken(figures):
    # per wait, averaged: at most one stray small object over all of them, not a task each
    assert figures["waker_timeout"] < 2 and figures["waker_set"] < 2, figures
    assert figures["waker_irq_poll"] < 4, figures  # 5 ms looks for an IRQ's signal
    assert figures["at_wait_timeout"] < 8, figures
    # the count sees what a task per wait costs (the button's rare waits still make one)
    assert figures["wait_for_ms_reference"] > 100, figures


def test_uart_reads_allocate_nothing_while_nothing_comes(figures):
    assert figures["uart_empty_read"] < 4 and figures["uart_empty_read_got"] is None, figures
    assert figures["gnss_asleep_read"] == 0, figures
    assert figures["gnss_line"], "and a line that comes is read whole"


def test_an_audio_block_allocates_nothing_driver_and_detector_included(figures):
    assert figures["mic_n"] == 320
    assert figures["mic_block"] == 0 and figures["mic_and_detector_block"] == 0, figures
