"""Probes: the taught primitives report what the program did, and still do exactly that.

Two kinds of checks, on real lab processes running small programs of
``lab_programs/``:

* each ``probe_*_returns.py`` program calls the real primitive in many ways
  and prints every return value and exception; its output under the lab must
  equal its output under plain ``python`` (the probe returns what the real
  call returns and raises what it raises);
* the other programs make a condition happen (a thread blocked in
  ``acquire``, a consumer on an empty queue, a child writing a pipe) and the
  test checks the events: lanes, depth, chunks, arrows, with the calling line.
  Where the test must know a thread is blocked before the program goes on, the
  program waits on a FIFO the test writes to after it has seen the event.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import vocabulary as v
from engine.lab import start_lab
from tests.bounds import HANG
from tests.engine.helpers import collect, ending, read_until
from tests.platforms import needs, start_methods

PROGRAMS = Path(__file__).parent / "lab_programs"


def lab(name: str, *argv: str):
    return start_lab(str(PROGRAMS / name), list(argv))


def line_of(name: str, text: str) -> int:
    found = [n for n, line in enumerate((PROGRAMS / name).read_text().splitlines(), 1)
             if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {name}"
    return found[0]


def probes(events, call: str | None = None, kind: str = v.PROBE) -> list:
    return [e for e in events if e.kind == kind and (call is None or e.data[v.CALL] == call)]


def lanes(events, actor: str) -> list[tuple[str, str, int]]:
    """The (lane, call, line) changes of one actor, in order."""
    return [(e.data[v.LANE], e.data[v.CALL], e.line) for e in events
            if e.kind == v.STATE and e.actor == actor]


def say_go(fifo: Path) -> None:
    """Let a program waiting on ``fifo`` go on: open it for writing, write, close.

    The program opens its end when it gets there; until then an open that does
    not block fails with ENXIO, and is tried again (this polls for the reader's
    arrival, it does not guess a duration).
    """
    deadline = time.monotonic() + HANG
    while True:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    os.write(fd, b"go")
    os.close(fd)


def assert_from_the_program(events, name: str) -> None:
    """Every probe event names a file of the program (``name``, or the ``shown`` module it
    imports): the stdlib's own calls are not reported."""
    files = {e.data[v.FILE] for e in events if e.kind in (v.PROBE, v.STATE)}
    assert files <= {str(PROGRAMS / name), str(PROGRAMS / "shown.py")}, files


# --- the probes return what the real calls return -----------------------------------------

# Each program with the APIs it calls that some OS lacks (tests/platforms.py).
NEEDS = {"probe_mp_returns.py": ["signal.SIGKILL"],   # its "victim" kills itself
         "probe_os_returns.py": ["os.fork"],
         "probe_signal_returns.py": ["signal.alarm", "signal.pause", "signal.SIGUSR1"]}
RETURNS = [("probe_lock_returns.py",), ("probe_queue_returns.py",),
           ("probe_mp_returns.py", "spawn"), ("probe_mp_returns.py", "fork"),
           ("probe_os_returns.py",), ("probe_signal_returns.py",),
           ("probe_socket_returns.py",), ("probe_scandir_returns.py",)]


def returns_case(program: tuple) -> object:
    name, *argv = program
    marks = [needs(*NEEDS.get(name, []))]
    marks += [mark for method in argv for mark in start_methods(method)[0].marks]
    return pytest.param(program, marks=marks, id="-".join(program).replace(".py", ""))


@pytest.mark.parametrize("program", [returns_case(p) for p in RETURNS])
def test_a_probed_call_returns_and_raises_what_the_real_one_does(program):
    name, *argv = program
    plain = subprocess.run([sys.executable, str(PROGRAMS / name), *argv],
                           capture_output=True, text=True, timeout=HANG)
    assert plain.returncode == 0, plain.stderr
    events = collect(lab(name, *argv), HANG)
    printed = "".join(e.text for e in events
                      if e.kind == "terminal" and e.data.get("stream") == "stdout")
    assert printed == plain.stdout
    # The mp program's "victim" kills itself with SIGKILL: the lab reports it as a
    # death when it spoke before dying (the sampler may flush its first event in
    # time, or not); nothing else may die.
    died = [d["actor"].split(" pid ")[0] for d in events[-1].data["died"]]
    assert died in ([], ["victim"]), died
    assert ending(events[-1]) == ("error" if died else "ok", 0)
    assert probes(events) or probes(events, kind=v.STATE) or probes(events, kind=v.PROGRESS), \
        "the probes reported nothing"
    assert_from_the_program(events, name)


# --- locks ------------------------------------------------------------------------------

