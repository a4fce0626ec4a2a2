"""The one table of how the reliability suite runs each lesson.

* ``quick``: a short run that ends by itself (well under 1 s at speed 10; about
  1 s for signals, whose alarm clock no speed setting shortens), for
  the soak. ``variants`` are overlaid on it in turn, run after run, so the
  soak also goes through the other endings (daemon, spawn, classic...) and,
  last, the most actors the form allows (the long soak reaches those).
* ``slow``: a run at speed 1 that lasts long enough (10 s or more) to be
  caught mid-run, for closing the window, signals and killed workers.
* ``victims``: the child processes of a slow run that get a SIGKILL, and how
  to find each one (see ``find_victim``).

``BIG_TREE`` in a filescan value stands for a folder tree big enough that the
scan hands work to worker processes (built once, see ``big_tree``). Its slow run
waits a millisecond after each folder (its ``pause`` setting): 1,000 folders
walked alone, then two workers with 31 s or more each to go.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from engine import catalog

REPO = Path(__file__).resolve().parent.parent.parent
SPEED = 10.0                   # the soak's speed setting (the fastest there is)
BIG_TREE = "<big tree>"


@dataclass(frozen=True)
class Profile:
    quick: dict
    variants: tuple = ({},)
    slow: dict = field(default_factory=dict)
    #: A slow run has child processes to watch (else: threads only).
    children: bool = False
    #: name -> (how to find it, what): ("actor", name) = the process whose events
    #: come from actor "<name> pid N"; ("data", key) = the pid in an event's
    #: data[key]; ("child", None) = the first new child process of this one, as
    #: soon as it exists; ("child", "emits") = the same, once it has said something.
    victims: dict = field(default_factory=dict)


PROFILES: dict[str, Profile] = {
    "filescan": Profile(
        quick={"root": str(REPO / "engine"), "top": 5},
        variants=({}, {"way": "classic"}, {"way": "careful"},
                  {"root": str(REPO), "follow": True}, {"root": BIG_TREE}),
        # Two workers, however many cores: one core alone would walk it all itself.
        slow={"root": BIG_TREE, "pause": 0.001, "workers": 2},
        children=True,
        # The parallel way forks its workers with os.fork: "child pid N" to the lab.
        victims={"scan worker": ("actor", "child")}),
    "mutex": Profile(
        quick={"threads": 5, "lines": 5, "delay": 0.05},
        variants=({}, {"lock": False}, {"threads": 50, "lines": 5}),
        slow={"threads": 10, "lines": 200, "delay": 0.5}),
    # A deadlock that times out in 0.1 s (the time-out of an acquire is real time: the
    # speed setting scales only time.sleep); slow: a deadlock that lasts until Stop.
    "deadlock": Profile(
        quick={"hold": 0.1, "patience": 0.1, "transfers": 1},
        variants=({}, {"order": "same"}, {"transfers": 20, "hold": 0.0}),
        slow={"patience": 0.0}),
    # Threads only: the daemon shortcut ends with the program's own process now.
    "thread_queue": Profile(
        quick={"producers": 2, "messages": 3, "consumers": 2, "delay": 0.1},
        variants=({}, {"maxsize": 1}, {"shutdown": "daemon"},
                  {"producers": 20, "consumers": 20, "messages": 20, "maxsize": 5}),
        slow={"producers": 4, "messages": 100, "delay": 1.0}),
    # Its processes are "<Process name> pid N" actors of the lab.
    "mp_queue": Profile(
        quick={"producers": 2, "consumers": 2, "names": 2, "delay": 0.2},
        variants=({}, {"shutdown": "daemon"}, {"producers": 8, "consumers": 12, "names": 5}),
        slow={"producers": 2, "consumers": 3, "names": 40, "delay": 5.0},
        children=True,
        victims={"consumer": ("actor", "consumer-1"), "producer": ("actor", "producer-1")}),
    "pipes": Profile(
        quick={"messages": 4, "delay": 0.05, "pause": 0.1},
        variants=({}, {"framing": "newline", "size": 5},
                  {"messages": 200, "delay": 0.0, "pause": 0.0, "size": 1}),
        slow={"messages": 200, "delay": 1.0, "pause": 1.0},
        children=True,
        # The program's parent is the lab process itself: its child is "child pid N".
        victims={"forked child": ("actor", "child")}),
    "signals": Profile(
        # signal.alarm counts whole seconds, and the speed setting scales only
        # time.sleep: the quickest run waits for one alarm of 1 s, at any speed.
        quick={"alarms": 1, "interval": 1},
        slow={"alarms": 60, "interval": 1},
        children=True,
        # The program is the lab process itself: SIGKILL to it, as the tab's button.
        victims={"main process": ("child", "emits")}),
    "sockets": Profile(
        quick={"clients": 3, "size": 5000, "delay": 0.2},
        variants=({}, {"framing": "none"}, {"size": 200_000},
                  {"clients": 50, "size": 100_000, "delay": 0.02}),
        # Client n connects after n * delay seconds: the last one after 25 s.
        slow={"clients": 5, "delay": 5.0}),
}

#: Kill variants that need other slow parameters than the lesson's own.
VICTIM_PARAMS = {
}


def lesson_ids() -> list[str]:
    """Every lesson present, in the app's order. Each must have a profile."""
    ids = [lesson.id for lesson in catalog.lessons()]
    missing = [i for i in ids if i not in PROFILES]
    assert not missing, f"no reliability profile for {missing}: add one to PROFILES"
    return ids


def victims() -> list[tuple[str, str]]:
    """(lesson, victim) for every child process the suite kills."""
    return [(lesson, name) for lesson in lesson_ids() for name in PROFILES[lesson].victims]


def quick_params(lesson: str, run_no: int = 0) -> dict:
    profile = PROFILES[lesson]
    return resolve({**profile.quick, **profile.variants[run_no % len(profile.variants)]})


def slow_params(lesson: str, victim: str | None = None) -> dict:
    return resolve({**PROFILES[lesson].slow, **VICTIM_PARAMS.get((lesson, victim), {})})


def resolve(params: dict) -> dict:
    return {k: big_tree() if v == BIG_TREE else v for k, v in params.items()}


# -- a tree that keeps the scan busy -------------------------------------------------------

BIG_FOLDERS = 64_000
_big_tree: list[str] = []


def big_tree() -> str:
    """A tree of BIG_FOLDERS folders (a .py file in every 8th), made on first use.

    Walking it takes about a second, so the scan starts its worker processes
    and can be caught mid-run. It goes to /dev/shm (memory) where there is
    one: there 64,000 folders take ~1.5 s to make, 5 times less than on disk,
    and no disk blocks. It is removed when this program ends.
    """
    if _big_tree:
        return _big_tree[0]
    shm = "/dev/shm"
    base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    root = tempfile.mkdtemp(prefix="pysyslab-big-tree-", dir=base)
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    for i in range(BIG_FOLDERS):
        folder = os.path.join(root, f"a{i % 256}", f"c{i}")
        os.makedirs(folder)
        if i % 8 == 0:
            with open(os.path.join(folder, f"m{i}.py"), "wb") as f:
                f.write(b"#" * (i % 997))
    _big_tree.append(root)
    return root
