"""What the lab's probes cost a program: hot loops timed under plain python and in the lab.

Not a test: it prints numbers. ``python scripts/bench_probes.py [N]`` writes a
small program that times N lock acquire/release pairs (by call and by
``with``), N queue put/get pairs, and the same on objects the program did not
make itself (the real, unprobed lock a ``queue.Queue`` keeps). The program
times itself (``time.perf_counter``), so both runs measure the same loop; the
lab run also counts the events the probes sent.
"""

from __future__ import annotations

import compileall
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.lab import start_lab  # noqa: E402 - after the path is set

PROGRAM = '''
import _thread, json, queue, sys, time

N = int(sys.argv[1])


def timed(loop):
    began = time.perf_counter()
    loop()
    return (time.perf_counter() - began) / N * 1e9


def lock_calls():
    mutex = _thread.allocate_lock()
    for _ in range(N):
        mutex.acquire()
        mutex.release()


def lock_with():
    mutex = _thread.allocate_lock()
    for _ in range(N):
        with mutex:
            pass


def queue_put_get():
    items = queue.Queue()
    for n in range(N):
        items.put(n)
        items.get()


def real_lock_from_the_stdlib():
    mutex = queue.Queue().mutex   # made by queue.py: the real lock
    for _ in range(N):
        mutex.acquire()
        mutex.release()


print(json.dumps({"lock acquire/release": timed(lock_calls), "with lock": timed(lock_with),
                  "queue put/get": timed(queue_put_get),
                  "stdlib's own lock": timed(real_lock_from_the_stdlib)}))
'''


def plain(program: Path, n: int) -> dict:
    done = subprocess.run([sys.executable, str(program), str(n)], capture_output=True,
                          text=True, check=True, timeout=600)
    return json.loads(done.stdout)


def in_the_lab(program: Path, n: int) -> tuple[dict, int]:
    run = start_lab(str(program), [str(n)])
    printed, probes = "", 0
    while True:
        event = run.events.get(timeout=600)
        if event.kind == "output":
            printed = event.text
        elif event.kind in ("state", "probe"):
            probes += 1
        elif event.kind == "done":
            break
    run.join(10)
    return json.loads(printed), probes


def main(n: int) -> None:
    compileall.compile_dir(str(ROOT / "engine"), quiet=1)   # as an installed copy would be
    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "hot.py"
        program.write_text(PROGRAM)
        before = plain(program, n)
        lab, events = in_the_lab(program, n)
    print(f"{n} iterations each; ns per iteration (one put+get, one acquire+release)")
    print(f"{'loop':<24}{'plain':>10}{'lab':>10}{'ratio':>8}")
    for name, ns in before.items():
        print(f"{name:<24}{ns:>10.0f}{lab[name]:>10.0f}{lab[name] / ns:>8.1f}")
    print(f"probe events sent: {events} ({events / (3 * n):.1f} per probed iteration)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
