"""Run lessons many times in a row and count what each run leaves behind.

Used by ``tests/reliability/test_soak.py`` (a short soak in ``make test``) and
``scripts/soak.py`` (``make soak``). After every run it waits up to 2 s (the
engine's promise: nothing remains after Stop and a 2 s join) and counts, against
a baseline taken before the lesson's first run (so a leak adds up run after
run, and the table shows the most ever left at once):

* threads and open file descriptors of this process, and its sockets;
* processes of the run still running, and zombies. Every process seen below
  this one while the run went on is noted (polled), plus every pid the run's
  events name, so a forked grandchild that outlives its parent is caught too.

Runs alternate: an even run goes to its end; the odd one after it (same
parameters) gets Stop at a random moment within 80% of the time its twin
took (if it ends first anyway, it counts as a run to the end). The
Stop time is from Stop to the end of the run (engine: the run's thread has
ended; GUI: the tab shows the run as done).
"""

from __future__ import annotations

import os
import queue
import random
import time
from dataclasses import dataclass, field

import psutil

from engine import start
from engine.params import specs
from tests.desktop import ProcessFamily, is_lesson_child, is_zombie
from tests.leaks import Snapshot
from tests.reliability.lessons import SPEED, quick_params

SETTLE = 2.0        # seconds a run may take to release everything after it ended
POLL = 0.01         # seconds between looks at the process family during a run
RUN_LIMIT = 60.0    # seconds a quick run may take before it counts as hung


def census() -> dict:
    """Threads, open file descriptors and sockets of this process now."""
    now = Snapshot.take()
    return {"threads": now.threads, "fds": now.fds, "sockets": count_sockets()}


def count_sockets() -> int:
    """Sockets open in this process, in any state (bound or not, any family)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass                     # closed meanwhile (or the listing's own fd)
    return count


class RunProcesses:
    """Every process of a series of runs: polled while they run, checked after each."""

    def __init__(self):
        self.family = ProcessFamily.of(os.getpid())
        self.before = set(self.family.seen)     # this process and what it had already
        self.before_zombies = set(self.zombie_pids())

    def look(self) -> None:
        self.family.look()

    def note_events(self, events) -> None:
        """Add the processes the run's events name (senders, child_pid, pids)."""
        for event in events:
            pids = {event.pid}
            data = event.data if isinstance(event.data, dict) else {}
            if isinstance(data.get("child_pid"), int):
                pids.add(data["child_pid"])
                if data.get("call") == "os.fork":   # the lab's probe, sent by the parent
                    self.family.parents.setdefault(data["child_pid"], event.pid)
            if isinstance(data.get("pids"), dict):
                pids.update(p for p in data["pids"].values() if isinstance(p, int))
            for pid in pids - self.before - set(self.family.seen):
                try:
                    proc = psutil.Process(pid)
                    self.family.seen[pid] = (proc.create_time(), " ".join(proc.cmdline())[:120])
                except psutil.Error:
                    pass             # already gone, and reaped: nothing to check

    @staticmethod
    def zombie_pids() -> list[int]:
        """Zombies below this process (the family skips them: they have no command line)."""
        return [p.pid for p in psutil.Process().children(recursive=True) if is_zombie(p)]

    def reap_adopted(self) -> None:
        """Reap the ended orphans this process adopted, as init would.

        ``scripts/soak.py`` makes this process a subreaper, so that a grandchild
        left running after its parent ended is still counted. Such a process
        that is killed with its parent (the lab kills a run's whole process
        group: a program's forked child whose parent, the lab process, is killed
        at the same moment) then becomes OUR zombie, where init would have reaped
        it at once: not a leak of the run. Only a zombie first seen (or named by
        an ``os.fork`` probe) with another parent is reaped here; one that was
        our own child from the start, or never seen, still counts.
        """
        me = os.getpid()
        for pid in self.zombie_pids():
            parent = self.family.parents.get(pid)
            if pid not in self.before_zombies and parent not in (None, me):
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass   # reaped meanwhile

    def left(self) -> tuple[list[str], list[str]]:
        """(still running, zombies) among the processes of the runs so far."""
        self.look()
        self.reap_adopted()
        running = []
        for pid, (created, cmdline) in self.family.seen.items():
            if pid in self.before:
                continue
            try:
                proc = psutil.Process(pid)
                if proc.create_time() == created and is_lesson_child(proc) \
                        and not is_zombie(proc):
                    running.append(f"{pid} {cmdline[:70]}")
            except psutil.Error:
                continue
        zombies = [f"{pid} (zombie)" for pid in self.zombie_pids()
                   if pid not in self.before_zombies]
        return running, zombies


@dataclass
class Tally:
    """The figures of one lesson soaked one way (engine or GUI)."""

    lesson: str
    via: str
    runs: int = 0
    ended: int = 0            # went to their end
    stopped: int = 0          # ended by Stop
    leaks: dict = field(default_factory=lambda: dict.fromkeys(LEAK_KINDS, 0))
    stop_times: list = field(default_factory=list)   # seconds, one per stopped run
    problems: list = field(default_factory=list)

    @property
    def worst_stop_ms(self) -> float | None:
        return max(self.stop_times) * 1000 if self.stop_times else None

    @property
    def clean(self) -> bool:
        return not self.problems and not any(self.leaks.values())


LEAK_KINDS = ("threads", "processes", "zombies", "sockets", "fds")