@needs("os.mkfifo")   # the FIFO holds the program until the test has seen the wait
def test_a_thread_blocked_in_acquire_reports_waiting_then_holding_on_its_line(tmp_path):
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    run = lab("probe_lock_wait.py", str(fifo))
    acquire = line_of("probe_lock_wait.py", "    mutex.acquire()")
    seen = read_until(run, lambda e: e.kind == v.STATE and e.actor == "waiter",
                      HANG, "the waiter's first lane")
    assert (seen[-1].data[v.LANE], seen[-1].line) == (v.WAITING, acquire)
    say_go(fifo)
    events = seen + collect(run, HANG)
    assert lanes(events, "waiter") == [
        (v.WAITING, "acquire", acquire), (v.HOLDING, "acquire", acquire),
        (v.IDLE, "release", line_of("probe_lock_wait.py", "    mutex.release()"))]
    main_acquire = _main_line("probe_lock_wait.py", "mutex.acquire()")
    assert lanes(events, "MainThread") == [
        (v.HOLDING, "acquire", main_acquire),
        (v.IDLE, "release", _main_line("probe_lock_wait.py", "mutex.release()"))]
    order = [(e.actor, e.data[v.LANE]) for e in events if e.kind == v.STATE]
    assert order.index(("MainThread", v.IDLE)) < order.index(("waiter", v.HOLDING))
    assert events[-1].data["status"] == "ok"
    assert_from_the_program(events, "probe_lock_wait.py")


def _main_line(name: str, text: str) -> int:
    """The line, at the left margin, that is exactly ``text``."""
    found = [n for n, line in enumerate((PROGRAMS / name).read_text().splitlines(), 1)
             if line == text]
    assert len(found) == 1, found
    return found[0]


# --- queues -----------------------------------------------------------------------------

@needs("os.mkfifo")
def test_a_get_on_an_empty_queue_waits_and_every_call_reports_the_depth(tmp_path):
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    name = "probe_queue_wait.py"
    run = lab(name, str(fifo))
    seen = read_until(run, lambda e: e.kind == v.STATE and e.actor == "consumer",
                      HANG, "the consumer's first lane")
    get_line = line_of(name, "item = items.get()")
    assert (seen[-1].data[v.LANE], seen[-1].line) == (v.WAITING, get_line)
    say_go(fifo)
    events = seen + collect(run, HANG)
    assert lanes(events, "consumer") == [(v.WAITING, "get", get_line), (v.IDLE, "get", get_line)]
    assert [e.data[v.DEPTH] for e in probes(events) if e.actor == "consumer"] == [0]
    main = [(e.data[v.CALL], e.data[v.DEPTH], e.data.get(v.ERROR_TEXT))
            for e in probes(events) if e.actor == "MainThread"]
    # The first put races with the consumer's get (depth 1 or 0); after the join, not.
    assert main[0][0] == "put" and main[1:] == [
        ("put", 1, None), ("put", 2, None), ("get", 1, None), ("get_nowait", 0, None),
        ("get_nowait", 0, "Empty")]
    assert not lanes(events, "MainThread")   # the main thread's calls never waited
    assert events[-1].data["status"] == "ok"
    assert_from_the_program(events, name)


# --- multiprocessing --------------------------------------------------------------------

@needs(*NEEDS["probe_mp_returns.py"])
@pytest.mark.parametrize("method", start_methods("spawn", "fork"))
def test_multiprocessing_lock_queue_and_process_report_in_parent_and_child(method):
    name = "probe_mp_returns.py"
    events = collect(lab(name, method), HANG)
    started = {e.text.split()[1]: e.data[v.CHILD_PID] for e in probes(events, "start")}
    assert set(started) == {"worker", "victim"}
    joined = {e.data[v.CHILD_PID]: e.data[v.EXITCODE] for e in probes(events, "join")}
    assert joined == {started["worker"]: 3, started["victim"]: -9}
    worker = [e for e in events if e.pid == started["worker"]]
    with_line, put_line = line_of(name, "    with lock:"), line_of(name, "items.put(\"from")
    assert lanes(worker, f"worker pid {started['worker']}") == [
        (v.HOLDING, "with", with_line), (v.IDLE, "with", with_line),
        (v.HOLDING, "acquire", line_of(name, "    lock.acquire()")),
        (v.IDLE, "release", line_of(name, "    lock.release()"))]
    # The lock is named where the parent made it, and the name reaches the child with
    # the lock (pickled for spawn, inherited by fork): one name, one lock, everywhere.
    assert {(e.data.get(v.LOCK), e.data.get(v.SHARED)) for e in events if e.kind == v.STATE
            and e.data[v.CALL] in ("acquire", "with", "release")} == {("lock", True)}
    puts = probes(worker, "put")
    assert [e.line for e in puts] == [put_line]
    assert puts[0].data.get(v.DEPTH, 1) >= 0   # no depth where qsize is not implemented
    assert_from_the_program(events, name)


