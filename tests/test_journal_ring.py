"""The journal ring: bounded, ordered, and no earlier entry lost or corrupted by a power cut."""

import json
import os

import pytest

from mpy import run
from store.journal import Journal, decode, encode


def segment_bytes(folder):
    return sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder)
               if n.startswith("journal."))


def test_entries_come_back_in_order_and_seq_continues_after_reopen(tmp_path):
    j = Journal(str(tmp_path), max_bytes=4096)
    for i in range(10):
        j.append("mood_answer", {"i": i, "mood": "calm"}, 1000 + i)
    again = Journal(str(tmp_path), max_bytes=4096)
    assert [e["i"] for e in again.entries()] == list(range(10))
    assert again.append("boot", {}, None)["seq"] == 11
    assert again.errors == 0


def test_ring_is_bounded_and_drops_oldest_whole_segments(tmp_path):
    j = Journal(str(tmp_path), max_bytes=2000)
    for i in range(300):
        j.append("distance", {"status": "far", "i": i}, 5000 + i)
        assert segment_bytes(str(tmp_path)) <= 2000 + 100  # one line over at most
    got = [e["i"] for e in Journal(str(tmp_path), max_bytes=2000).entries()]
    assert got == list(range(got[0], 300)), "a contiguous run ending at the newest"
    assert 10 < len(got) < 300


def test_a_field_named_like_a_header_does_not_replace_it(tmp_path):
    j = Journal(str(tmp_path))
    j.append("mood_answer", {"seq": 2, "mood": "calm"}, 7)
    j.append("mood_answer", {"seq": 1, "mood": "angry"}, 8)
    e = Journal(str(tmp_path)).entries()
    assert [x["seq"] for x in e] == [1, 2] and [x["seq_"] for x in e] == [2, 1]


def _cut(tmp_path, mutate):
    """Write 12 entries, apply mutate(bytes of the file, start of last write) -> new bytes."""
    j = Journal(str(tmp_path), max_bytes=1 << 20)
    for i in range(11):
        j.append("timeout_started", {"tid": i, "by": "A"}, 100 + i)
    path = j.path
    start = os.path.getsize(path)
    j.append("timeout_ended", {"tid": 10, "outcome": "meet"}, 200)
    data = open(path, "rb").read()
    return path, data, start


@pytest.mark.parametrize("how", ["truncate", "garble"])
def test_power_cut_at_every_byte_of_the_last_write(tmp_path, how):
    path, data, start = _cut(tmp_path, None)
    for offset in range(start, len(data)):
        if how == "truncate":
            cut = data[:offset]
        else:
            cut = data[:offset] + bytes([data[offset] ^ 0x5A]) + data[offset + 1:]
        with open(path, "wb") as f:
            f.write(cut)
        j = Journal(str(tmp_path), max_bytes=1 << 20)
        entries = j.entries()
        assert [e.get("tid") for e in entries[:11]] == list(range(11)), offset
        assert all(e["cat"] == "timeout_started" for e in entries[:11])
        assert len(entries) in (11, 12)
        assert len(entries) == 11 or entries[-1] == {"seq": 12, "cat": "timeout_ended",
                                                      "t": 200, "tid": 10, "outcome": "meet"}
        # The device goes on writing: the next entry is whole and readable.
        j.append("boot", {"cause": "power_on"}, 300)
        after = Journal(str(tmp_path), max_bytes=1 << 20).entries()
        assert after[-1]["cat"] == "boot" and after[:11] == entries[:11]


def test_decode_rejects_garbage_without_raising():
    good = encode({"seq": 1, "cat": "boot", "t": None})
    assert decode(good) == {"seq": 1, "cat": "boot", "t": None}
    for bad in ("", "\n", "zzzzzzzz {}", good[:-5], "00000000 " + good[9:], "12345678 [1]",
                good.replace("boot", "bool"), "\xff" * 30):
        assert decode(bad) is None


MPY_SCRIPT = """
import sys
from store.journal import Journal
j = Journal(sys.argv[1], max_bytes=1500)
for i in range(40):
    j.append("mood_answer", {"i": i, "mood": "so-so"}, 1000 + i)
print(j.seq)
"""


def test_micropython_writes_what_cpython_reads(tmp_path):
    script = tmp_path / "w.py"
    script.write_text(MPY_SCRIPT)
    folder = tmp_path / "flash"
    folder.mkdir()
    done = run(script, folder)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["40"]
    mpy_files = {n: (folder / n).read_bytes() for n in os.listdir(folder)}
    entries = Journal(str(folder), max_bytes=1500).entries()
    assert entries[-1]["i"] == 39 and entries[-1]["seq"] == 40
    # CPython writing the same entries produces byte-identical segments.
    other = tmp_path / "cpy"
    other.mkdir()
    j = Journal(str(other), max_bytes=1500)
    for i in range(40):
        j.append("mood_answer", {"i": i, "mood": "so-so"}, 1000 + i)
    cpy_files = {n: (other / n).read_bytes() for n in os.listdir(other)}
    assert {n: [json.loads(x[9:]) for x in d.splitlines()] for n, d in mpy_files.items()} == \
        {n: [json.loads(x[9:]) for x in d.splitlines()] for n, d in cpy_files.items()}
