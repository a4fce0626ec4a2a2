"""Run every ``tests/bench/bench_*.py`` (or those named on the command line)."""

import compileall
import contextlib
import gc
import importlib
import os
import pkgutil
import subprocess
import sys
import tempfile

import tests.bench as package

CHILD = "PYSYSLAB_BENCH_ONE"   # set for a bench run in a process of its own


def main(names: list[str]) -> int:
    # Windows opened by a benchmark keep their settings out of the user's own.
    os.environ.setdefault("PYSYSLAB_CONFIG_DIR", tempfile.mkdtemp(prefix="pysyslab-bench-"))
    found = sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                   if m.name.startswith("bench_"))
    chosen = [n for n in found if not names or n.removeprefix("bench_") in names]
    # Our modules get their bytecode first, as an installed package's have it (pip
    # compiles on install). Without it, where PYTHONDONTWRITEBYTECODE is set (it is
    # on these machines), every start of the app would compile them all again.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not os.environ.get(CHILD):
        for folder in ("engine", "gui"):
            compileall.compile_dir(os.path.join(root, folder), quiet=1)
        print("(engine/ and gui/ compiled to bytecode first, as an installed package is)")
    with contextlib.ExitStack() as stack:
        if not os.environ.get("DISPLAY"):
            # The GUI benchmarks need a screen: a virtual one of our own.
            from tests.desktop import VirtualScreen
            screen = stack.enter_context(VirtualScreen())
            os.environ["DISPLAY"] = screen.display
        if len(chosen) > 1:
            # Each bench in a process of its own, as when it is run alone: what one
            # leaves behind (the app's modules and objects for the collector to walk,
            # Tk's state) must not weigh on the next one's figures. After the scan
            # benches in the same process, the pump's worst stall read 63 ms; alone,
            # 33-35 ms.
            status = 0
            for name in chosen:
                status |= subprocess.call(
                    [sys.executable, "-m", "tests.bench", name.removeprefix("bench_")],
                    env=dict(os.environ, **{CHILD: "1"}))
            return status
        for name in chosen:
            print(f"\n=== {name.removeprefix('bench_')} ===", flush=True)
            importlib.import_module(f"tests.bench.{name}").main()
            # A bench's windows leave Tk images and variables in reference cycles. If a
            # later bench's thread happened to collect them, Tk would abort the process
            # ("Tcl_AsyncDelete: async handler deleted by the wrong thread"): collect
            # them here, in the main thread, between benches.
            gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
