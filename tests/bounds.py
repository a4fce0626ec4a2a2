"""How long a test waits for something that must happen: a bound only a hang exceeds.

Tests carry no timing promises (the machines are shared and noisy; speed is
measured by ``make bench`` and ``make soak``). A wait for a run to end, a process
to go or a window to react uses HANG, so a one-core or loaded machine still
passes, while a real hang still fails with a clear message instead of blocking.
"""

HANG = 30.0   # seconds
