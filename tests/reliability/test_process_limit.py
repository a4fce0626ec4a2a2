"""mp_queue under a low limit on processes (issue 13, point 6).

``ulimit -u`` (RLIMIT_NPROC) counts every thread and process of a user, and
fork or ``Thread.start`` fail once the user has that many. The command line
runs the lesson under each limit from 1 up to the first that lets it finish,
so every start-up is refused once somewhere: the run's own thread, the lab
process and its threads, the resource tracker, each child process, and the
helper threads inside the children (the lab's, a queue's feeder). Each run must:

* say "ok" and exit 0 only with every name produced and consumed, and no
  error; else exit non-zero with an ``error:`` line (the engine's, or the
  program's own: a worker that ended badly makes it exit 1);
* leave nothing: no process of the user, and no file of it in /dev/shm
  (multiprocessing's named semaphores, ``sem.mp-*``) or /tmp.

(The older engine also named each child that died of an error. The lab does
not report an exception inside a multiprocessing child as an event yet: the
program sees its exit code, says so, and fails the run.)

RLIMIT_NPROC does not bind root, so the CLI runs as a user id of its own
that no other process has (nobody may be busy with other tests), from a copy
of engine/ that this user may read.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import psutil
import pytest

from tests.reliability.lessons import REPO

pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0,
    reason="needs root on Linux: the limit binds only another user, run as that user")

PRODUCERS, CONSUMERS, NAMES = 2, 2, 2
ARGS = ["run", "mp_queue", "--producers", str(PRODUCERS), "--consumers", str(CONSUMERS),
        "--names", str(NAMES), "--delay", "0", "--json"]
HIGHEST = 80          # a limit that must let the run through (it needs about 15)
RUN_WITHIN = 120.0    # seconds one run may take (a hang, not a slow machine)
GONE_WITHIN = 20.0    # seconds for the user's last process to end after the CLI
#: A user id of our own: no process but ours has it, so the count is ours alone.
USER = 0x10000000 + os.getpid()


@dataclass
class Outcome:
    limit: int
    status: int
    events: list
    stderr: str

    def of_kind(self, kind: str) -> list:
        return [e for e in self.events if e["kind"] == kind]

    @property
    def done(self) -> dict | None:
        done = self.of_kind("done")
        return done[-1] if done else None

    def show(self) -> str:
        lines = [f"limit {self.limit}: exit {self.status}"]
        lines += [f"  {e['actor']}: {e['kind']} {e['text']}" for e in self.events
                  if e["kind"] in ("error", "result", "done")]
        return "\n".join(lines + ["  stderr: " + self.stderr[-600:]])


@pytest.fixture(scope="module")
def engine_home():
    """A copy of engine/ that USER may read (the checkout may be closed to others)."""
    base = tempfile.mkdtemp(prefix="engine-nproc-")
    shutil.copytree(REPO / "engine", os.path.join(base, "engine"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    for folder, _, files in os.walk(base):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    try:
        yield base
    finally:
        shutil.rmtree(base)


@pytest.fixture(scope="module")
def python(engine_home) -> str:
    """A Python 3.10+ that USER may run (this one may sit under /root)."""
    for candidate in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if not candidate:
            continue
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 10))"],
                cwd="/", capture_output=True, timeout=60, **as_user())
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate
    pytest.skip("no Python here that another user may run")


def as_user() -> dict:
    return {"user": USER, "group": USER, "extra_groups": []}


def processes_of_user() -> list[str]:
    found = []
    for p in psutil.process_iter(["uids", "cmdline"]):
        uids = p.info["uids"]
        if uids is not None and uids.real == USER:
            found.append(f"{p.pid} {' '.join(p.info['cmdline'] or [])[:70]}")
    return found


def files_of_user() -> list[str]:
    """Files USER owns at the top of /dev/shm and /tmp."""
    found = []
    for folder in ("/dev/shm", tempfile.gettempdir()):
        for name in os.listdir(folder):
            try:
                if os.lstat(os.path.join(folder, name)).st_uid == USER:
                    found.append(os.path.join(folder, name))
            except FileNotFoundError:
                pass                   # someone else's file went meanwhile
    return found


def run_limited(python: str, home: str, limit: int) -> Outcome:
    """The CLI as USER with at most ``limit`` processes and threads; waits
    until the user's last process (the resource tracker) has ended too."""
    # The limit is set by a small Python that then becomes the CLI (exec),
    # so no preexec_fn runs in this (threaded) test process.
    code = ("import os, resource, sys\n"
            f"resource.setrlimit(resource.RLIMIT_NPROC, ({limit}, {limit}))\n"
            "os.execv(sys.executable, [sys.executable, '-m', 'engine', *sys.argv[1:]])\n")
    done = subprocess.run([python, "-c", code, *ARGS], cwd=home, capture_output=True,
                          env=dict(os.environ, PYTHONPATH=home, HOME=home),
                          timeout=RUN_WITHIN, **as_user())
    deadline = time.monotonic() + GONE_WITHIN
    while processes_of_user() and time.monotonic() < deadline:
        time.sleep(0.05)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith(b"{")]
    return Outcome(limit, done.returncode, events, done.stderr.decode(errors="replace"))


def check_one(outcome: Outcome) -> None:
    """The promises of the module docstring, for one run."""
    why = outcome.show()
    assert processes_of_user() == [], f"processes left behind:\n{why}"
    assert files_of_user() == [], f"files left behind: {files_of_user()}\n{why}"
    done = outcome.done
    if outcome.status == 0:
        result = outcome.of_kind("result")[-1]["data"]
        assert done["data"]["status"] == "ok" and not done["data"].get("died"), why
        assert outcome.of_kind("error") == [], f"exit 0 after errors:\n{why}"
        assert result["produced"] == result["consumed"] == PRODUCERS * NAMES, why
        assert result["missing"] == result["twice"] == 0, why
        return
    assert outcome.status == 1, why
    assert "error: " in outcome.stderr, f"no error line:\n{why}"
    if done is not None:               # the run started: it must not claim "ok"
        assert done["data"]["status"] == "error", why


def test_a_low_process_limit_never_gives_ok_with_wrong_figures_nor_leaves_files(
        python, engine_home):
    assert processes_of_user() == [] and files_of_user() == [], \
        f"user {USER} is not ours alone"
    outcomes = []
    for limit in range(1, HIGHEST + 1):
        outcome = run_limited(python, engine_home, limit)
        outcomes.append(outcome)
        check_one(outcome)
        if outcome.status == 0:
            break
    else:
        pytest.fail(f"the run never got through, up to a limit of {HIGHEST}:\n"
                    + outcomes[-1].show())
    # The sweep must have met refusals: runs that failed, each saying why.
    assert any(o.status == 1 for o in outcomes), \
        "no limit made the run fail:\n" + "\n".join(o.show() for o in outcomes)
