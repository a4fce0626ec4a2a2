"""The lab: a lesson is a plain program, and the lab watches it run from outside.

``engine.runner.start`` runs every lesson here: each is a plain program (see
``engine/programs.py``). Try it on any program: ``python -m engine.lab PROGRAM
[ARGS]`` prints every event.

How a run goes
--------------
``start_lab(program, argv, speed)`` starts ONE new Python process, the lab
process: ``python -m engine.lab.inside PROGRAM ARGS`` (see ``ahead``; the command
line starts one first thing, before it even reads the lesson). Before the
program's first line, that process connects back to the engine, swaps ``sys.stdout``,
``sys.stderr`` and ``time.sleep`` for watched ones, and starts two threads of
its own (a sampler and a control reader). Then it runs PROGRAM with
``runpy.run_path(..., run_name="__main__")`` and ``sys.argv`` set, as
``python PROGRAM ARGS`` would. The program contains nothing for the app.

Why a new process started by subprocess (not fork, not multiprocessing)
----------------------------------------------------------------------
- The window's process must never fork (Tk) and never run lesson code.
- A fresh interpreter is the only way to patch names before the program's
  imports bind them (``from time import sleep``), and to let the program fork,
  set signal handlers and use the main thread as a classic program does.
- ``start_new_session=True`` gives the lab its own process group, so Stop can
  end it and everything it started with one ``killpg`` (Windows has no process
  groups: see ``run.py`` for what the engine does there, and what it misses).
- subprocess rather than multiprocessing's spawn: the lab needs no pickled
  target and no multiprocessing machinery of its own, which it would share with
  a ``multiprocessing`` program; and the command line says plainly what runs.

What crosses the boundary, and how children are followed
-------------------------------------------------------
Every lab process (the first one, each forked child, each spawned Python child)
opens its OWN connection to a Unix socket the engine listens on (its path is
in the environment; TCP on 127.0.0.1 where there are no Unix sockets, and
each connection first says the run's secret: see ``wire``). So there is no
question of atomic writes: a process's batches arrive whole and in order on
its own stream, and the engine's one watcher thread reads all streams with
``selectors``. A pipe would not do for spawned children: multiprocessing's
spawn closes every inherited descriptor. Events are batched (at most every
50 ms, or every 500 events) as JSON lines (see ``wire``); the engine never
unpickles what a program could shape.

- ``os.fork`` (and multiprocessing's fork): ``os.register_at_fork`` runs in the
  child, closes the parent's connection, opens its own, and restarts the
  sampler and control threads (only the forking thread survives a fork). The
  actor name carries the child's pid ("child pid 123", "Process-1 pid 124").
  ``os._exit`` sends what is gathered first, since it skips ``atexit``.
- spawn and forkserver children, and any ``sys.executable`` the program runs:
  the engine puts ``engine/lab/startup`` first on PYTHONPATH, and its
  ``sitecustomize.py`` installs the lab at interpreter start-up, as coverage.py
  does with COVERAGE_PROCESS_START and a ``.pth`` file. (VizTracer instead
  rewrites the argv given to ``subprocess.Popen`` when it starts with "python"
  and patches multiprocessing's spawn; the environment hook needs no patch, and
  the program's command lines stay what it wrote.)
- A multiprocessing child (any start method) says it began only once
  multiprocessing has named it, so its one actor is "consumer-1 pid 124" from
  its first event (``inside._announce``). multiprocessing's resource tracker is
  not the program's: it is not watched; its forkserver is watched (the children
  it forks inherit the lab from it) but never announced. A child the program
  ends itself (``terminate()``, ``kill()``) is no death: the probe tells the
  engine before the signal goes.
- Raw writes to fd 1 and 2 (``os.write(1, ...)``, a non-Python child) reach the
  engine on the lab process's stdout pipe as ``terminal`` events of actor "fd".
  Their order against captured writes is by arrival, not exact.

How Stop works
--------------
``stop()`` sends "stop" to the lab process, whose control thread sends SIGINT
to the program's main thread with ``signal.pthread_kill``, as Ctrl-C in a
terminal would: the program gets KeyboardInterrupt and may catch it to print a
partial result. (``_thread.interrupt_main()`` was the first idea, but it only
sets a flag: a main thread blocked in ``sleep()`` or ``acquire()`` does not see
it until the call returns; measured: a 3 s sleep ended after 3 s, a blocked
acquire never.) If the lab process is still there ``STOP_GRACE`` (0.2 s) later,
the engine SIGKILLs the whole process group. Whenever the lab process ends,
the group is killed too (nothing the program left running survives the run),
then the lab process is reaped. If the engine dies, the lab's control thread
sees its connection close and kills its own group: a lab never outlives it.

Capture, as a terminal shows it
-------------------------------
``sys.stdout`` and ``sys.stderr`` act as Python's own streams do on a terminal
(line buffered): every thread writes into one shared buffer, sent when a write
holds a newline, on ``flush()`` and at exit. So the ``terminal`` events are
what a terminal would receive, including a line garbled by two threads that
switched in the middle of a ``print()``, and output still buffered at a fork
that both processes print. Each thread's own pieces are also joined into its
own lines (``output``). A ``print()`` costs two events.

Events (``engine.events.Event``; ``data["file"]`` is the program file that acted)
-------------------------------------------------------------------------------
- ``process``: a lab process began (data: role "root", "fork" or "spawn", parent pid);
- ``terminal``: one chunk a terminal would receive, in order per process
  (data: stream "stdout", "stderr", or "fd" for raw writes to fd 1 and 2);
- ``output``: one finished line of one actor (data: stream, file);
- ``line``: the program line a thread is on changed (text: the function);
- ``sleep``: the program called ``time.sleep`` (data: requested, scaled, speed);
- ``state``: a probe saw a lane change (data: lane, call, file; lock or queue):
  ``waiting`` before an acquire or a queue call that blocks, ``holding``, ``idle``;
- ``probe``: a probe saw the program call a taught primitive (data: call, file
  and what the call did: depth, bytes, chunk, child_pid, exitcode, signal, the
  arrow keys of a socket call...; see ``engine.lab.probes``);
- ``progress``: how far this process's walk has got (folders listed with
  ``os.scandir``, counted by a probe, sent by the sampler a few times a second);
- ``error``: the program, or one of its threads, raised (data: traceback, file);
- ``paused``, ``blocked``, ``finished``, ``actors``: step mode (see below and
  ``engine.vocabulary``);
- ``done``: exactly one, last (data: status "ok", "error" or "stopped", exit_code
  of the lab process: negative for a signal; elapsed and held: the program's
  seconds, and those the learner held it in step mode). "error" if the exit
  code is not 0 or any process reported an error.

The engine adds two kinds of its own, as actor "lab": ``deadlock`` when the lock
events show a wait-for cycle, and when it opens again (``engine/waitfor.py``), and
``challenge`` from the run's observer (``start_lab(..., observer=)``: the lesson's
challenges, ``engine/challenges.py``).

Actors: a thread's name in the lab process ("MainThread", "worker"; threads
started with ``_thread`` are "thread-1", ...); in another process
"<process name> pid N" for its main thread, "<thread> of <process> pid N" else.
Events of one process keep their order; between processes they come in order of
arrival, and ``t`` (one monotonic clock for all) orders them.

Probes, step mode, results
--------------------------
- probes (``probes.py``): the taught primitives report what the program did
  with them (lanes, queue depth, pipe chunks, signal deliveries, socket
  arrows), returning and raising exactly what the real calls do;
- step mode, line by line (``stepping.py`` in each lab process, ``board.py`` in
  the engine): before each statement of the program, an actor says ``paused``
  and waits until the engine sends ``next IDENT`` for its thread. The engine
  keeps the step board (each actor ready, running, blocked with a reason, or
  finished), sends it as ``actors`` events, lets the actor the learner
  chooses go (``LabRun.choose``; ``step``: the next ready one in turn; a Next
  pressed while nobody waits is kept), and keeps the program's clock, which
  stops while the learner holds every actor (``Event.t`` is program time).
  Stop and "step off" free everyone. A killed process's actors leave the
  board with its connection;
- a program that ends with ``if __name__ == "__main__": main()`` is run
  without those lines, and the lab calls ``main()`` itself: what it returns
  is the run's ``result`` event (see ``inside._compile_program``);
- a lab process that closes its connection without saying it ends (``process``
  with ``ending``) was killed from outside: an ``error`` event names it, and
  ``done`` lists it in ``died`` (not while the run is stopping or its main
  process is ending: then the program's own ends look the same).

Other systems: what the lab uses that macOS or Windows lacks, and what it
does there, is listed in the docstrings of ``run`` (the engine's side) and
``inside`` (the lab process). ``PYSYSLAB_WITHOUT=macos`` or ``windows``
(``without``) runs the lab process as there, and the tests run the engine's
side so too (``tests/platforms.as_on``).

Not done yet: ``os.fork`` warnings from Python 3.12 on (the lab's own threads
count; the lab should silence the warning when the program itself has one thread).
"""

import importlib

KINDS = ("process", "terminal", "output", "line", "sleep", "state", "probe", "progress",
         "error", "done", "result", "paused", "blocked", "finished", "actors", "deadlock",
         "challenge")

# The engine's side is imported on first use (PEP 562): the lab process imports
# this package for ``inside`` and must not pay ~60 ms for subprocess and friends.
_FROM_RUN = ("STOP_GRACE", "LabError", "LabRun", "drop_ahead", "keep_spare", "start_ahead",
             "start_lab")

__all__ = ["KINDS", *_FROM_RUN]


def __getattr__(name: str):
    if name in _FROM_RUN:
        value = getattr(importlib.import_module(".run", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine.lab' has no attribute {name!r}")
