"""The filescan benchmark's memory figures are the command's own, not the benchmark's.

``wait4``'s ``ru_maxrss``, which the benchmark used to read, carries the high-water
mark of the process that forked across ``exec``: every command started by a big
benchmark process "peaked" at the benchmark's own size (find at 19.7 MB). The
benchmark now reads each process's VmHWM, which starts afresh at exec, for the
command and every process below it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.bench.bench_filescan import _descendants, _kb

BALLAST_MB = 100
FIND_WITHIN = 30.0   # seconds: generous, for a loaded machine


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc")


@pytest.fixture
def ballast():
    """This process made big, as the benchmark is (its trees, the GUI it starts)."""
    block = bytearray(BALLAST_MB << 20)
    for i in range(0, len(block), 4096):
        block[i] = 1   # touched: resident
    yield block


def started_below(child: subprocess.Popen) -> list[tuple[int, int]]:
    """The child and its own child (sh waiting for sleep), once the latter exists."""
    deadline = time.monotonic() + FIND_WITHIN
    while time.monotonic() < deadline:
        found = _descendants(child.pid)
        if len(found) >= 2:
            return found
        time.sleep(0.01)
    raise AssertionError(f"the shell's child did not appear within {FIND_WITHIN:g} s")


def test_a_small_command_of_a_big_process_is_measured_small(ballast):
    child = subprocess.Popen(["sh", "-c", "sleep 600 & wait"])
    try:
        found = started_below(child)
        assert [depth for _, depth in found] == [0, 1]
        peaks = [_kb(f"/proc/{pid}/status", b"VmHWM:") for pid, _ in found]
        assert all(0 < peak < 20 << 10 for peak in peaks), peaks   # KB: a shell, a sleep
    finally:
        for pid, _ in _descendants(child.pid)[1:]:
            os.kill(pid, 9)     # the sleep first: the shell reaps it
        os.kill(child.pid, 9)   # not child.kill(): its poll() could reap the shell first
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = -9
    # What the benchmark read before: the shell "peaked" at this process's size.
    assert usage.ru_maxrss > BALLAST_MB << 10