def leftovers(baseline: dict, procs: RunProcesses, wait: float = SETTLE,
              pump=None) -> tuple[dict, list[str]]:
    """Counts of what the run left (after up to ``wait`` s), and descriptions."""
    deadline = time.monotonic() + wait
    while True:
        if pump is not None:
            pump()
        now = census()
        running, zombies = procs.left()
        counts = {"threads": max(0, now["threads"] - baseline["threads"]),
                  "processes": len(running), "zombies": len(zombies),
                  "sockets": max(0, now["sockets"] - baseline["sockets"]),
                  "fds": max(0, now["fds"] - baseline["fds"])}
        if not any(counts.values()) or time.monotonic() >= deadline:
            described = [f"{kind}: {n}" for kind, n in counts.items() if n]
            described += [f"running: {r}" for r in running] + [f"zombie: {z}" for z in zombies]
            return counts, described
        time.sleep(0.05)


def plan(lesson: str, runs: int, params_for=quick_params):
    """(run number, parameters, stop?) for each run; see the module docstring."""
    for i in range(runs):
        yield i, params_for(lesson, i // 2), i % 2 == 1


def record(tally: Tally, i: int, status: str, stopped_at: float | None, ended_at: float,
           counts: dict, described: list[str]) -> None:
    tally.runs += 1
    if stopped_at is not None and status == "stopped":
        tally.stopped += 1
        tally.stop_times.append(ended_at - stopped_at)
    elif status == "ok":
        tally.ended += 1
    else:
        tally.problems.append(f"run {i}: ended with status {status!r}")
    for kind, n in counts.items():
        tally.leaks[kind] = max(tally.leaks[kind], n)
    if described:
        tally.problems.append(f"run {i} left: {'; '.join(described)}")


# -- through the engine ------------------------------------------------------------------------

def soak_engine(lesson: str, runs: int, seed: int = 1, params_for=quick_params) -> Tally:
    """Run ``lesson`` ``runs`` times through the engine (``params_for(lesson, variant)``)."""
    tally = Tally(lesson, "engine")
    rng = random.Random(seed)
    baseline = census()
    took = {}                                  # variant -> seconds its full run took
    procs = RunProcesses()
    for i, params, stop in plan(lesson, runs, params_for):
        begun = time.monotonic()
        run = start(lesson, params, speed=SPEED)
        stop_at = begun + rng.uniform(0, 0.8 * took.get(i // 2, 0.5)) if stop else None
        stopped_at, status = None, "hung"
        deadline = begun + RUN_LIMIT
        while time.monotonic() < deadline:
            if stop_at is not None and stopped_at is None and time.monotonic() >= stop_at:
                stopped_at = time.monotonic()
                run.stop()
            try:
                event = run.events.get(timeout=POLL)
            except queue.Empty:
                procs.look()
                continue
            procs.note_events([event])
            if event.kind == "done":
                status = event.data["status"]
                break
        if status == "hung":
            stopped_at = time.monotonic()
            run.stop()
        if not run.join(SETTLE):
            tally.problems.append(f"run {i}: the run's thread did not end within 2 s")
        ended_at = time.monotonic()
        if not stop:
            took[i // 2] = ended_at - begun
        record(tally, i, status, stopped_at, ended_at, *leftovers(baseline, procs))
    return tally


# -- through the real window -------------------------------------------------------------------

def form_values(lesson: str, params: dict) -> dict:
    """Every field of the lesson's form: its default, unless ``params`` says otherwise."""
    from engine import catalog
    defaults = {s.name: s.default for s in specs(catalog.get(lesson).params_cls)}
    return {**defaults, **params}


def soak_gui(app, lesson: str, runs: int, seed: int = 1) -> Tally:
    """Run ``lesson`` in the real window: fill the form, press Run, maybe press Stop."""
    tally = Tally(lesson, "gui")
    rng = random.Random(seed)
    tab = app.select(lesson)
    app.speed = SPEED
    app.update()
    baseline = census()
    took = {}
    procs = RunProcesses()
    for i, params, stop in plan(lesson, runs):
        tab.form.set_values(form_values(lesson, params))
        begun = time.monotonic()
        tab.run_button.invoke()
        if tab.state != "running":
            tally.problems.append(f"run {i}: Run did not start: {tab.form.errors()}")
            tally.runs += 1
            continue
        stop_at = begun + rng.uniform(0, 0.8 * took.get(i // 2, 0.5)) if stop else None
        stopped_at = None
        deadline = begun + RUN_LIMIT
        while tab.state != "done" and time.monotonic() < deadline:
            app.update()
            procs.look()
            if stop_at is not None and stopped_at is None and time.monotonic() >= stop_at \
                    and tab.state == "running":
                stopped_at = time.monotonic()
                tab.stop_button.invoke()
            time.sleep(POLL)
        ended_at = time.monotonic()
        if tab.state != "done":
            tab.stop_button.invoke()
            status = "hung"
        else:
            status = tab.last_status
        procs.note_events(tab.logview.events)
        if not stop:
            took[i // 2] = ended_at - begun
        record(tally, i, status, stopped_at, ended_at,
               *leftovers(baseline, procs, pump=app.update))
    return tally


# -- the table -------------------------------------------------------------------------------

HEADER = ("| lesson | via | runs | to the end | stopped | threads | processes | zombies "
          "| sockets | fds | worst stop (ms) |")


def table(tallies: list[Tally]) -> str:
    """A Markdown table: one row per lesson and way, leak columns as counts left behind."""
    lines = [HEADER, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for t in tallies:
        worst = "–" if t.worst_stop_ms is None else f"{t.worst_stop_ms:.0f}"
        leaks = " | ".join(str(t.leaks[k]) for k in LEAK_KINDS)
        lines.append(f"| {t.lesson} | {t.via} | {t.runs} | {t.ended} | {t.stopped} | {leaks} "
                     f"| {worst} |")
    return "\n".join(lines)

