"""Run the whole test suite three ways, to catch tests that depend on the machine's speed.

1. ``one-core``: pinned to one CPU (``taskset -c 0``), so every thread and process
   of the tests, the app and Xvfb share a single core;
2. ``loaded``: with a busy loop on every core beside it, as on a shared CI machine;
3. ``as-is``: nothing changed.

All three must pass. The time of each is printed at the end (they are for
comparison between runs, not a promise). Extra arguments go to pytest, e.g.
``python scripts/test_stress.py tests/engine`` or ``make test-stress ARGS=-x``.
Used by ``make test-stress``; not part of CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

HOG = "while True: pass"


def run_pytest(prefix: list[str], args: list[str]) -> int:
    return subprocess.call([*prefix, sys.executable, "-m", "pytest", *args])


def one_core(args: list[str]) -> int:
    if not shutil.which("taskset"):
        print("test-stress: taskset not found (util-linux); cannot pin to one core")
        return 1
    return run_pytest(["taskset", "-c", "0"], args)


def loaded(args: list[str]) -> int:
    hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(os.cpu_count() or 2)]
    try:
        return run_pytest([], args)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def as_is(args: list[str]) -> int:
    return run_pytest([], args)


def main(args: list[str]) -> int:
    results = []
    for name, mode in (("one-core", one_core), ("loaded", loaded), ("as-is", as_is)):
        print(f"\n=== test-stress: {name} ===", flush=True)
        started = time.monotonic()
        status = mode(args)
        results.append((name, status, time.monotonic() - started))
    print("\ntest-stress summary:")
    for name, status, took in results:
        print(f"  {name:<9} {'passed' if status == 0 else f'FAILED (exit {status})':<18} "
              f"{took:7.1f} s")
    return 0 if all(status == 0 for _, status, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
