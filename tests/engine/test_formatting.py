"""Sizes for people: one formatter, for every view of the window (table, summary, export)."""

from __future__ import annotations

import pytest

from engine.formatting import human_size


@pytest.mark.parametrize(("size", "shown"), [
    (0, "0 bytes"),
    (1023, "1,023 bytes"),
    (1024, "1.0 KB"),
    (1536, "1.5 KB"),
    (5 * 1024 ** 2, "5.0 MB"),
    (3 * 1024 ** 3 // 2, "1.5 GB"),
    (2048 * 1024 ** 4, "2048.0 TB"),   # TB is the largest unit: it keeps counting
])
def test_human_size(size, shown):
    assert human_size(size) == shown

