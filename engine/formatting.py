"""Numbers shown to people, the same way in every view of the window (table, summary, CSV)."""

from __future__ import annotations

SIZE_UNITS = ("bytes", "KB", "MB", "GB", "TB")


def human_size(size: int | float) -> str:
    """1536 -> '1.5 KB', 512 -> '512 bytes': a size in the largest unit under 1024."""
    for unit in SIZE_UNITS:
        if size < 1024 or unit == SIZE_UNITS[-1]:
            return f"{size:,} {unit}" if unit == SIZE_UNITS[0] else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable: the last unit always returns")