# --- os: pipe, fork, read, write, waitpid, close -----------------------------------------

@needs("os.fork")
def test_the_parents_read_chunks_add_up_to_the_childs_writes():
    name = "probe_pipe_fork.py"
    events = collect(lab(name), HANG)
    fork = probes(events, "os.fork")
    assert len(fork) == 1
    child = fork[0].data[v.CHILD_PID]
    writes = [e for e in probes(events, "os.write")]
    reads = [e for e in probes(events, "os.read")]
    assert {(e.pid, e.actor) for e in writes} == {(child, f"child pid {child}")}
    assert {e.pid for e in reads} == {fork[0].pid}
    written = "".join(e.data[v.CHUNK] for e in writes)
    assert written == "".join(f"message {n}\n" for n in range(5))
    assert "".join(e.data[v.CHUNK] for e in reads) == written
    assert sum(e.data[v.BYTES] for e in reads) == sum(e.data[v.BYTES] for e in writes)
    assert [e.data[v.BYTES] for e in reads][-1] == 0   # the end of file, read as 0 bytes
    assert all(e.data[v.BYTES] <= 7 for e in reads) and len(reads) > len(writes)
    pipe = probes(events, "os.pipe")[0].data[v.FDS]
    assert {e.data[v.FD] for e in writes} == {pipe[1]}
    assert {e.data[v.FD] for e in reads} == {pipe[0]}
    assert sorted((e.pid, e.data[v.FD]) for e in probes(events, "os.close")) == sorted(
        [(child, pipe[0]), (child, pipe[1]), (fork[0].pid, pipe[1]), (fork[0].pid, pipe[0])])
    waited = probes(events, "os.waitpid")
    assert [(e.data[v.CHILD_PID], e.data[v.EXITCODE]) for e in waited] == [(child, 3)]
    assert waited[0].line == line_of(name, "os.waitpid(pid, 0)")
    assert f"read {len(written)} bytes; child ended with 3" in [
        e.text for e in events if e.kind == "output"]


# --- signals ----------------------------------------------------------------------------

@needs("signal.alarm", "signal.pause")
def test_a_signal_is_reported_before_its_handler_runs():
    name = "probe_signal_alarm.py"
    events = collect(lab(name), HANG)
    alarm = probes(events, "signal.alarm")
    assert [(e.data[v.SECONDS], e.line) for e in alarm] == [(1, line_of(name, "alarm(1)"))]
    set_it = probes(events, "signal.signal")
    assert [(e.data[v.SIGNAL], e.data[v.HANDLER]) for e in set_it] == [("SIGALRM", "on_alarm")]
    delivered = probes(events, "on_alarm")
    assert [(e.data[v.SIGNAL], e.line) for e in delivered] == [
        ("SIGALRM", line_of(name, "signal.pause()"))]   # where the signal found the program
    rang = next(e for e in events if e.kind == "output" and e.text == "the alarm rang")
    assert delivered[0].seq < rang.seq
    assert events[-1].data["status"] == "ok"


# --- sockets ----------------------------------------------------------------------------

def test_socket_arrows_carry_equal_byte_counts_on_both_sides():
    name = "probe_socket_talk.py"
    events = collect(lab(name), HANG)
    assert events[-1].data["status"] == "ok"
    bound = probes(events, "bind")[0].data[v.ADDRESS]
    assert bound[0] == "127.0.0.1" and bound[1] > 0
    server_address = f"127.0.0.1:{bound[1]}"
    assert probes(events, "listen")[0].data[v.LISTENING] is True
    arrows = [e for e in events if e.kind == v.PROBE and v.SEQ in e.data]
    for arrow in arrows:
        assert arrow.data[v.FROM] == arrow.actor
    by = {(e.actor, e.data[v.SEQ]): e for e in arrows}
    connect, accept = by[("client", v.CONNECT)], by[("server", v.ACCEPT)]
    assert connect.data[v.TO] == server_address == accept.data[v.LOCAL]
    assert accept.data[v.TO] == connect.data[v.LOCAL]   # each end names the other

    def total(actor: str, seq: str) -> int:
        return sum(e.data[v.BYTES] for e in arrows if e.actor == actor and e.data[v.SEQ] == seq)

    sent = len("hello" "sockets" "and a longer message than sixteen bytes")
    assert total("client", v.SEND) == total("server", v.RECV) == sent
    assert total("server", v.SEND) == total("client", v.RECV) == sent
    assert all(e.data[v.ASKED] == 16 for e in arrows
               if e.actor == "server" and e.data[v.SEQ] == v.RECV)
    assert [e.data[v.PREVIEW] for e in arrows if e.actor == "client" and e.data[v.SEQ] == v.SEND
            ] == ["hello", "sockets", "and a longer message than sixteen bytes"]
    closes = [(e.actor, e.data[v.LOCAL]) for e in arrows if e.data[v.SEQ] == v.CLOSE]
    assert sorted(closes) == sorted([("client", connect.data[v.LOCAL]),
                                     ("server", server_address),
                                     ("MainThread", server_address)])


