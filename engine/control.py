"""The range of the speed setting, which the window and the CLI both offer.

The lab applies the speed (it scales every ``time.sleep`` of the program's
processes, see engine.lab); this module only says which values a learner may
choose, so that the window's slider, its saved setting and ``--speed`` agree.
"""

from __future__ import annotations

MIN_SPEED = 0.1
MAX_SPEED = 10.0


def clamp_speed(speed: float) -> float:
    return max(MIN_SPEED, min(MAX_SPEED, float(speed)))
