"""Benchmarks (``make bench``). Not tests: they print figures, as ratios
against a reference measured in the same run, and assert nothing."""