# --- tracebacks -------------------------------------------------------------------------

def test_a_traceback_through_a_probe_reads_as_without_the_lab():
    name = "probe_raises.py"
    plain = subprocess.run([sys.executable, str(PROGRAMS / name)],
                           capture_output=True, text=True, timeout=HANG)
    events = collect(lab(name), HANG)
    printed = "".join(e.text for e in events
                      if e.kind == "terminal" and e.data.get("stream") == "stderr")
    assert "probes.py" not in printed
    assert printed == plain.stderr
    errors = [e for e in events if e.kind == "error"]
    assert [(e.actor, e.text.split(":")[0]) for e in errors] == [
        ("worker", "Empty"), ("MainThread", "RuntimeError")]
    assert errors[1].line == line_of(name, "mutex.release()")
    assert ending(events[-1]) == ("error", plain.returncode)


@needs("signal.SIGUSR1")
def test_a_signal_in_the_middle_of_a_report_is_reported_without_a_deadlock():
    name = "probe_signal_in_emit.py"
    events = collect(lab(name), HANG)
    assert events[-1].data["status"] == "ok"
    delivered = probes(events, "on_signal")
    assert [(e.data[v.SIGNAL], e.line) for e in delivered] == [
        ("SIGUSR1", line_of(name, "os.kill(os.getpid()"))]
    said = [e.text for e in events if e.kind == "output"]
    assert said == ["handled SIGUSR1"]


def test_a_put_on_a_full_queue_and_a_get_on_an_empty_one_wait_until_their_timeout():
    name = "probe_queue_returns.py"
    events = collect(lab(name), HANG)
    put_line, get_line = line_of(name, "q.put(5, timeout=0.01)"), line_of(name, "q.get(True, 0.01)")
    for line, call, error in ((put_line, "put", "Full"), (get_line, "get", "Empty")):
        at_line = [e for e in events if e.line == line and e.kind in (v.STATE, v.PROBE)]
        assert [(e.data.get(v.LANE), e.data.get(v.ERROR_TEXT)) for e in at_line] == [
            (v.WAITING, None), (v.IDLE, None), (None, error)] * 3   # Queue, Lifo, Priority
        assert {e.data[v.CALL] for e in at_line} == {call}
    no_wait = [line_of(name, "q.put(5, block=False)"), line_of(name, "q.get(False)")]
    assert not [e for e in events if e.kind == v.STATE and e.line in no_wait]
    assert [e.data[v.DEPTH] for e in probes(events) if e.line == no_wait[0]] == [2, 2, 2]


# --- lock names, and what a lock's events say --------------------------------------------

def lock_events(events, actor: str = "MainThread") -> list[tuple]:
    """(call, lock, lane, acquired) of each lock event of ``actor``."""
    return [(e.data[v.CALL], e.data[v.LOCK], e.data[v.LANE], e.data.get(v.ACQUIRED))
            for e in events if e.kind == v.STATE and e.actor == actor]


def test_each_lock_is_named_as_the_program_names_it_and_each_name_is_one_lock():
    events = collect(lab("lock_names.py"), HANG)
    assert events[-1].data["status"] == "ok"
    taken = [lock for call, lock, _, got in lock_events(events) if call == "with" and got]
    # The variable of a one-call assignment, else lock-N in order of creation; a name
    # given already (a second Philosopher's fork, a function's lock made twice) is
    # numbered, never given twice: "lock" made again is not "lock-2", the unnamed one.
    assert taken[:7] == ["lock_a", "lock-1", "lock-2", "self.fork", "self.fork-2",
                         "lock", "lock-3"]


