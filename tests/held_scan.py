"""The filescan lesson's program, run in the lab with a test's hold in front of it.

A test runs this file in the lab in place of engine/lessons/filescan/program.py:
same settings, same output, and the same result (``main()`` returns what the
program's ``main()`` returns). One hold, set by the environment, makes what the
test needs happen at a known point of the walk, on a machine of any speed:

- ``PYSYSLAB_HOLD_LISTED=FOLDER``: the walk reads FOLDER's whole listing, prints
  "held after listing FOLDER", and waits until a line is written to the FIFO
  ``PYSYSLAB_HOLD_FIFO``. Meanwhile the test deletes files or swaps folders
  (tests/vanish.py); then the walk goes on to the entries.
- ``PYSYSLAB_HOLD_IN=FOLDER`` and ``PYSYSLAB_HOLD_ENTRY=N``: FOLDER's listing is
  paced (tests/hugefolder.py), and at entry N the walk prints "held at entry N"
  and waits for Ctrl-C (the lab's Stop), inside that one folder.
- ``PYSYSLAB_HOLD_GETSIZE=N``: the classic walk's N-th ``os.path.getsize`` prints
  "held at getsize N" and waits for Ctrl-C.

Workers of the parallel way are forked: they inherit the hold.

Imported by a test (not run), it gives the ways to start it: ``start_held``
through the lab, ``cli_code`` through ``python -m engine run filescan``.
"""

import os
import runpy
import signal
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSON = os.path.join(REPO, "engine", "lessons", "filescan")
HOLDS = ("PYSYSLAB_HOLD_LISTED", "PYSYSLAB_HOLD_FIFO", "PYSYSLAB_HOLD_IN",
         "PYSYSLAB_HOLD_ENTRY", "PYSYSLAB_HOLD_GETSIZE")


def wait_for_ctrl_c(what: str):
    def hold():
        print(f"held at {what}", flush=True)
        while True:
            signal.pause()   # until SIGINT raises KeyboardInterrupt here, in the walk
    return hold


def wait_for_the_test(folder: str, fifo: str):
    def hold():
        print(f"held after listing {folder}", flush=True)
        with open(fifo) as go:    # blocks until the test opens it to write
            go.readline()
    return hold


def install_hold() -> None:
    sys.path.insert(0, REPO)    # for the tests package
    from tests import hugefolder, vanish
    env = os.environ
    if env.get("PYSYSLAB_HOLD_LISTED"):
        folder = env["PYSYSLAB_HOLD_LISTED"]
        vanish.install(folder, wait_for_the_test(folder, env["PYSYSLAB_HOLD_FIFO"]))
    if env.get("PYSYSLAB_HOLD_IN"):
        entry = int(env["PYSYSLAB_HOLD_ENTRY"])
        hugefolder.install(env["PYSYSLAB_HOLD_IN"], entry, wait_for_ctrl_c(f"entry {entry}"))
    if env.get("PYSYSLAB_HOLD_GETSIZE"):
        call = int(env["PYSYSLAB_HOLD_GETSIZE"])
        os.path.getsize = hugefolder.hold_calls(os.path.getsize, call,
                                                wait_for_ctrl_c(f"getsize {call}"))


# -- for tests: start it -----------------------------------------------------------------

def held_env(**hold: str) -> dict:
    """The environment of a held run: this one, with the hold's variables (and no other)."""
    env = {name: value for name, value in os.environ.items() if name not in HOLDS}
    env.update({f"PYSYSLAB_HOLD_{name.strip('_').upper()}": str(value)
                for name, value in hold.items()})
    return env


def start_held(values: dict, monkeypatch, **hold):
    """Start the lesson in the lab with ``values`` (its settings) and ``hold``
    (listed=, fifo=, in_=..., see above: names without the prefix)."""
    from engine import catalog, programs
    from engine.lab import start_lab
    from engine.params import build
    for name, value in held_env(**hold).items():
        if name.startswith("PYSYSLAB_HOLD_"):
            monkeypatch.setenv(name, value)
    params = build(catalog.get("filescan").params_cls, values)
    return start_lab(os.path.abspath(__file__), programs.argv(params))


#: ``python -c CLI_CODE.format(...)``: the command line, running this file in the lab.
CLI_CODE = """
import sys
from engine import catalog, cli
lesson = catalog.get("filescan")
lesson.params_cls                  # the settings: read from the lesson's own program
lesson.program = {held!r}          # the lab then runs the held program in its place
sys.exit(cli.main({argv!r}))
"""


def cli_code(argv: list, held: str = os.path.abspath(__file__)) -> str:
    return CLI_CODE.format(held=held, argv=["run", "filescan", *argv])


def main():
    install_hold()
    sys.path.insert(0, LESSON)    # as `python program.py` has it, for `import careful`
    program = runpy.run_path(os.path.join(LESSON, "program.py"), run_name="filescan_program")
    return program["main"]()


if __name__ == "__main__":
    main()