def test_a_lock_event_says_which_lock_and_whether_it_was_got_or_given_up():
    events = collect(lab("lock_names.py"), HANG)
    nested = [e.seq for e in events if e.kind == "output" and e.text == "nested"][0]
    after = [e for e in events if e.seq > nested]
    assert lock_events(after) == [
        ("with", "lock_a", v.HOLDING, True),
        ("acquire", "lock-1", v.HOLDING, True),
        ("release", "lock-1", v.HOLDING, None),   # still holds lock_a: still holding
        ("acquire", "lock-2", v.HOLDING, True),
        ("acquire", "lock-2", v.WAITING, None),   # it holds lock-2 already: it must wait
        ("acquire", "lock-2", v.HOLDING, False),  # ...and gives up after 0.01 s
        ("release", "lock-2", v.HOLDING, None),
        ("with", "lock_a", v.IDLE, None)]
    gave_up = [e.text for e in after if e.kind == v.STATE and e.data.get(v.ACQUIRED) is False]
    assert gave_up == ["acquire lock-2: gave up"]


def test_a_locks_holders_never_overlap_in_the_events():
    # The lock passes from hand to hand with a thread switch as often as the
    # interpreter allows: a thread woken by a release runs at once. Its "got it"
    # must still come after the releaser's "released", or a watcher would see two
    # holders at once (the release is said before it happens).
    events = collect(lab("lock_relay.py"), HANG)
    assert events[-1].data["status"] == "ok"
    holder, overlaps, handovers = None, [], 0
    for event in events:
        if event.kind != v.STATE or event.data.get(v.LOCK) != "baton":
            continue
        if event.data.get(v.ACQUIRED):
            if holder is not None:
                overlaps.append((holder, event.actor, event.seq))
            holder = event.actor
            handovers += 1
        elif v.ACQUIRED not in event.data and event.data[v.LANE] != v.WAITING:
            holder = None
    assert handovers == 4000 and overlaps == []


# --- folder walks: os.scandir and os.walk ---------------------------------------------------

def progress_of(events) -> dict[int, list]:
    """Each process's progress events (pid -> events, in order)."""
    found: dict[int, list] = {}
    for event in probes(events, kind=v.PROGRESS):
        found.setdefault(event.pid, []).append(event)
    return found


def test_a_walk_reports_its_folders_from_each_process_without_an_event_per_folder(tmp_path):
    """5 folders listed, then a hold (the program waits on a FIFO until the test has
    seen the progress of those 5); then a forked child walks 3 folders with os.walk
    and the parent lists 2 more. Each process counts its own."""
    tree = tmp_path / "tree"
    for i in range(8):
        (tree / f"d{i}").mkdir(parents=True)
        (tree / f"d{i}" / f"f{i}.py").write_bytes(b"x")
    (tree / "d5" / "x" / "y").mkdir(parents=True)
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    run = lab("walks.py", str(tree), str(fifo))
    seen = read_until(run, lambda e: e.kind == v.PROGRESS and e.data[v.FOLDERS] == 5, HANG,
                      "the progress of the first 5 folders, while the program waits")
    assert seen[-1].data[v.FOLDER] == str(tree / "d4"), "the folder listed last"
    assert seen[-1].actor == "MainThread" and seen[-1].line is None
    say_go(fifo)
    events = seen + collect(run, HANG)
    assert ending(events[-1]) == ("ok", 0)
    by_pid = progress_of(events)
    parent = by_pid.pop(run.pid)
    [(child, reports)] = by_pid.items()
    assert parent[-1].data[v.FOLDERS] == 7 and parent[-1].data[v.FOLDER] == str(tree / "d7")
    assert reports[-1].data[v.FOLDERS] == 3, "the child counts its own folders, from 0"
    assert reports[-1].data[v.FOLDER] == str(tree / "d5" / "x" / "y")
    assert reports[-1].actor == f"child pid {child}"
    for event in parent + reports:
        assert event.data[v.CALL] == "os.scandir"
        assert event.data[v.RATE] > 0 and event.data[v.ELAPSED] >= 0
    assert len(parent) <= 7, "at most one event per change of the count, never more"


def test_progress_comes_a_few_times_a_second_at_most():
    """3,000 listings as fast as the program can: the events are throttled to one per
    PROGRESS_EVERY (by the walk's own clock), plus the last one, sent at the end."""
    from engine.lab.probes import PROGRESS_EVERY
    events = collect(lab("lists_many.py"), HANG)
    assert ending(events[-1]) == ("ok", 0)
    reports = progress_of(events)[events[-1].pid]
    assert reports[-1].data[v.FOLDERS] == 3000
    elapsed = [e.data[v.ELAPSED] for e in reports[:-1]]   # the last one may come early
    assert all(b - a >= PROGRESS_EVERY for a, b in zip(elapsed, elapsed[1:], strict=False))
    assert len(reports) <= 2 + reports[-1].data[v.ELAPSED] / PROGRESS_EVERY
